import Type, { type TSchema } from 'typebox';
import type { EventTypeDefinition, EventTypeDefinitions } from '../events/index.js';
import { HoldSchema, OrderSchema } from './orders.schemas.js';

const Hold = Type.Omit(HoldSchema, ['order']);

/** `data` of an order event: the order as `GET /v1/orders/{id}` returns it, plus the fields named. */
const withOrder = (fields: Record<string, TSchema> = {}) => Type.Object({ ...fields, order: OrderSchema });

const order = (summary: string, fields?: Record<string, TSchema>): EventTypeDefinition => ({
  scope: 'orders:read',
  summary,
  data: withOrder(fields),
});

const Change = Type.String({
  description:
    'What changed: edited, payment, allocation, lines_cancelled, reservations_expired, promise (a backordered order’s promised delivery date got earlier, or it got one), … `not_applied`: the channel changed the order too late for Ordo to apply it (`reason`, and the `requested` fields); the order is unchanged',
});

const PromisedDate = (description: string) =>
  Type.Union([Type.String({ format: 'date' }), Type.Null()], { description });

/** Why waiting orders' promises were worked out again. */
export const promiseChangeReasons = [
  'inbound_announced',
  'inbound_rescheduled',
  'inbound_received',
  'inbound_cancelled',
  'inbound_overdue',
  'queue_changed',
] as const;
export type PromiseChangeReason = (typeof promiseChangeReasons)[number];

const PromiseReason = Type.Enum(promiseChangeReasons, {
  description:
    'What moved it: an inbound shipment announced, given a new expected date, received (closed short, or its units went to orders ahead), cancelled, or overdue (its expected date passed without a receipt); or the queue of waiting orders changed (an order ahead was cancelled or placed with a higher priority)',
});

const promiseFields = {
  previous_promised_delivery_date: PromisedDate('The promised delivery date before'),
  promised_delivery_date: PromisedDate(
    'The promised delivery date now; null when no incoming stock covers it',
  ),
  reason: PromiseReason,
};

const Routed = Type.Object({
  order_id: Type.String({ format: 'uuid' }),
  number: Type.Integer(),
  routing: Type.Object({
    rule_set: Type.Unknown({ description: 'The rule set used' }),
    rule: Type.Unknown({ description: 'The rule that fired' }),
    locations: Type.Array(Type.String(), { description: 'Codes of the locations that ship' }),
    shipments: Type.Integer(),
    cost: Type.Union([Type.Number(), Type.Null()]),
    why: Type.Unknown({ description: 'Why the winning plan won' }),
  }),
  promised_delivery_date: Type.Optional(Type.Union([Type.String({ format: 'date' }), Type.Null()])),
});

/** The order.* event types, with the schema of their `data`: adding a type is one line here. */
export const orderEvents = {
  'order.created': order('An order was captured'),
  'order.routed': {
    scope: 'orders:read',
    summary: 'Routing decided where an order ships from (a summary; the trace is on the order)',
    data: Routed,
  },
  'order.held': order('A hold was put on an order', { hold: Hold }),
  'order.hold_released': order('A hold on an order was released', { hold: Hold }),
  'order.allocated': order('Every line of an order is reserved at a location'),
  'order.backordered': order('An order waits for stock'),
  'order.cancelled': order('An order was cancelled', { reason: Type.String() }),
  'order.updated': order('An order changed (see `change`)', {
    change: Change,
    previous_promised_delivery_date: Type.Optional(PromisedDate('With change `promise`: the date before')),
    promised_delivery_date: Type.Optional(PromisedDate('With change `promise`: the date now')),
    reason: Type.Optional(
      Type.String({
        description: `With change \`promise\`, what moved it (as in \`order.promise_changed\`); with \`not_applied\`, why`,
      }),
    ),
  }),
  'order.promise_changed': order(
    'A backordered order’s promised delivery date got later, or it lost its promise: the incoming stock it waits for is late, short or cancelled, or an order ahead took it. (An earlier date is an `order.updated` with change `promise`.)',
    promiseFields,
  ),
  'order.released': order('An allocated order was released to its locations as shipments', {
    shipments: Type.Array(Type.String({ format: 'uuid' }), { description: 'The shipments created' }),
  }),
  'order.shipped': order('Every unit of an order not cancelled has shipped'),
  'order.delivered': order('Every parcel of an order was delivered'),
  'order.returned': order('Every shipped unit of an order came back'),
} satisfies EventTypeDefinitions;

/**
 * The order as every order event carries it, named once in the OpenAPI document (`WebhookOrder`) so a
 * generated client has one Order type for every order event rather than one per event type.
 */
export const orderEventSchemas = { WebhookOrder: OrderSchema };
