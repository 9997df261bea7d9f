import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import type { Address } from '../addresses/index.js';

/**
 * Data access for backorder promises: which incoming units each waiting line was promised
 * (`backorder_promises`), the waiting lines themselves in first-in, first-out order, and the order's
 * promised date. Waiting means an order in `backordered` with units backordered on a line that holds
 * stock (a kit's own line does not: its components do).
 */

/** First in, first out, as the backorder worker serves waiting orders. */
const queueOrder = sql`o.priority DESC, o.placed_at, o.number`;

export interface WaitingLine {
  orderId: string;
  channelId: number;
  promised: string | null;
  shipTo: Address;
  serviceLevel: string;
  lineId: number;
  productId: number;
  backordered: number;
}

/**
 * Every backordered line of the waiting orders that wait for one of these products (or, with
 * `orderIds`, of those orders if they still wait), in first-in, first-out order of their orders.
 */
export async function waitingLines(
  tx: Executor,
  of: { productIds: number[] } | { orderIds: string[] },
): Promise<WaitingLine[]> {
  const which =
    'productIds' in of
      ? sql`o.id IN (SELECT w.order_id FROM order_lines w
                      WHERE w.product_id = ANY(${sql.param(of.productIds)}::bigint[]) AND w.quantity_backordered > 0)`
      : sql`o.id = ANY(${sql.param(of.orderIds)}::uuid[])`;
  const result = await tx.execute<{
    order_id: string;
    channel_id: string;
    promised: string | null;
    ship_to: Address;
    service_level: string;
    line_id: string;
    product_id: string;
    backordered: number;
  }>(sql`
    SELECT o.id AS order_id, o.channel_id, to_char(o.promised_delivery_date, 'YYYY-MM-DD') AS promised,
           o.ship_to, o.service_level, ol.id AS line_id, ol.product_id, ol.quantity_backordered AS backordered
      FROM orders o
      JOIN order_lines ol ON ol.order_id = o.id AND ol.quantity_backordered > 0 AND ol.kit_split IS NULL
     WHERE o.status = 'backordered' AND ${which}
     ORDER BY ${queueOrder}, ol.line_number`);
  return result.rows.map((row) => ({
    orderId: row.order_id,
    channelId: Number(row.channel_id),
    promised: row.promised,
    shipTo: row.ship_to,
    serviceLevel: row.service_level,
    lineId: Number(row.line_id),
    productId: Number(row.product_id),
    backordered: row.backordered,
  }));
}

export interface StoredPromise {
  lineId: number;
  inboundLineId: number;
  quantity: number;
}

/** What these lines were promised, by line. */
export async function storedPromises(tx: Executor, lineIds: number[]): Promise<StoredPromise[]> {
  if (lineIds.length === 0) {
    return [];
  }
  const result = await tx.execute<{ line_id: string; inbound_line_id: string; quantity: number }>(sql`
    SELECT order_line_id AS line_id, inbound_shipment_line_id AS inbound_line_id, quantity
      FROM backorder_promises WHERE order_line_id = ANY(${sql.param(lineIds)}::bigint[])`);
  return result.rows.map((row) => ({
    lineId: Number(row.line_id),
    inboundLineId: Number(row.inbound_line_id),
    quantity: row.quantity,
  }));
}

/** Incoming units a line is promised, as the order shows them: by open inbound shipment, soonest first. */
export interface LineIncoming {
  lineId: number;
  inboundShipment: string;
  reference: string;
  location: string;
  expectedDate: string;
  quantity: number;
}

export async function incomingOfLines(tx: Executor, lineIds: number[]): Promise<LineIncoming[]> {
  if (lineIds.length === 0) {
    return [];
  }
  const result = await tx.execute<{
    line_id: string;
    inbound_shipment: string;
    reference: string;
    location: string;
    expected_date: string;
    quantity: number;
  }>(sql`
    SELECT bp.order_line_id AS line_id, s.id AS inbound_shipment, s.reference, loc.code AS location,
           to_char(s.expected_date, 'YYYY-MM-DD') AS expected_date, bp.quantity
      FROM backorder_promises bp
      JOIN inbound_shipment_lines il ON il.id = bp.inbound_shipment_line_id
      JOIN inbound_shipments s ON s.id = il.inbound_shipment_id AND s.status IN ('expected', 'in_transit')
      JOIN locations loc ON loc.id = s.location_id
     WHERE bp.order_line_id = ANY(${sql.param(lineIds)}::bigint[])
     ORDER BY s.expected_date, s.number`);
  return result.rows.map((row) => ({
    lineId: Number(row.line_id),
    inboundShipment: row.inbound_shipment,
    reference: row.reference,
    location: row.location,
    expectedDate: row.expected_date,
    quantity: row.quantity,
  }));
}

