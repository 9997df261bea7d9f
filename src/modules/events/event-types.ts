import Type, { type TSchema } from 'typebox';
import type { Scope } from '../../http/caller.js';
import { ShipmentSchema } from '../fulfillment/shipments.schemas.js';
import { HoldSchema, OrderSchema } from '../orders/orders.schemas.js';
import { RefundSchema, ReturnSchema } from '../returns/returns.schemas.js';

/** What one event type is: who may read it, what it means, and the shape of its `data`. */
export interface EventTypeDefinition {
  /** The scope that reads this type in the feed (`admin` reads every type). */
  scope: Scope;
  summary: string;
  data: TSchema;
}

const Hold = Type.Omit(HoldSchema, ['order']);

/** `data` of an order event: the order as `GET /v1/orders/{id}` returns it, plus the fields named. */
const withOrder = (fields: Record<string, TSchema> = {}) => Type.Object({ ...fields, order: OrderSchema });

const order = (summary: string, fields?: Record<string, TSchema>): EventTypeDefinition => ({
  scope: 'orders:read',
  summary,
  data: withOrder(fields),
});

const Change = Type.String({
  description: 'What changed: edited, payment, allocation, lines_cancelled, reservations_expired, …',
});

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

const AvailabilityChanged = Type.Object({
  sku: Type.String(),
  channel: Type.String(),
  available: Type.Integer({ description: 'Units the channel may sell now' }),
  previous: Type.Integer({ description: 'Units it could sell before the change' }),
});

const Shortfall = Type.Object({
  sku: Type.String(),
  location: Type.String(),
  on_hand: Type.Integer(),
  reserved: Type.Integer(),
  short_by: Type.Integer({ description: 'Reserved units no longer covered by stock on hand' }),
  holders: Type.Array(Type.String(), { description: 'The reservation holders (order lines) affected' }),
  reference: Type.String({ description: 'The feed batch that caused the shortfall' }),
});

/** `data` of a shipment event: the shipment as `GET /v1/shipments/{id}` returns it, plus the fields named. */
const shipment = (summary: string, fields: Record<string, TSchema> = {}): EventTypeDefinition => ({
  scope: 'orders:read',
  summary,
  data: Type.Object({ ...fields, shipment: ShipmentSchema }),
});

/** `data` of a return event: the return as `GET /v1/returns/{id}` returns it, plus the fields named. */
const returned = (summary: string, fields: Record<string, TSchema> = {}): EventTypeDefinition => ({
  scope: 'orders:read',
  summary,
  data: Type.Object({ ...fields, return: ReturnSchema }),
});

const Reason = Type.Union([Type.String(), Type.Null()]);

const RefundRequested = Type.Object({
  refund: RefundSchema,
  return_id: Type.String({ format: 'uuid' }),
  order_id: Type.String({ format: 'uuid' }),
  order_number: Type.Integer(),
});

const Subscription = Type.Object({
  id: Type.String({ format: 'uuid' }),
  url: Type.String(),
  channel: Type.Union([Type.String(), Type.Null()]),
});

const DeliveryExhausted = Type.Object({
  subscription: Subscription,
  delivery_id: Type.Integer(),
  event_id: Type.String({ format: 'uuid', description: 'The event that could not be delivered' }),
  event_type: Type.String(),
  event_sequence: Type.Integer(),
  attempts: Type.Integer(),
  last_status: Type.Union([Type.Integer(), Type.Null()]),
  last_error: Type.Union([Type.String(), Type.Null()]),
});

const SubscriptionDisabled = Type.Object({
  subscription: Subscription,
  reason: Type.String(),
});

/**
 * Every event type Ordo emits, with the schema of its `data`. The feed, subscription patterns and the
 * OpenAPI `webhooks` section are built from this table: adding a type is one line here.
 */
