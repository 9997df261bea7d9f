import Type from 'typebox';
import type { EventTypeDefinitions } from '../events/index.js';
import { templateIds } from './builtin-templates.js';

const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description ? { description } : {});

const Item = Type.Object({ sku: Type.String(), name: nullable(Type.String()), quantity: Type.Integer() });

/** What a template needs; which parts are present depends on the template. */
const NotificationData = Type.Object(
  {
    order: Type.Object({
      id: Type.String({ format: 'uuid' }),
      number: Type.Integer(),
      placed_at: Type.String({ format: 'date-time' }),
      currency: Type.String(),
      total: Type.Integer({ description: 'Minor units' }),
      promised_delivery_date: nullable(Type.String({ format: 'date' })),
    }),
    items: Type.Array(Item, {
      description: 'The items concerned: the parcel’s, the return’s, otherwise the order’s',
    }),
    shipment: Type.Optional(
      Type.Object(
        {
          id: Type.String({ format: 'uuid' }),
          number: Type.String(),
          carrier: nullable(Type.String()),
          service: nullable(Type.String()),
          tracking_number: nullable(Type.String()),
          tracking_url: nullable(Type.String()),
        },
        { description: 'order_shipped, out_for_delivery, order_delivered: the parcel' },
      ),
    ),
    promise: Type.Optional(
      Type.Object(
        {
          previous_promised_delivery_date: Type.Optional(nullable(Type.String({ format: 'date' }))),
          promised_delivery_date: nullable(Type.String({ format: 'date' })),
          reason: Type.Optional(nullable(Type.String())),
        },
        { description: 'order_delayed: the date missed; backorder_date_changed: the dates before and now' },
      ),
    ),
    return: Type.Optional(
      Type.Object(
        { id: Type.String({ format: 'uuid' }), number: Type.String() },
        { description: 'return_received, refund_issued' },
      ),
    ),
    refund: Type.Optional(
      Type.Object(
        {
          id: Type.String({ format: 'uuid' }),
          amount: Type.Integer({ description: 'Minor units' }),
          currency: nullable(Type.String()),
        },
        { description: 'refund_issued' },
      ),
    ),
  },
  { additionalProperties: true },
);

const Requested = Type.Object({
  notification_id: Type.String({ format: 'uuid' }),
  template: Type.Enum(templateIds, { description: 'The milestone, and the template that words it' }),
  template_id: Type.Enum(templateIds, { description: 'The same as `template`' }),
  locale: Type.String({ description: 'BCP 47: the customer’s, else the channel’s default' }),
  channel: Type.String(),
  delivery: Type.Enum(['event', 'smtp'], {
    description: 'event: your messaging system sends it; smtp: Ordo e-mails it as well',
  }),
  order_id: Type.String({ format: 'uuid' }),
  order_number: Type.Integer(),
  recipient: Type.Object({ email: Type.String(), name: nullable(Type.String()) }),
  status_link: nullable(Type.String(), 'Where the customer sees the order; null when the link is revoked'),
  data: NotificationData,
});

const Outcome = (fields: Record<string, Parameters<typeof Type.Object>[0][string]>) =>
  Type.Object({
    notification_id: Type.String({ format: 'uuid' }),
    template: Type.Enum(templateIds),
    channel: Type.String(),
    order_id: Type.String({ format: 'uuid' }),
    order_number: Type.Integer(),
    recipient: Type.Object({ email: Type.String() }),
    attempts: Type.Integer(),
    ...fields,
  });

/** The notification.* event types, with the schema of their `data`: adding a type is one line here. */
export const notificationEvents = {
  'notification.requested': {
    scope: 'orders:read',
    summary:
      'The customer should hear about a milestone of their order (confirmed, shipped, out for delivery, delivered, delayed, backorder date changed, return received, refund issued); sent once per milestone',
    data: Requested,
  },
  'notification.sent': {
    scope: 'orders:read',
    summary: 'Ordo e-mailed a notification over the channel’s SMTP server',
    data: Outcome({ message_id: nullable(Type.String(), 'The SMTP Message-ID') }),
  },
  'notification.failed': {
    scope: 'orders:read',
    summary: 'Ordo could not e-mail a notification on any attempt; it is not retried by itself',
    data: Outcome({ last_error: nullable(Type.String()) }),
  },
} satisfies EventTypeDefinitions;
