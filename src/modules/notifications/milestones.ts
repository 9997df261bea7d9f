import type { TemplateId } from './builtin-templates.js';

/** The event types a milestone can come from; the worker reads only these from the feed. */
export const milestoneEventTypes = [
  'order.created',
  'order.hold_released',
  'order.allocated',
  'order.backordered',
  'order.released',
  'order.updated',
  'order.promise_changed',
  'shipment.shipped',
  'shipment.in_transit',
  'shipment.tracking_updated',
  'shipment.delivered',
  'return.received',
  'return.refunded',
] as const;

/** An event as the worker reads it from the feed. */
export type FeedEvent = {
  id: string;
  type: string;
  data: Record<string, unknown>;
};

/** What one event says the customer should hear: a template about an order, with the event's facts. */
export interface Milestone {
  orderId: string;
  template: TemplateId;
  /** What makes this milestone happen more than once per order (a parcel, a return, a date); '' when it cannot. */
  subject: string;
  /** The facts of the event the message needs (the parcel, the return, the dates). */
  facts: Record<string, unknown>;
}

type Shipment = {
  id: string;
  number: string;
  order_id: string;
  carrier: string | null;
  service: string | null;
  tracking_number: string | null;
  tracking_url: string | null;
  lines: Array<{ sku: string; quantity: number }>;
};
type Return = {
  id: string;
  number: string;
  order_id: string;
  refunds?: Array<{ id: string; currency: string }>;
};
type Order = { id: string; status: string };

/** Order statuses in which a captured order is not (yet) confirmed: waiting on a hold, or rejected. */
const unconfirmed = new Set(['received', 'on_hold', 'cancelled']);
const confirmingTypes = new Set([
  'order.created',
  'order.hold_released',
  'order.allocated',
  'order.backordered',
  'order.released',
]);

const parcel = (shipment: Shipment) => ({
  shipment: {
    id: shipment.id,
    number: shipment.number,
    carrier: shipment.carrier,
    service: shipment.service,
    tracking_number: shipment.tracking_number,
    tracking_url: shipment.tracking_url,
  },
  items: shipment.lines.map((line) => ({ sku: line.sku, quantity: line.quantity })),
});

function fromShipment(event: FeedEvent): Milestone | undefined {
  const shipment = event.data.shipment as Shipment | undefined;
  if (!shipment) {
    return undefined;
  }
  const at = (template: TemplateId): Milestone => ({
    orderId: shipment.order_id,
    template,
    subject: shipment.id,
    facts: parcel(shipment),
  });
  const trackingStatus = (event.data.tracking as { status?: string } | undefined)?.status;
  switch (event.type) {
    case 'shipment.shipped':
      return at('order_shipped');
    case 'shipment.delivered':
      return at('order_delivered');
    default:
      return trackingStatus === 'out_for_delivery' ? at('out_for_delivery') : undefined;
  }
}

function fromOrder(event: FeedEvent): Milestone | undefined {
  const order = event.data.order as Order | undefined;
  if (!order) {
    return undefined;
  }
  const promise =
    event.type === 'order.promise_changed' ||
    (event.type === 'order.updated' && event.data.change === 'promise');
  if (promise) {
    const previous = (event.data.previous_promised_delivery_date as string | null | undefined) ?? null;
    const next = (event.data.promised_delivery_date as string | null | undefined) ?? null;
    if (previous === next) {
      return undefined;
    }
    return {
      orderId: order.id,
      template: 'backorder_date_changed',
      subject: `${previous ?? 'none'}>${next ?? 'none'}`,
      facts: {
        promise: {
          previous_promised_delivery_date: previous,
          promised_delivery_date: next,
          reason: event.data.reason ?? null,
        },
      },
    };
  }
  if (confirmingTypes.has(event.type) && !unconfirmed.has(order.status)) {
    return { orderId: order.id, template: 'order_confirmed', subject: '', facts: {} };
  }
  return undefined;
}

function fromReturn(event: FeedEvent): Milestone | undefined {
  const returned = event.data.return as Return | undefined;
  if (!returned) {
    return undefined;
  }
  const facts = { return: { id: returned.id, number: returned.number } };
  if (event.type === 'return.received') {
    const lines = (event.data.lines as Array<{ sku: string; quantity: number; condition: string }>) ?? [];
    return {
      orderId: returned.order_id,
      template: 'return_received',
      subject: returned.id,
      facts: { ...facts, items: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })) },
    };
  }
  const refundId = event.data.refund_id as string;
  const currency = returned.refunds?.find((refund) => refund.id === refundId)?.currency ?? null;
  return {
    orderId: returned.order_id,
    template: 'refund_issued',
    subject: refundId,
    facts: { ...facts, refund: { id: refundId, amount: event.data.amount as number, currency } },
  };
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function reached(event: FeedEvent): Milestone | undefined {
  if (event.type.startsWith('shipment.')) {
    return fromShipment(event);
  }
  if (event.type.startsWith('order.')) {
    return fromOrder(event);
  }
  if (event.type === 'return.received' || event.type === 'return.refunded') {
    return fromReturn(event);
  }
  return undefined;
}

/**
 * The milestone an event reaches, if any (pure: the worker adds the order, the customer and the link).
 * An event without the ids a milestone needs reaches none: one malformed event must not stop the feed.
 */
export function milestoneOf(event: FeedEvent): Milestone | undefined {
  const milestone = reached(event);
  const usable =
    milestone !== undefined &&
    typeof milestone.orderId === 'string' &&
    uuid.test(milestone.orderId) &&
    typeof milestone.subject === 'string';
  return usable ? milestone : undefined;
}
