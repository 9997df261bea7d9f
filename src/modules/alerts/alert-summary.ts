import type { AlertKind } from './alert-rules.js';

/** One line saying what is wrong, for people, from the facts the condition query returned. Pure. */

type Facts = Record<string, unknown>;

const text = (value: unknown) => (value === null || value === undefined ? '?' : String(value));

const duration = (minutes: number) =>
  minutes % 60 === 0 && minutes > 0 ? `${minutes / 60} h` : `${minutes} min`;

const summaries: Record<AlertKind, (facts: Facts) => string> = {
  order_status: (f) =>
    `Order ${text(f.order_number)} has been ${text(f.status)} for more than ${duration(Number(f.minutes))}`,
  shipment_overdue: (f) =>
    f.reason === 'not_shipped'
      ? `Shipment ${text(f.shipment_number)} at ${text(f.location)} is ${text(f.status)}, past its ship-by date ${text(f.ship_by)}`
      : `Shipment ${text(f.shipment_number)} has had no tracking update for more than ${duration(Number(f.hours) * 60)}`,
  delivery_late: (f) =>
    `Order ${text(f.order_number)} is ${text(f.status)}, past its promised delivery date ${text(f.promised_delivery_date)}`,
  below_reorder_point: (f) =>
    `${text(f.sku)} at ${text(f.location)}: ${text(f.on_hand)} on hand, under its reorder point of ${text(f.reorder_point)}`,
  feed_stale: (f) =>
    f.last_feed_at === null
      ? `No inventory feed has arrived from ${text(f.location)} yet`
      : `No inventory feed from ${text(f.location)} for more than ${duration(Number(f.hours) * 60)} (last: ${text(f.last_reference)})`,
  webhook_failing: (f) =>
    `Webhook subscription ${text(f.subscription_id)} has been failing for more than ${duration(Number(f.minutes))}`,
  hold_age: (f) =>
    `Hold ${text(f.hold_id)} (${text(f.kind)}) on order ${text(f.order_number)} has been open in queue ${text(f.queue)} for more than ${duration(Number(f.hours) * 60)}`,
  connector_inbox: (f) =>
    `The Shopify connector of channel ${text(f.channel)} has ${text(f.entries)} unreadable ${Number(f.entries) === 1 ? 'delivery' : 'deliveries'} in its inbox (newest ${text(f.newest_at)})`,
};

export const summaryOf = (kind: AlertKind, facts: Facts): string => summaries[kind](facts);
