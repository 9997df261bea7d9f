import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { reservations } from '../../db/schema/index.js';
import { type LevelDelta, lockSellable, recordSales, type Sale } from '../inventory/index.js';
import {
  addDelta,
  applyReservedDeltas,
  levelOf,
  lockReservations,
  type Reservation,
} from './reservation-store.js';

export type ConsumeResult =
  | { ok: true; consumed: Array<{ reservationId: number; quantity: number }> }
  | { ok: false; reason: 'not_active' | 'too_many' | 'not_on_shelf'; reservationId: number };

/**
 * Consumes reserved units that leave the building (a shipment): reserved drops here, on_hand drops and
 * the ledger records a sale through inventory, under the same level locks. A partial quantity splits
 * the reservation; the rest stays active.
 */
export async function consume(
  tx: Executor,
  items: Array<{ reservationId: number; quantity?: number }>,
  source: { reference: string; apiKeyId: string | null },
): Promise<ConsumeResult> {
  const held = await lockReservations(
    tx,
    sql`${reservations.id} = ANY(${sql.param(items.map((i) => i.reservationId))}::bigint[])`,
  );
  const byId = new Map(held.map((r) => [r.id, r]));
  const taken: Array<{ reservation: Reservation; quantity: number }> = [];
  for (const item of items) {
    const reservation = byId.get(item.reservationId);
    if (!reservation) {
      return { ok: false, reason: 'not_active', reservationId: item.reservationId };
    }
    const quantity = item.quantity ?? reservation.quantity;
    if (quantity > reservation.quantity) {
      return { ok: false, reason: 'too_many', reservationId: item.reservationId };
    }
    taken.push({ reservation, quantity });
  }
  const rows = await lockSellable(tx, [...new Set(held.map((r) => r.productId))]);
  const deltas = new Map<number, LevelDelta>();
  const sales: Sale[] = [];
  for (const { reservation, quantity } of taken) {
    const levelId = levelOf(rows, reservation.productId, reservation.locationId);
    const row = rows.find((r) => r.levelId === levelId);
    const onHand = (row?.onHand ?? 0) + (deltas.get(levelId)?.onHand ?? 0);
    // Damaged units and units in quality control never leave as a sale.
    if (onHand - (row?.unsellable ?? 0) - quantity < 0) {
      return { ok: false, reason: 'not_on_shelf', reservationId: reservation.id };
    }
    addDelta(deltas, levelId, -quantity, -quantity);
    sales.push({
      levelId,
      productId: reservation.productId,
      locationId: reservation.locationId,
      quantity,
      onHandAfter: onHand - quantity,
    });
  }
  // Available stays the same (on_hand and reserved drop together), so no availability event is due.
  await applyReservedDeltas(tx, rows, deltas);
  await recordSales(tx, sales, source);
  for (const { reservation, quantity } of taken) {
    if (quantity === reservation.quantity) {
      await tx.execute(
        sql`UPDATE reservations SET status = 'consumed', closed_at = now() WHERE id = ${reservation.id}`,
      );
    } else {
      await tx.execute(
        sql`UPDATE reservations SET quantity = quantity - ${quantity} WHERE id = ${reservation.id}`,
      );
      await tx.insert(reservations).values({
        orderLineId: reservation.orderLineId,
        channelId: reservation.channelId,
        productId: reservation.productId,
        locationId: reservation.locationId,
        quantity,
        status: 'consumed',
        closedAt: sql`now()`,
      });
    }
  }
  return {
    ok: true,
    consumed: taken.map(({ reservation, quantity }) => ({ reservationId: reservation.id, quantity })),
  };
}
