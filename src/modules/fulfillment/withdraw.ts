import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { releaseUnits } from '../allocation/index.js';
import { appendEvents } from '../events/index.js';
import type { PendingShipments } from '../orders/index.js';
import { loadShipments, unshippedReservations } from './shipment-store.js';
import { presentShipment } from './shipment-view.js';

/** Units of an order line in shipments that have left the pending state: too late to cancel. */
export async function unitsInProgress(tx: Executor, lineIds: number[]): Promise<Map<number, number>> {
  const rows = await tx.execute<{ line_id: string; quantity: number }>(sql`
    SELECT sl.order_line_id AS line_id, sum(sl.quantity)::int AS quantity
      FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
     WHERE sl.order_line_id = ANY(${sql.param(lineIds)}::bigint[]) AND s.status IN ('picking', 'packed')
     GROUP BY 1`);
  return new Map(rows.rows.map((row) => [Number(row.line_id), row.quantity]));
}

/**
 * Takes cancelled units of a line out of its pending shipments, newest first; a shipment left empty
 * is cancelled (with its event). Returns the units taken per location, whose reservations the caller
 * releases. Runs under the order's lock.
 */
export async function withdrawFromPending(
  tx: Executor,
  lineId: number,
  quantity: number,
  reason: string,
): Promise<Map<number, number>> {
  const pending = await tx.execute<{
    id: string;
    shipment_id: string;
    location_id: string;
    quantity: number;
  }>(sql`
    SELECT sl.id, sl.shipment_id, s.location_id, sl.quantity
      FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
     WHERE sl.order_line_id = ${lineId} AND s.status = 'pending' AND sl.quantity > 0
     ORDER BY s.created_at DESC, sl.id DESC
       FOR UPDATE OF s`);
  let left = quantity;
  const byLocation = new Map<number, number>();
  const touched = new Set<string>();
  for (const row of pending.rows) {
    if (left === 0) {
      break;
    }
    const take = Math.min(left, row.quantity);
    await tx.execute(sql`UPDATE shipment_lines
      SET quantity = quantity - ${take}, quantity_scanned = least(quantity_scanned, quantity - ${take})
      WHERE id = ${row.id}`);
    byLocation.set(Number(row.location_id), (byLocation.get(Number(row.location_id)) ?? 0) + take);
    touched.add(row.shipment_id);
    left -= take;
  }
  const emptied = await tx.execute<{ id: string }>(sql`
    UPDATE shipments s SET status = 'cancelled', updated_at = now()
     WHERE s.id = ANY(${sql.param([...touched])}::uuid[])
       AND NOT EXISTS (SELECT 1 FROM shipment_lines sl WHERE sl.shipment_id = s.id AND sl.quantity > 0)
    RETURNING s.id`);
  const states = await loadShipments(tx, [...touched]);
  const cancelled = new Set(emptied.rows.map((row) => row.id));
  await appendEvents(
    tx,
    states.map((state) => ({
      type: cancelled.has(state.shipment.id) ? 'shipment.cancelled' : 'shipment.updated',
      resourceType: 'shipment',
      resourceId: state.shipment.id,
      channel: state.order.channel,
      data: { change: 'lines_cancelled', reason, shipment: presentShipment(state) },
    })),
  );
  return byLocation;
}

/**
 * Releases `quantity` cancelled units of an order line without ever touching stock a shipment still
 * needs: units in pending shipments are taken out of them first (and their reservations released where
 * they were), then reservations that back no shipment. Units in picking or packed shipments are the
 * caller's to refuse (`unitsInProgress`). Returns the units released. Runs under the order's lock.
 */
export async function releaseCancelledUnits(
  tx: Executor,
  lineId: number,
  quantity: number,
  reason: string,
): Promise<number> {
  let released = 0;
  for (const [locationId, units] of await withdrawFromPending(tx, lineId, quantity, reason)) {
    released += await releaseUnits(tx, lineId, units, locationId);
  }
  // Reservations minus what shipments still in the building carry, per location: the free units.
  const free = [...(await unshippedReservations(tx, [lineId]))].sort(([a], [b]) => b - a);
  for (const [locationId, [entry]] of free) {
    const take = Math.min(quantity - released, entry?.quantity ?? 0);
    if (take > 0) {
      released += await releaseUnits(tx, lineId, take, locationId);
    }
  }
  return released;
}

/** What order cancellation asks of fulfillment (the orders module's `PendingShipments`). */
export const pendingShipments: PendingShipments = { unitsInProgress, releaseCancelledUnits };
