import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { reservations } from '../../db/schema/index.js';
import { locationAvailability, withAvailabilityEvents } from '../inventory/availability.js';
import {
  appendMovements,
  applyLevelChanges,
  levelKey,
  lockLevels,
  type Movement,
} from '../inventory/levels.js';
import { defaultPlanner } from './default-planner.js';
import type { CandidateLocation, Demand, Plan, Planner } from './plan.js';

/**
 * The reservation engine: the only code that changes `inventory_levels.reserved`. Every function
 * runs inside the caller's transaction and locks level rows in (product, location) order first, so
 * concurrent orders queue on the rows they share and can neither deadlock nor oversell.
 */

export type Reservation = typeof reservations.$inferSelect;

export interface ReserveRequest {
  channel: { id: number; code: string };
  demand: Demand[];
  planner?: Planner;
  /** Reserve what exists and report the rest as unfilled, rather than reserving nothing. */
  allowPartial?: boolean;
  expiresAt?: Date | null;
}

export type ReserveResult =
  | { ok: true; reservations: Array<Reservation & { locationCode: string }>; unfilled: Plan['unfilled'] }
  | { ok: false; reason: 'insufficient_stock'; shortages: Plan['unfilled'] };

/** Active locations allowed to ship for the channel (no channel list means every channel). */
async function candidateLocations(tx: Executor, channelId: number) {
  const result = await tx.execute<{ id: string; code: string; priority: number }>(sql`
    SELECT loc.id, loc.code, loc.priority
      FROM locations loc
     WHERE loc.active
       AND (NOT EXISTS (SELECT 1 FROM location_channels lc WHERE lc.location_id = loc.id)
            OR EXISTS (SELECT 1 FROM location_channels lc WHERE lc.location_id = loc.id AND lc.channel_id = ${channelId}))`);
  return result.rows.map((row) => ({ locationId: Number(row.id), code: row.code, priority: row.priority }));
}

/** Throws when a planner proposes what the locked rows cannot give: a planner bug, never a client error. */
function checkPlan(plan: Plan, candidates: CandidateLocation[]): void {
  const left = new Map(candidates.map((c) => [c.locationId, new Map(c.available)]));
  for (const allocation of plan.allocations) {
    const stock = left.get(allocation.locationId);
    const available = stock?.get(allocation.productId) ?? 0;
    if (
      !Number.isInteger(allocation.quantity) ||
      allocation.quantity <= 0 ||
      allocation.quantity > available
    ) {
      throw new Error(
        `planner over-allocated product ${allocation.productId} at location ${allocation.locationId}`,
      );
    }
    stock?.set(allocation.productId, available - allocation.quantity);
  }
}

export async function reserve(tx: Executor, request: ReserveRequest): Promise<ReserveResult> {
  const { channel, demand, planner = defaultPlanner } = request;
  const productIds = [...new Set(demand.map((line) => line.productId))];
  const locations = await candidateLocations(tx, channel.id);
  const levels = await lockLevels(
    tx,
    productIds.flatMap((productId) =>
      locations.map((location) => ({ productId, locationId: location.locationId })),
    ),
  );
  // Availability is read only now, after the lock: nothing can change it before commit.
  const sellable = levels.size === 0 ? [] : await locationAvailability(tx, productIds, channel.code);
  const candidates: CandidateLocation[] = locations.map((location) => ({
    ...location,
    available: new Map(
      sellable
        .filter((row) => row.locationId === location.locationId)
        .map((row) => [row.productId, row.available]),
    ),
  }));
  const plan = planner({ demand, candidates });
  checkPlan(plan, candidates);
  if (plan.unfilled.length > 0 && !request.allowPartial) {
    return { ok: false, reason: 'insufficient_stock', shortages: plan.unfilled };
  }
  if (plan.allocations.length === 0) {
    return { ok: true, reservations: [], unfilled: plan.unfilled };
  }
  const created = await withAvailabilityEvents(tx, productIds, async () => {
    await applyLevelChanges(
      tx,
      plan.allocations.map((allocation) => ({
        levelId: levels.get(levelKey(allocation.productId, allocation.locationId))?.id ?? 0,
        onHandDelta: 0,
        reservedDelta: allocation.quantity,
      })),
    );
    return tx
      .insert(reservations)
      .values(
        plan.allocations.map((allocation) => ({
          holder: allocation.key,
          channelId: channel.id,
          productId: allocation.productId,
          locationId: allocation.locationId,
          quantity: allocation.quantity,
          expiresAt: request.expiresAt ?? null,
        })),
      )
      .returning();
  });
  const codeOf = new Map(locations.map((location) => [location.locationId, location.code]));
  return {
    ok: true,
    reservations: created.map((r) => ({ ...r, locationCode: codeOf.get(r.locationId) ?? '' })),
    unfilled: plan.unfilled,
  };
}

/** Locks active reservations (by id order) before their levels, the order every path here uses. */
async function lockReservations(tx: Executor, where: ReturnType<typeof sql>): Promise<Reservation[]> {
  return tx
    .select()
    .from(reservations)
    .where(sql`${reservations.status} = 'active' AND ${where}`)
    .orderBy(reservations.id)
    .for('update');
}

