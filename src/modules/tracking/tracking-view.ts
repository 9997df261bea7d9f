import type { TrackedOrder } from './tracking.schemas.js';
import type {
  TrackedLineRow,
  TrackedOrderRow,
  TrackedReturnRow,
  TrackedShipmentRow,
} from './tracking-store.js';

/** How an order looks to its customer: statuses in their words, kits with their contents. Pure. */

type CustomerStatus = TrackedOrder['status'];

const customerStatus: Record<string, CustomerStatus> = {
  received: 'confirmed',
  validated: 'confirmed',
  on_hold: 'confirmed',
  allocated: 'confirmed',
  backordered: 'backordered',
  released: 'processing',
  partially_shipped: 'partially_shipped',
  shipped: 'shipped',
  delivered: 'delivered',
  partially_returned: 'partially_returned',
  returned: 'returned',
  cancelled: 'cancelled',
};

export const statusText: Record<CustomerStatus, string> = {
  confirmed: 'Order confirmed',
  backordered: 'Waiting for stock',
  processing: 'Being prepared',
  partially_shipped: 'Partly on its way',
  shipped: 'On its way',
  delivered: 'Delivered',
  partially_returned: 'Delivered, partly returned',
  returned: 'Returned',
  cancelled: 'Cancelled',
};

type ParcelStatus = TrackedOrder['shipments'][number]['status'];

const parcelStatus: Record<string, ParcelStatus> = {
  pending: 'preparing',
  picking: 'preparing',
  packed: 'preparing',
  shipped: 'shipped',
  in_transit: 'in_transit',
  delivered: 'delivered',
  exception: 'exception',
};

/** Statuses in which nothing is on its way any more: a promise cannot be missed. */
const settled = new Set(['delivered', 'partially_returned', 'returned', 'cancelled']);

const iso = (value: unknown): string | null => {
  if (value === null || value === undefined || value === '') {
    return null;
  }
  const date = new Date(String(value));
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
};
const textOrNull = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);

function items(lines: TrackedLineRow[]): TrackedOrder['items'] {
  // A kit's components belong under their kit; they hold its stock and ship in its place.
  return lines
    .filter((line) => line.kit_line_number === null)
    .map((line) => ({
      sku: line.sku,
      name: line.name,
      quantity: line.quantity,
      shipped: line.shipped,
      cancelled: line.cancelled,
      returned: line.returned,
      components: line.kit
        ? lines
            .filter((part) => part.kit_line_number === line.line_number)
            .map((part) => ({ sku: part.sku, name: part.name, quantity: part.quantity }))
        : [],
    }));
}

const shipment = (row: TrackedShipmentRow): TrackedOrder['shipments'][number] => ({
  number: row.number,
  status: parcelStatus[row.status] ?? 'preparing',
  carrier: row.carrier,
  service: row.service,
  tracking_number: row.tracking_number,
  tracking_url: row.tracking_url,
  shipped_at: iso(row.shipped_at),
  delivered_at: iso(row.delivered_at),
  items: row.items,
  events: (Array.isArray(row.tracking) ? row.tracking : []).map((event) => ({
    status: String(event.status ?? ''),
    description: textOrNull(event.description),
    location: textOrNull(event.location),
    occurred_at: iso(event.occurred_at) ?? '',
  })),
});

function returned(row: TrackedReturnRow): TrackedOrder['returns'][number] {
  const amount = row.refunds.reduce((sum, refund) => sum + Number(refund.amount), 0);
  const [first] = row.refunds;
  return {
    number: row.number,
    status: row.status,
    requested_at: iso(row.requested_at) ?? '',
    items: row.items,
    refund: first
      ? {
          status: row.refunds.every((refund) => refund.status === 'completed') ? 'refunded' : 'pending',
          amount,
          currency: first.currency,
        }
      : null,
  };
}

/** The day after `date` (YYYY-MM-DD), as an instant: when a promise for `date` has passed (UTC). */
const dayAfter = (date: string) => new Date(Date.parse(`${date}T00:00:00.000Z`) + 86_400_000);

function delays(row: TrackedOrderRow, now: Date): TrackedOrder['delays'] {
  const moved = row.promise_changes.map((change) => ({
    kind: 'promise_moved' as const,
    previous_date: change.previous,
    promised_date: change.promised,
    at: iso(change.at) ?? '',
  }));
  const promised = row.promised_delivery_date;
  const passed =
    promised !== null && !settled.has(row.status) && dayAfter(promised).getTime() <= now.getTime()
      ? [
          {
            kind: 'past_promise' as const,
            previous_date: null,
            promised_date: promised,
            at: dayAfter(promised).toISOString(),
          },
        ]
      : [];
  return [...moved, ...passed];
}

export function presentTrackedOrder(row: TrackedOrderRow, now: Date): TrackedOrder {
  const status = customerStatus[row.status] ?? 'confirmed';
  return {
    order_number: Number(row.number),
    placed_at: iso(row.placed_at) ?? '',
    status,
    status_text: statusText[status],
    promised_delivery_date: row.promised_delivery_date,
    ship_to: { city: row.city, region: row.region, postal_code: row.postal_code, country: row.country },
    items: items(row.lines),
    shipments: row.shipments.map(shipment),
    delays: delays(row, now),
    returns: row.returns.map(returned),
  };
}
