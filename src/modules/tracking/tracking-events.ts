import Type from 'typebox';
import type { EventTypeDefinitions, NewEvent } from '../events/index.js';

const LinkChange = Type.Object({
  order_id: Type.String({ format: 'uuid' }),
  order_number: Type.Integer(),
  version: Type.Integer({ description: 'The link’s version now: tokens of earlier versions no longer work' }),
});

/**
 * The status_link.* event types: who renewed or revoked an order's customer link, on its timeline. They
 * never carry the token.
 */
export const trackingEvents = {
  'status_link.renewed': {
    scope: 'orders:read',
    summary: 'A new status link was issued for an order; every earlier link stopped working',
    data: LinkChange,
  },
  'status_link.revoked': {
    scope: 'orders:read',
    summary: 'An order’s status link was revoked: its customer page answers 404 until a new link is issued',
    data: LinkChange,
  },
} satisfies EventTypeDefinitions;

export const linkEvent = (
  type: keyof typeof trackingEvents,
  link: { orderId: string; orderNumber: number; channel: string; version: number },
): NewEvent => ({
  type,
  resourceType: 'order',
  resourceId: link.orderId,
  channel: link.channel,
  data: { order_id: link.orderId, order_number: link.orderNumber, version: link.version },
});