export const eventTypes = {
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
  'order.updated': order('An order changed (see `change`)', { change: Change }),
  'order.released': order('An allocated order was released to its locations as shipments', {
    shipments: Type.Array(Type.String({ format: 'uuid' }), { description: 'The shipments created' }),
  }),
  'order.shipped': order('Every unit of an order not cancelled has shipped'),
  'order.delivered': order('Every parcel of an order was delivered'),
  'order.returned': order('Every shipped unit of an order came back'),
  'shipment.created': shipment('A shipment was released to its location'),
  'shipment.picking': shipment('A shipment is on a pick list', { pick_list_id: Type.Integer() }),
  'shipment.packed': shipment('A shipment was packed; its carrier service is chosen'),
  'shipment.shipped': shipment('A shipment left with its tracking number; its stock is consumed'),
  'shipment.in_transit': shipment('The carrier reports the parcel on its way', { tracking: Type.Unknown() }),
  'shipment.tracking_updated': shipment('A carrier status update that does not change the status', {
    tracking: Type.Unknown(),
  }),
  'shipment.delivered': shipment('The carrier delivered the parcel', { tracking: Type.Unknown() }),
  'shipment.exception': shipment('The carrier reports a problem with the parcel', {
    tracking: Type.Unknown(),
  }),
  'shipment.updated': shipment('Units left a shipment still in the building (see `change`)', {
    change: Type.String(),
    reason: Reason,
  }),
  'shipment.cancelled': shipment('A shipment was cancelled: nothing was left in it', { reason: Reason }),
  'return.requested': returned('A return was opened'),
  'return.authorized': returned('A return was authorized'),
  'return.rejected': returned('A return was rejected', { reason: Reason }),
  'return.in_transit': returned('The customer sent a return back'),
  'return.received': returned('Returned units arrived at a location', {
    location: Type.String(),
    lines: Type.Array(
      Type.Object({ sku: Type.String(), quantity: Type.Integer(), condition: Type.String() }),
    ),
  }),
  'return.refunded': returned('The payment system confirmed a refund of the return', {
    refund_id: Type.String({ format: 'uuid' }),
    amount: Type.Integer(),
  }),
  'return.closed': returned('A return was closed', { reason: Reason }),
  'refund.requested': {
    scope: 'orders:read',
    summary: 'A refund is due: the payment system should pay it and confirm',
    data: RefundRequested,
  },
  'inventory.availability_changed': {
    scope: 'inventory:read',
    summary: 'What a channel may sell of a SKU changed',
    data: AvailabilityChanged,
  },
  'inventory.shortfall': {
    scope: 'inventory:read',
    summary: 'A stock change left reserved units without stock on hand',
    data: Shortfall,
  },
  'webhook.delivery_exhausted': {
    scope: 'webhooks:write',
    summary: 'A webhook delivery failed on every attempt and will not be retried by itself',
    data: DeliveryExhausted,
  },
  'webhook.subscription_disabled': {
    scope: 'webhooks:write',
    summary: 'A webhook subscription was disabled: its endpoint answered 410 or kept failing',
    data: SubscriptionDisabled,
  },
} satisfies Record<string, EventTypeDefinition>;

export type EventType = keyof typeof eventTypes;

const registry: Record<string, EventTypeDefinition> = eventTypes;

export const knownEventTypes = Object.keys(registry).sort();

export const isEventType = (type: string): type is EventType => Object.hasOwn(registry, type);

/** `*` matches every type, `order.*` every type starting `order.`, anything else exactly that type. */
export function matchesPattern(pattern: string, type: string): boolean {
  if (pattern === '*') {
    return true;
  }
  return pattern.endsWith('.*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

/** Why a pattern cannot be used, or undefined when it matches at least one known type. */
export function patternProblem(pattern: string): string | undefined {
  if (pattern === '*' || isEventType(pattern)) {
    return undefined;
  }
  if (pattern.endsWith('.*') && knownEventTypes.some((type) => matchesPattern(pattern, type))) {
    return undefined;
  }
  return pattern.includes('*')
    ? `"${pattern}" matches no event type; use \`*\`, a family such as \`order.*\`, or an exact type`
    : `"${pattern}" is not an event type; the types are ${knownEventTypes.join(', ')}`;
}

/** The known types any of `patterns` matches. */
export const typesMatching = (patterns: readonly string[]): string[] =>
  knownEventTypes.filter((type) => patterns.some((pattern) => matchesPattern(pattern, type)));

/** The event types a key with these scopes may read. */
export const typesReadableWith = (scopes: readonly Scope[]): string[] =>
  scopes.includes('admin')
    ? knownEventTypes
    : knownEventTypes.filter((type) => {
        const scope = registry[type]?.scope;
        return scope !== undefined && scopes.includes(scope);
      });

export const definitionOf = (type: string): EventTypeDefinition | undefined =>
  isEventType(type) ? registry[type] : undefined;