/** The INSERT of promises; `onlyIf`: a condition of the caller's statement (capture: its order was inserted). */
export function promisesInsert(rows: StoredPromise[], onlyIf?: SQL): SQL | undefined {
  if (rows.length === 0) {
    return undefined;
  }
  return sql`
    INSERT INTO backorder_promises (order_line_id, inbound_shipment_line_id, quantity)
    SELECT l, i, q FROM unnest(${sql.param(rows.map((r) => r.lineId))}::bigint[],
                               ${sql.param(rows.map((r) => r.inboundLineId))}::bigint[],
                               ${sql.param(rows.map((r) => r.quantity))}::int[]) AS u(l, i, q)
    ${onlyIf ? sql`WHERE ${onlyIf}` : sql``}`;
}

/** Replaces what these lines were promised. */
export async function replacePromises(tx: Executor, lineIds: number[], rows: StoredPromise[]): Promise<void> {
  if (lineIds.length > 0) {
    await tx.execute(
      sql`DELETE FROM backorder_promises WHERE order_line_id = ANY(${sql.param(lineIds)}::bigint[])`,
    );
  }
  const insert = promisesInsert(rows);
  if (insert) {
    await tx.execute(insert);
  }
}

/**
 * Deletes the promises of these products' lines that no longer wait (filled, cancelled, held); rows
 * another transaction is changing are skipped (never waited for) and left for a later pass.
 */
export async function forgetSettledPromises(tx: Executor, productIds: number[]): Promise<void> {
  await tx.execute(sql`
    DELETE FROM backorder_promises d
     WHERE (d.order_line_id, d.inbound_shipment_line_id) IN (
             SELECT bp.order_line_id, bp.inbound_shipment_line_id
               FROM backorder_promises bp
               JOIN order_lines ol ON ol.id = bp.order_line_id
               JOIN orders o ON o.id = ol.order_id
              WHERE ol.product_id = ANY(${sql.param(productIds)}::bigint[])
                AND (ol.quantity_backordered = 0 OR o.status <> 'backordered')
                FOR UPDATE OF bp SKIP LOCKED)`);
}

/** Locks these orders if they still wait, skipping any another transaction holds; returns those locked. */
export async function lockStillWaiting(tx: Executor, orderIds: string[]): Promise<string[]> {
  if (orderIds.length === 0) {
    return [];
  }
  const result = await tx.execute<{ id: string }>(sql`
    SELECT id FROM orders WHERE id = ANY(${sql.param(orderIds)}::uuid[]) AND status = 'backordered'
     ORDER BY id FOR UPDATE SKIP LOCKED`);
  return result.rows.map((row) => row.id);
}

/** Sets the promised delivery date of orders. */
export async function setPromisedDates(
  tx: Executor,
  dates: Array<{ orderId: string; date: string | null }>,
  now: Date,
): Promise<void> {
  if (dates.length === 0) {
    return;
  }
  await tx.execute(sql`
    UPDATE orders o SET promised_delivery_date = v.d, updated_at = ${now}
      FROM unnest(${sql.param(dates.map((d) => d.orderId))}::uuid[], ${sql.param(dates.map((d) => d.date))}::date[]) AS v(id, d)
     WHERE o.id = v.id`);
}

/**
 * The waiting orders that may take units arriving at a location, first in, first out: those of
 * channels the location serves with a line of an arriving product, as long as the units before them
 * in the queue do not already use up what arrives.
 */
export async function waitingForArrival(
  tx: Executor,
  arrival: { locationId: number; units: Array<{ productId: number; quantity: number }> },
): Promise<string[]> {
  if (arrival.units.length === 0) {
    return [];
  }
  const result = await tx.execute<{ id: string }>(sql`
    WITH arriving AS (
           SELECT * FROM unnest(${sql.param(arrival.units.map((u) => u.productId))}::bigint[],
                                ${sql.param(arrival.units.map((u) => u.quantity))}::int[]) AS a(product_id, quantity)),
         queue AS (
           SELECT o.id, o.priority, o.placed_at, o.number, ol.product_id,
                  sum(ol.quantity_backordered) OVER (PARTITION BY ol.product_id ORDER BY ${queueOrder}, ol.id)
                    - ol.quantity_backordered AS ahead
             FROM order_lines ol JOIN orders o ON o.id = ol.order_id AND o.status = 'backordered'
            WHERE ol.product_id IN (SELECT product_id FROM arriving)
              AND ol.quantity_backordered > 0 AND ol.kit_split IS NULL
              AND (NOT EXISTS (SELECT 1 FROM location_channels lc WHERE lc.location_id = ${arrival.locationId})
                   OR EXISTS (SELECT 1 FROM location_channels lc
                               WHERE lc.location_id = ${arrival.locationId} AND lc.channel_id = o.channel_id)))
    SELECT q.id FROM queue q JOIN arriving a ON a.product_id = q.product_id
     WHERE q.ahead < a.quantity
     GROUP BY q.id, q.priority, q.placed_at, q.number
     ORDER BY q.priority DESC, q.placed_at, q.number`);
  return result.rows.map((row) => row.id);
}
