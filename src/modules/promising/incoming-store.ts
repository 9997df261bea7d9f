import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { localDate } from './calendar.js';
import type { IncomingUnits } from './incoming.js';

/**
 * Reads of incoming stock for promises: lines of open inbound shipments (expected or in transit) at
 * active locations, and what waiting orders were promised of them. Read-only joins of the inbound and
 * orders modules' tables; the orders module writes the promises.
 */

type IncomingRow = {
  inbound_line_id: string;
  inbound_shipment: string;
  number: string;
  reference: string;
  product_id: string;
  grams: number | null;
  location_id: string;
  location: string;
  time_zone: string;
  expected_date: string;
  quantity: number;
  channels: string[] | null;
};

const openLines = (productIds: number[], more: SQL = sql``) => sql`
  FROM inbound_shipment_lines il
  JOIN inbound_shipments s ON s.id = il.inbound_shipment_id AND s.status IN ('expected', 'in_transit')
  JOIN locations loc ON loc.id = s.location_id AND loc.active
  ${more}
  JOIN products p ON p.id = il.product_id
 WHERE il.product_id = ANY(${sql.param(productIds)}::bigint[]) AND il.quantity > il.quantity_received`;

const columns = sql`il.id AS inbound_line_id, s.id AS inbound_shipment, s.number, s.reference, il.product_id,
  p.weight_grams AS grams, s.location_id, loc.code AS location, loc.time_zone, to_char(s.expected_date, 'YYYY-MM-DD') AS expected_date`;

function toUnits(rows: IncomingRow[], now: Date): IncomingUnits[] {
  return rows.map((row) => ({
    inboundLineId: Number(row.inbound_line_id),
    inboundShipment: row.inbound_shipment,
    number: Number(row.number),
    reference: row.reference,
    productId: Number(row.product_id),
    gramsPerUnit: row.grams ?? 0,
    locationId: Number(row.location_id),
    location: row.location,
    expectedDate: row.expected_date,
    quantity: row.quantity,
    channels: row.channels?.map(Number) ?? null,
    // Overdue once the location's own calendar has passed the expected day.
    overdue: row.expected_date < localDate(now, row.time_zone),
  }));
}

/**
 * Every unit open inbound shipments still expect of these products, with the channels each location
 * serves: what waiting orders are promised from, first in, first out.
 */
export async function openIncoming(tx: Executor, productIds: number[], now: Date): Promise<IncomingUnits[]> {
  if (productIds.length === 0) {
    return [];
  }
  const result = await tx.execute<IncomingRow>(sql`
    SELECT ${columns}, il.quantity - il.quantity_received AS quantity,
           (SELECT array_agg(lc.channel_id) FROM location_channels lc WHERE lc.location_id = loc.id) AS channels
    ${openLines(productIds)}`);
  return toUnits(result.rows, now);
}

/** Where a new order stands among the waiting ones: first in, first out by priority, then age. */
export interface QueuePlace {
  priority: number;
  placedAt: Date;
  /** The order's number; null for an order not yet captured (it comes after every order placed as early). */
  number: number | null;
}

/**
 * The incoming units of these products a new order of the channel may be promised: at active locations
 * serving the channel, less what backordered orders ahead of it were promised. One query, by the
 * products' inbound lines and the promises on each (both indexed); what orders behind it were promised
 * is not counted (the backorder worker moves them back if the new order took their units).
 */
export async function freeIncoming(
  tx: Executor,
  input: { channelId: number; productIds: number[]; place: QueuePlace; now: Date },
): Promise<IncomingUnits[]> {
  const { channelId, productIds, place, now } = input;
  if (productIds.length === 0) {
    return [];
  }
  const number = place.number ?? Number.MAX_SAFE_INTEGER;
  const result = await tx.execute<IncomingRow>(sql`
    SELECT ${columns}, NULL AS channels,
           il.quantity - il.quantity_received - coalesce((
             SELECT sum(bp.quantity) FROM backorder_promises bp
               JOIN order_lines ol ON ol.id = bp.order_line_id AND ol.quantity_backordered > 0
               JOIN orders o ON o.id = ol.order_id AND o.status = 'backordered'
              WHERE bp.inbound_shipment_line_id = il.id
                AND (o.priority > ${place.priority}
                     OR (o.priority = ${place.priority} AND (o.placed_at, o.number) < (${place.placedAt}::timestamptz, ${number}::bigint)))
           ), 0)::int AS quantity
    ${openLines(
      productIds,
      sql`AND (NOT EXISTS (SELECT 1 FROM location_channels lc WHERE lc.location_id = loc.id)
               OR EXISTS (SELECT 1 FROM location_channels lc WHERE lc.location_id = loc.id AND lc.channel_id = ${channelId}))`,
    )}`);
  return toUnits(result.rows, now).filter((units) => units.quantity > 0);
}