/** Releases active reservations (cancel, edit, expiry): their units become sellable again. */
export async function release(
  tx: Executor,
  selector: { holders?: string[]; ids?: number[] },
): Promise<Reservation[]> {
  const held = await lockReservations(
    tx,
    sql`(${reservations.holder} = ANY(${sql.param(selector.holders ?? [])}::text[])
         OR ${reservations.id} = ANY(${sql.param(selector.ids ?? [])}::bigint[]))`,
  );
  if (held.length === 0) {
    return [];
  }
  const levels = await lockLevels(tx, held);
  await withAvailabilityEvents(
    tx,
    held.map((r) => r.productId),
    async () => {
      await applyLevelChanges(
        tx,
        held.map((r) => ({
          levelId: levels.get(levelKey(r.productId, r.locationId))?.id ?? 0,
          onHandDelta: 0,
          reservedDelta: -r.quantity,
        })),
      );
      await tx.execute(sql`UPDATE reservations SET status = 'released', closed_at = now()
        WHERE id = ANY(${sql.param(held.map((r) => r.id))}::bigint[])`);
    },
  );
  return held.map((r) => ({ ...r, status: 'released' as const }));
}

export type ConsumeResult =
  | { ok: true; consumed: Array<{ reservationId: number; quantity: number }> }
  | { ok: false; reason: 'not_active' | 'too_many' | 'not_on_shelf'; reservationId: number };

/**
 * Consumes reserved units that leave the building (a shipment): on_hand and reserved both drop, and
 * the ledger records a sale. A partial quantity splits the reservation; the rest stays active.
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
  for (const item of items) {
    const reservation = byId.get(item.reservationId);
    if (!reservation) {
      return { ok: false, reason: 'not_active', reservationId: item.reservationId };
    }
    if ((item.quantity ?? reservation.quantity) > reservation.quantity) {
      return { ok: false, reason: 'too_many', reservationId: item.reservationId };
    }
  }
  const levels = await lockLevels(tx, held);
  const onHand = new Map([...levels].map(([key, level]) => [key, level.onHand]));
  const taken = items.map((item) => {
    const reservation = byId.get(item.reservationId) as Reservation;
    return { reservation, quantity: item.quantity ?? reservation.quantity };
  });
  const movements: Movement[] = [];
  for (const { reservation, quantity } of taken) {
    const key = levelKey(reservation.productId, reservation.locationId);
    const after = (onHand.get(key) ?? 0) - quantity;
    if (after < 0) {
      return { ok: false, reason: 'not_on_shelf', reservationId: reservation.id };
    }
    onHand.set(key, after);
    movements.push({
      productId: reservation.productId,
      locationId: reservation.locationId,
      reason: 'sale',
      quantityChange: -quantity,
      onHandAfter: after,
      reference: source.reference,
      apiKeyId: source.apiKeyId,
    });
  }
  await withAvailabilityEvents(
    tx,
    held.map((r) => r.productId),
    async () => {
      await applyLevelChanges(
        tx,
        taken.map(({ reservation, quantity }) => ({
          levelId: levels.get(levelKey(reservation.productId, reservation.locationId))?.id ?? 0,
          onHandDelta: -quantity,
          reservedDelta: -quantity,
        })),
      );
      await appendMovements(tx, movements);
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
            holder: reservation.holder,
            channelId: reservation.channelId,
            productId: reservation.productId,
            locationId: reservation.locationId,
            quantity,
            status: 'consumed',
            closedAt: sql`now()`,
          });
        }
      }
    },
  );
  return {
    ok: true,
    consumed: taken.map(({ reservation, quantity }) => ({ reservationId: reservation.id, quantity })),
  };
}

/**
 * Releases `quantity` units of one holder's reservations, newest first, splitting the last one:
 * a partial cancel or a reduced line quantity.
 */
export async function releaseUnits(tx: Executor, holder: string, quantity: number): Promise<number> {
  const held = await lockReservations(tx, sql`${reservations.holder} = ${holder}`);
  let left = quantity;
  const whole: number[] = [];
  let split: { reservation: Reservation; quantity: number } | undefined;
  for (const reservation of [...held].reverse()) {
    if (left === 0) {
      break;
    }
    if (reservation.quantity <= left) {
      whole.push(reservation.id);
      left -= reservation.quantity;
    } else {
      split = { reservation, quantity: left };
      left = 0;
    }
  }
  if (whole.length > 0) {
    await release(tx, { ids: whole });
  }
  if (split) {
    const { reservation, quantity: units } = split;
    const levels = await lockLevels(tx, [reservation]);
    await withAvailabilityEvents(tx, [reservation.productId], async () => {
      await applyLevelChanges(tx, [
        {
          levelId: levels.get(levelKey(reservation.productId, reservation.locationId))?.id ?? 0,
          onHandDelta: 0,
          reservedDelta: -units,
        },
      ]);
      await tx.execute(
        sql`UPDATE reservations SET quantity = quantity - ${units} WHERE id = ${reservation.id}`,
      );
    });
  }
  return quantity - left;
}

/** Makes holders' active reservations expire at a time (an order went on hold), or never (null). */
export async function setReservationExpiry(
  tx: Executor,
  holders: string[],
  expiresAt: Date | null,
): Promise<void> {
  if (holders.length > 0) {
    await tx.execute(sql`UPDATE reservations SET expires_at = ${expiresAt}
      WHERE holder = ANY(${sql.param(holders)}::text[]) AND status = 'active'`);
  }
}
