import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import type { FulfillmentReport } from './period-reports.schemas.js';
import { inWindow, type ReportContext, type ReportReader, shipmentFilters } from './report-context-store.js';
import { hours, rate } from './report-numbers.js';

type Summary = FulfillmentReport['summary'][number];

/** Orders that have shipped something: the population of the split-shipment and line fill rates. */
const shippedStatuses = sql`('partially_shipped', 'shipped', 'delivered', 'partially_returned', 'returned')`;

/**
 * Shipments that left in the window: capture -> shipped (p50, p90), and shipped before their
 * `ship_deadline` (the end of the ship-by day at the location, written at release).
 */
async function shipped(tx: Executor, ctx: ReportContext) {
  const { rows } = await tx.execute<{ shipped: number; cycle: number[] | null; on_time: number }>(sql`
    SELECT count(*)::int AS shipped,
           percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY date_part('epoch', s.shipped_at - s.order_created_at)) AS cycle,
           count(*) FILTER (WHERE s.shipped_at < s.ship_deadline)::int AS on_time
      FROM shipments s
     WHERE ${inWindow(ctx, sql`s.shipped_at`)} ${shipmentFilters(ctx)}`);
  return rows[0] ?? { shipped: 0, cycle: null, on_time: 0 };
}

/**
 * Shipments delivered in the window: shipped -> delivered (p50, p90), and by the promised day (UTC).
 * The end of the promised day is day arithmetic from the epoch: the same instant as `AT TIME ZONE
 * 'UTC'`, without a time zone lookup per row.
 */
async function delivered(tx: Executor, ctx: ReportContext) {
  const { rows } = await tx.execute<{
    delivered: number;
    transit: number[] | null;
    with_promise: number;
    on_time: number;
  }>(sql`
    SELECT count(*)::int AS delivered,
           percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY date_part('epoch', s.delivered_at - s.shipped_at)) AS transit,
           count(s.promised_delivery_date)::int AS with_promise,
           count(*) FILTER (WHERE s.delivered_at < timestamptz 'epoch'
                              + (s.promised_delivery_date - date '1970-01-01' + 1) * interval '1 day')::int AS on_time
      FROM shipments s
     WHERE ${inWindow(ctx, sql`s.delivered_at`)} AND s.shipped_at IS NOT NULL ${shipmentFilters(ctx)}`);
  return rows[0] ?? { delivered: 0, transit: null, with_promise: 0, on_time: 0 };
}

/**
 * Orders placed in the window that have shipped something (with a location: something from there):
 * how many have more than one shipment that is not cancelled, and how many of their lines shipped in
 * full. One index of orders holds all of it: the orders module refreshes these facts whenever units
 * ship.
 */
async function ordersShipped(tx: Executor, ctx: ReportContext) {
  const { rows } = await tx.execute<{ orders: number; split: number; lines: number; filled: number }>(sql`
    SELECT count(*)::int AS orders, count(*) FILTER (WHERE o.shipment_count > 1)::int AS split,
           coalesce(sum(o.line_count), 0)::int AS lines, coalesce(sum(o.lines_filled), 0)::int AS filled
      FROM orders o
     WHERE ${inWindow(ctx, sql`o.placed_at`)} AND o.status IN ${shippedStatuses}
           ${ctx.channel === null ? sql`` : sql`AND o.channel_id = ${ctx.channel.id}`}
           ${
             ctx.location === null
               ? sql``
               : sql`AND o.id IN (SELECT s.order_id FROM shipments s
                                   WHERE s.location_id = ${ctx.location.id} AND s.shipped_at IS NOT NULL)`
           }`);
  return rows[0] ?? { orders: 0, split: 0, lines: 0, filled: 0 };
}

/**
 * The window's fulfilment figures, as one row. Each figure is read in its own snapshot: they count
 * different things (shipped, delivered, orders), so a commit between them skews none of them.
 */
export async function fulfillmentReport(
  read: ReportReader,
  ctx: ReportContext,
): Promise<{ summary: Summary[] }> {
  // Three independent figures, each a scan and a sort of up to a year of rows: read side by side.
  const [ship, deliver, orders] = await Promise.all([
    read((tx) => shipped(tx, ctx)),
    read((tx) => delivered(tx, ctx)),
    read((tx) => ordersShipped(tx, ctx)),
  ]);
  return {
    summary: [
      {
        shipments_shipped: ship.shipped,
        ship_cycle_p50_hours: hours(ship.cycle?.[0]),
        ship_cycle_p90_hours: hours(ship.cycle?.[1]),
        shipped_on_time: ship.on_time,
        on_time_ship_rate: rate(ship.on_time, ship.shipped),
        shipments_delivered: deliver.delivered,
        delivery_p50_hours: hours(deliver.transit?.[0]),
        delivery_p90_hours: hours(deliver.transit?.[1]),
        delivered_with_promise: deliver.with_promise,
        delivered_on_time: deliver.on_time,
        on_time_delivery_rate: rate(deliver.on_time, deliver.with_promise),
        orders_shipped: orders.orders,
        split_orders: orders.split,
        split_shipment_rate: rate(orders.split, orders.orders),
        lines: orders.lines,
        lines_filled: orders.filled,
        line_fill_rate: rate(orders.filled, orders.lines),
      },
    ],
  };
}
