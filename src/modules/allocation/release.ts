import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { reservations } from '../../db/schema/index.js';
import type { NewEvent } from '../events/index.js';
import { type LevelDelta, lockSellable } from '../inventory/index.js';
import {
  addDelta,
  applyReservedDeltas,
  levelOf,
  lockReservations,
  type Reservation,
} from './reservation-store.js';

/** Releases active reservations (cancel, edit, expiry): their units become sellable again. */
export const release = (
  tx: Executor,
  selector: { orderLineIds?: number[]; ids?: number[] },
  events?: NewEvent[],
): Promise<Reservation[]> =>
  releaseWhere(
    tx,
    sql`(${reservations.orderLineId} = ANY(${sql.param(selector.orderLineIds ?? [])}::bigint[])
         OR ${reservations.id} = ANY(${sql.param(selector.ids ?? [])}::bigint[]))`,
    events,
  );

async function releaseWhere(tx: Executor, where: SQL, events?: NewEvent[]): Promise<Reservation[]> {
  const held = await lockReservations(tx, where);
  if (held.length === 0) {
    return [];
  }
  const rows = await lockSellable(tx, [...new Set(held.map((r) => r.productId))]);
  const deltas = new Map<number, LevelDelta>();
  for (const r of held) {
    addDelta(deltas, levelOf(rows, r.productId, r.locationId), 0, -r.quantity);
  }
  await applyReservedDeltas(tx, rows, deltas, events);
  await tx.execute(sql`UPDATE reservations SET status = 'released', closed_at = now()
    WHERE id = ANY(${sql.param(held.map((r) => r.id))}::bigint[])`);
  return held.map((r) => ({ ...r, status: 'released' as const }));
}

/**
 * Releases `quantity` units of one order line's reservations (at one location when given), newest
 * first, splitting the last one: a partial cancel, a reduced line quantity, units a location gave back.
 * Returns the units released.
 */
export async function releaseUnits(
  tx: Executor,
  orderLineId: number,
  quantity: number,
  locationId?: number,
): Promise<number> {
  const held = await lockReservations(
    tx,
    locationId === undefined
      ? sql`${reservations.orderLineId} = ${orderLineId}`
      : sql`${reservations.orderLineId} = ${orderLineId} AND ${reservations.locationId} = ${locationId}`,
  );
  let left = quantity;
  const whole: Reservation[] = [];
  let split: { reservation: Reservation; quantity: number } | undefined;
  for (const reservation of [...held].reverse()) {
    if (left === 0) {
      break;
    }
    if (reservation.quantity <= left) {
      whole.push(reservation);
      left -= reservation.quantity;
    } else {
      split = { reservation, quantity: left };
      left = 0;
    }
  }
  const touched = [...whole, ...(split ? [split.reservation] : [])];
  if (touched.length === 0) {
    return 0;
  }
  const rows = await lockSellable(tx, [...new Set(touched.map((r) => r.productId))]);
  const deltas = new Map<number, LevelDelta>();
  for (const r of whole) {
    addDelta(deltas, levelOf(rows, r.productId, r.locationId), 0, -r.quantity);
  }
  if (split) {
    const { reservation } = split;
    addDelta(deltas, levelOf(rows, reservation.productId, reservation.locationId), 0, -split.quantity);
    await tx.execute(
      sql`UPDATE reservations SET quantity = quantity - ${split.quantity} WHERE id = ${reservation.id}`,
    );
  }
  if (whole.length > 0) {
    await tx.execute(sql`UPDATE reservations SET status = 'released', closed_at = now()
      WHERE id = ANY(${sql.param(whole.map((r) => r.id))}::bigint[])`);
  }
  await applyReservedDeltas(tx, rows, deltas);
  return quantity - left;
}

/** Releases the reservations of these order lines that expired by `now` (a held order waited too long). */
export const releaseExpired = (tx: Executor, orderLineIds: number[], now: Date): Promise<Reservation[]> =>
  releaseWhere(
    tx,
    sql`${reservations.orderLineId} = ANY(${sql.param(orderLineIds)}::bigint[]) AND ${reservations.expiresAt} <= ${now}`,
  );

/** Makes order lines' active reservations expire at a time (an order went on hold), or never (null). */
export async function setReservationExpiry(
  tx: Executor,
  orderLineIds: number[],
  expiresAt: Date | null,
): Promise<void> {
  if (orderLineIds.length > 0) {
    await tx.execute(sql`UPDATE reservations SET expires_at = ${expiresAt}
      WHERE order_line_id = ANY(${sql.param(orderLineIds)}::bigint[]) AND status = 'active'`);
  }
}

/**
 * Deletes the released reservations of order lines that are about to be deleted (an edit removed
 * them). Their active reservations are released first; a consumed one keeps its line (it shipped).
 */
export async function forgetReleased(tx: Executor, orderLineIds: number[]): Promise<void> {
  if (orderLineIds.length > 0) {
    await tx.execute(sql`DELETE FROM reservations
      WHERE order_line_id = ANY(${sql.param(orderLineIds)}::bigint[]) AND status = 'released'`);
  }
}
