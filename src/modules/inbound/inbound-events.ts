import Type from 'typebox';
import type { EventTypeDefinitions, NewEvent } from '../events/index.js';
import { InboundShipmentSchema, type InboundShipmentView } from './inbound.schemas.js';

const Receipt = Type.Object({
  reference: Type.String({ description: 'The receipt’s reference' }),
  lines: Type.Array(
    Type.Object({
      sku: Type.String(),
      quantity: Type.Integer(),
      over: Type.Integer({ description: 'Units beyond what the line still expected' }),
    }),
    { description: 'Units that arrived in this receipt' },
  ),
  closed: Type.Boolean({ description: 'The receipt closed the shipment short: nothing more will arrive' }),
});

const Shipment = Type.Object({ inbound_shipment: InboundShipmentSchema });
const Rescheduled = Type.Object({
  inbound_shipment: InboundShipmentSchema,
  previous_expected_date: Type.String({ format: 'date', description: 'The expected date before' }),
});
const Received = Type.Object({ inbound_shipment: InboundShipmentSchema, receipt: Receipt });

/** The inbound_shipment.* event types, with the schema of their `data`: adding a type is one line here. */
export const inboundEvents = {
  'inbound_shipment.created': {
    scope: 'inventory:read',
    summary: 'Stock was announced to a location (an ASN or purchase order): it shows as incoming',
    data: Shipment,
  },
  'inbound_shipment.in_transit': {
    scope: 'inventory:read',
    summary: 'An inbound shipment is on its way',
    data: Shipment,
  },
  'inbound_shipment.rescheduled': {
    scope: 'inventory:read',
    summary: 'An inbound shipment is expected on another date (orders promised its units are promised again)',
    data: Rescheduled,
  },
  'inbound_shipment.receipt': {
    scope: 'inventory:read',
    summary: 'Units of an inbound shipment arrived and went on hand',
    data: Received,
  },
  'inbound_shipment.received': {
    scope: 'inventory:read',
    summary: 'An inbound shipment is received: in full, or closed short',
    data: Shipment,
  },
  'inbound_shipment.cancelled': {
    scope: 'inventory:read',
    summary: 'An inbound shipment was cancelled before anything of it arrived',
    data: Shipment,
  },
} satisfies EventTypeDefinitions;

export type InboundEventType = keyof typeof inboundEvents;

/** An event about an inbound shipment: inbound shipments belong to no channel. */
export const inboundEvent = (
  type: InboundEventType,
  shipment: InboundShipmentView,
  extra: Record<string, unknown> = {},
): NewEvent => ({
  type,
  resourceType: 'inbound_shipment',
  resourceId: shipment.id,
  data: { inbound_shipment: shipment, ...extra },
});
