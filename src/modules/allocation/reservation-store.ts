import { type SQL, sql } from 'drizzle-orm';
import { writeTogether } from '../../db/batch.js';
import type { Executor } from '../../db/client.js';
import { reservations } from '../../db/schema/index.js';
import { eventsInsert, type NewEvent } from '../events/index.js';
import { availabilityEvents, type LevelDelta, type SellableRow } from '../inventory/index.js';

/** Data access for reservations and the `reserved` column of the levels: this module's tables. */

export type Reservation = typeof reservations.$inferSelect;

/** Units held for an order line at a location, as its order shows them. */
export interface HeldUnits {
  id: number;
  orderLineId: number;
  productId: number;
  locationId: number;
  location: string;
  quantity: number;
}

/** Active reservations of these order lines (at one location when given), oldest first. */
export async function activeReservations(
  tx: Executor,
  orderLineIds: number[],
  locationId?: number,
): Promise<HeldUnits[]> {
  if (orderLineIds.length === 0) {
    return [];
  }
  const result = await tx.execute<{
    id: string;
    order_line_id: string;
    product_id: string;
    location_id: string;
    location: string;
    quantity: number;
  }>(sql`
    SELECT r.id, r.order_line_id, r.product_id, r.location_id, loc.code AS location, r.quantity
      FROM reservations r JOIN locations loc ON loc.id = r.location_id
     WHERE r.status = 'active' AND r.order_line_id = ANY(${sql.param(orderLineIds)}::bigint[])
       ${locationId === undefined ? sql`` : sql`AND r.location_id = ${locationId}`}
     ORDER BY r.id`);
  return result.rows.map((row) => ({
    id: Number(row.id),
    orderLineId: Number(row.order_line_id),
    productId: Number(row.product_id),
    locationId: Number(row.location_id),
    location: row.location,
    quantity: row.quantity,
  }));
}

/** Order lines holding active reservations that expired by `now`: up to `limit` of them. */
export async function linesWithExpiredReservations(
  tx: Executor,
  now: Date,
  limit: number,
): Promise<number[]> {
  const result = await tx.execute<{ order_line_id: string }>(sql`
    SELECT DISTINCT order_line_id FROM reservations
     WHERE status = 'active' AND expires_at IS NOT NULL AND expires_at <= ${now}
     LIMIT ${limit}`);
  return result.rows.map((row) => Number(row.order_line_id));
}

/** Locks active reservations (by id order) before their levels, the order every path here uses. */
export async function lockReservations(tx: Executor, where: SQL): Promise<Reservation[]> {
  return tx
    .select()
    .from(reservations)
    .where(sql`${reservations.status} = 'active' AND ${where}`)
    .orderBy(reservations.id)
    .for('update');
}

export const levelOf = (rows: SellableRow[], productId: number, locationId: number) =>
  rows.find((row) => row.productId === productId && row.locationId === locationId)?.levelId ?? 0;

export function addDelta(
  deltas: Map<number, LevelDelta>,
  levelId: number,
  onHand: number,
  reserved: number,
): void {
  const delta = deltas.get(levelId) ?? { onHand: 0, reserved: 0 };
  deltas.set(levelId, { onHand: delta.onHand + onHand, reserved: delta.reserved + reserved });
}

/**
 * The UPDATE applying the deltas' `reserved` part to locked levels; the table's check keeps it >= 0.
 * With `onlyIf`, a condition of the caller's statement it runs under.
 */
export function reservedUpdate(deltas: ReadonlyMap<number, LevelDelta>, onlyIf?: SQL): SQL | undefined {
  const changes = [...deltas].filter(([, delta]) => delta.reserved !== 0);
  if (changes.length === 0) {
    return undefined;
  }
  return sql`
    UPDATE inventory_levels l SET reserved = l.reserved + v.delta, updated_at = now()
      FROM unnest(${sql.param(changes.map(([levelId]) => levelId))}::bigint[],
                  ${sql.param(changes.map(([, delta]) => delta.reserved))}::int[]) AS v(id, delta)
     WHERE l.id = v.id ${onlyIf ? sql`AND ${onlyIf}` : sql``}`;
}

/** Writes the `reserved` deltas and the availability events they cause (to `events`, when collected). */
export async function applyReservedDeltas(
  tx: Executor,
  rows: SellableRow[],
  deltas: Map<number, LevelDelta>,
  events?: NewEvent[],
): Promise<void> {
  const moved = availabilityEvents(rows, deltas);
  events?.push(...moved);
  await writeTogether(tx, [reservedUpdate(deltas), events ? undefined : eventsInsert(moved)]);
}
