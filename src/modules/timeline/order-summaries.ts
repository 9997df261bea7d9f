import type { orderEvents } from '../orders/index.js';
import {
  because,
  count,
  type Data,
  list,
  money,
  plural,
  record,
  type Summarize,
  strings,
  tail,
  text,
  total,
  units,
} from './summary-text.js';

/** The one-line sentences of the order.* events. Pure. */

const orderOf = (data: Data) => record(data.order);
const numberOf = (data: Data) => text(orderOf(data).number);

function holdPhrase(data: Data): string {
  const hold = record(data.hold);
  return `${text(hold.kind)} (${text(hold.queue)} queue)`;
}

function reserved(order: Data): string {
  const at = list(order.reservations).map(
    (r) =>
      `${plural(
        total(list(r.items), (item) => item.quantity),
        'unit',
      )} at ${text(r.location)}`,
  );
  return at.length === 0 ? 'nothing reserved' : at.join(', ');
}

/** The SKUs and quantities of a partial cancellation (`lines` names order lines by id). */
function cancelledLines(data: Data): string {
  const skus = new Map(list(orderOf(data).lines).map((line) => [line.id, line.sku]));
  return units(list(data.lines).map((line) => ({ sku: skus.get(line.line_id), quantity: line.quantity })));
}

const promiseReasons: Record<string, string> = {
  inbound_announced: 'an inbound shipment was announced',
  inbound_rescheduled: 'an inbound shipment was rescheduled',
  inbound_received: 'an inbound shipment was received',
  inbound_cancelled: 'an inbound shipment was cancelled',
  inbound_overdue: 'an inbound shipment is overdue',
  queue_changed: 'the queue of waiting orders changed',
};

/** "to 2026-12-16 (was 2026-12-09)", with "none" for a missing date. */
const promiseMove = (data: Data) =>
  `to ${text(data.promised_delivery_date, 'none')} (was ${text(data.previous_promised_delivery_date, 'none')})`;

const promiseReason = (data: Data) => promiseReasons[text(data.reason, '')];

const updates: Record<string, Summarize> = {
  promise: (data) => because(`Promised delivery moved earlier ${promiseMove(data)}`, promiseReason(data)),
  edited: (data) => `Order ${numberOf(data)} edited${tail(': ', strings(data.fields).join(', '))}`,
  payment: (data) => {
    const payment = record(orderOf(data).payment);
    return `Payment ${text(payment.status)}: ${money(payment.amount, orderOf(data).currency)}`;
  },
  allocation: (data) => `More stock reserved: ${reserved(orderOf(data))}`,
  lines_cancelled: (data) => because(`Lines cancelled: ${cancelledLines(data)}`, data.reason),
  reservations_expired: (data) =>
    `Reservations of order ${numberOf(data)} expired while it was held; its stock was freed`,
  partially_shipped: (data) => {
    const lines = list(orderOf(data).lines);
    return `Order ${numberOf(data)} partially shipped: ${total(lines, (l) => l.shipped)} of ${total(lines, (l) => l.quantity)} units`;
  },
  partially_returned: (data) => {
    const lines = list(orderOf(data).lines);
    return `Order ${numberOf(data)} partially returned: ${total(lines, (l) => l.returned)} of ${total(lines, (l) => l.shipped)} shipped units`;
  },
  rerouted: (data) => because(`Rerouted away from ${text(data.from_location)}`, data.reason),
  not_applied: (data) => because(`A change to order ${numberOf(data)} was not applied`, data.reason),
};

export const orderSummaries = {
  'order.created': (data) => {
    const order = orderOf(data);
    const lines = list(order.lines);
    return `Order ${text(order.number)} captured from ${text(order.channel)}: ${units(lines)}, ${money(record(order.totals).total, order.currency)}`;
  },
  'order.routed': (data) => {
    const routing = record(data.routing);
    const locations = strings(routing.locations);
    const rule = text(record(routing.rule).name, 'default');
    if (locations.length === 0) {
      return because(`Routing by rule "${rule}" found no location to ship from`, routing.why);
    }
    const shipments = plural(Math.max(1, count(routing.shipments)), 'shipment');
    return because(`Routed to ${locations.join(', ')} (${shipments}) by rule "${rule}"`, routing.why);
  },
  'order.held': (data) => `Hold opened: ${holdPhrase(data)}${tail(' — ', record(data.hold).reason)}`,
  'order.hold_released': (data) => {
    const hold = record(data.hold);
    const verb = hold.status === 'cancelled' ? 'cancelled' : 'released';
    return `Hold ${verb}: ${holdPhrase(data)}${tail(' — ', hold.note)}`;
  },
  'order.allocated': (data) => `Allocated: ${reserved(orderOf(data))}`,
  'order.backordered': (data) =>
    `Backordered: waiting for ${units(list(orderOf(data).lines), (line) => line.backordered)}`,
  'order.cancelled': (data) => because(`Order ${numberOf(data)} cancelled`, data.reason),
  'order.updated': (data) =>
    updates[text(data.change, '')]?.(data) ??
    `Order ${numberOf(data)} updated${tail(' (', data.change, ')')}`,
  'order.promise_changed': (data) =>
    because(
      data.promised_delivery_date === null
        ? `Promised delivery ${text(data.previous_promised_delivery_date, 'date')} withdrawn as no incoming stock covers the backorder`
        : `Promised delivery moved later ${promiseMove(data)}`,
      promiseReason(data),
    ),
  'order.released': (data) => {
    const locations = [...new Set(list(orderOf(data).reservations).map((r) => text(r.location)))];
    return `Released to ${locations.length === 0 ? 'fulfilment' : locations.join(', ')} as ${plural(list(data.shipments).length, 'shipment')}`;
  },
  'order.shipped': (data) =>
    `Order ${numberOf(data)} shipped: all ${plural(
      total(list(orderOf(data).lines), (l) => l.shipped),
      'unit',
    )} left`,
  'order.delivered': (data) => `Order ${numberOf(data)} delivered: every parcel arrived`,
  'order.returned': (data) => `Order ${numberOf(data)} returned: every shipped unit came back`,
} satisfies Record<keyof typeof orderEvents, Summarize>;
