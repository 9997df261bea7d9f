import { type SQL, sql } from 'drizzle-orm';
import { writeTogether } from '../../db/batch.js';
import type { Executor } from '../../db/client.js';
import { reservations } from '../../db/schema/index.js';
import { eventsInsert, type NewEvent } from '../events/events.service.js';
import { appendMovements, levelChangesUpdate, type Movement } from '../inventory/levels.js';
import {
  availabilityEvents,
  type LevelDelta,
  lockSellable,
  type SellableRow,
  sellableUnits,
} from '../inventory/sellable.js';
import { defaultPlanner } from './default-planner.js';
import type { CandidateLocation, Demand, Plan, Planner } from './plan.js';

/**
 * The reservation engine: the only code that changes `inventory_levels.reserved`. Every function
 * runs inside the caller's transaction and first locks the level rows of the products it touches,
 * in (product id, location id) order, so concurrent orders queue on the rows they share and can
 * neither deadlock nor oversell. Each appends `inventory.availability_changed` events for what it
 * moved, or hands them to the caller's `events` list to be written with the caller's own.
 */

export type Reservation = typeof reservations.$inferSelect;

export interface ReserveRequest {
  channel: { id: number; code: string };
  demand: Demand[];
  planner?: Planner;
  /** Reserve what exists and report the rest as unfilled, rather than reserving nothing. */
  allowPartial?: boolean;
  expiresAt?: Date | null;
  /** Collects the availability events instead of appending them now. */
  events?: NewEvent[];
  /** Collects the writes instead of running them now, for the caller to send with its own. */
  writes?: SQL[];
  /** The products' levels, already locked by the caller in the same transaction (`sellableSelect`). */
  locked?: SellableRow[];
}

/** A reservation just made; its id is unknown when the caller collected the writes. */
export interface ReservedUnits {
  id: number | null;
  holder: string;
  productId: number;
  locationId: number;
  locationCode: string;
  quantity: number;
  expiresAt: Date | null;
}

export type ReserveResult =
  | { ok: true; reservations: ReservedUnits[]; unfilled: Plan['unfilled'] }
  | { ok: false; reason: 'insufficient_stock'; shortages: Plan['unfilled'] };

const levelOf = (rows: SellableRow[], productId: number, locationId: number) =>
  rows.find((row) => row.productId === productId && row.locationId === locationId)?.levelId ?? 0;

const toChanges = (deltas: Map<number, LevelDelta>) =>
  [...deltas].map(([levelId, delta]) => ({
    levelId,
    onHandDelta: delta.onHand,
    reservedDelta: delta.reserved,
  }));

/** Writes per-level changes and the events for what they moved, in one statement. */
async function applyDeltas(
  tx: Executor,
  rows: SellableRow[],
  deltas: Map<number, LevelDelta>,
  events?: NewEvent[],
) {
  const moved = availabilityEvents(rows, deltas);
  events?.push(...moved);
  await writeTogether(tx, [levelChangesUpdate(toChanges(deltas)), events ? undefined : eventsInsert(moved)]);
}

function addDelta(deltas: Map<number, LevelDelta>, levelId: number, onHand: number, reserved: number) {
  const delta = deltas.get(levelId) ?? { onHand: 0, reserved: 0 };
  deltas.set(levelId, { onHand: delta.onHand + onHand, reserved: delta.reserved + reserved });
}

/** The channel's candidate locations with what each can sell now, from the locked rows. */
export function candidatesFor(rows: SellableRow[], channelId: number): CandidateLocation[] {
  const byLocation = new Map<number, CandidateLocation & { available: Map<number, number> }>();
  for (const row of rows) {
    if (row.channelId !== channelId || !row.serves) {
      continue;
    }
    const candidate = byLocation.get(row.locationId) ?? {
      locationId: row.locationId,
      code: row.location,
      priority: row.locationPriority,
      available: new Map<number, number>(),
    };
    candidate.available.set(row.productId, sellableUnits(row));
    byLocation.set(row.locationId, candidate);
  }
  return [...byLocation.values()];
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
  const rows = request.locked ?? (await lockSellable(tx, [...new Set(demand.map((line) => line.productId))]));
  // Availability is read only now, under the lock: nothing can change it before commit.
  const candidates = candidatesFor(rows, channel.id);
  const plan = planner({ demand, candidates });
  checkPlan(plan, candidates);
  if (plan.unfilled.length > 0 && !request.allowPartial) {
    return { ok: false, reason: 'insufficient_stock', shortages: plan.unfilled };
  }
  if (plan.allocations.length === 0) {
    return { ok: true, reservations: [], unfilled: plan.unfilled };
  }
  const deltas = new Map<number, LevelDelta>();
  for (const allocation of plan.allocations) {
    addDelta(deltas, levelOf(rows, allocation.productId, allocation.locationId), 0, allocation.quantity);
  }
  const moved = availabilityEvents(rows, deltas);
  request.events?.push(...moved);
  const expiresAt = request.expiresAt ?? null;
  const insert = sql`INSERT INTO reservations (holder, channel_id, product_id, location_id, quantity, expires_at)
    SELECT h, ${channel.id}, p, l, q, ${expiresAt}::timestamptz
      FROM unnest(${sql.param(plan.allocations.map((a) => a.key))}::text[],
                  ${sql.param(plan.allocations.map((a) => a.productId))}::bigint[],
                  ${sql.param(plan.allocations.map((a) => a.locationId))}::bigint[],
                  ${sql.param(plan.allocations.map((a) => a.quantity))}::int[]) AS u(h, p, l, q)`;
  const levelsUpdate = levelChangesUpdate(toChanges(deltas));
  const eventsWrite = request.events ? undefined : eventsInsert(moved);
  const ids = new Map<string, number>();
  const idKey = (holder: string, productId: number, locationId: number) =>
    `${holder}|${productId}|${locationId}`;
  if (request.writes) {
    request.writes.push(...[levelsUpdate, eventsWrite, insert].filter((w): w is SQL => w !== undefined));
  } else {
    // One statement raises `reserved`, inserts the reservations and (unless collected) the events.
    const created = await writeTogether<{
      id: string;
      holder: string;
      product_id: string;
      location_id: string;
    }>(tx, [levelsUpdate, eventsWrite], sql`${insert} RETURNING id, holder, product_id, location_id`);
    for (const row of created) {
      ids.set(idKey(row.holder, Number(row.product_id), Number(row.location_id)), Number(row.id));
    }
  }
  const codeOf = new Map(candidates.map((candidate) => [candidate.locationId, candidate.code]));
  return {
    ok: true,
    reservations: plan.allocations.map((allocation) => ({
      id: ids.get(idKey(allocation.key, allocation.productId, allocation.locationId)) ?? null,
      holder: allocation.key,
      productId: allocation.productId,
      locationId: allocation.locationId,
      locationCode: codeOf.get(allocation.locationId) ?? '',
      quantity: allocation.quantity,
      expiresAt,
    })),
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
  events?: NewEvent[],
): Promise<Reservation[]> {
  const held = await lockReservations(
    tx,
    sql`(${reservations.holder} = ANY(${sql.param(selector.holders ?? [])}::text[])
         OR ${reservations.id} = ANY(${sql.param(selector.ids ?? [])}::bigint[]))`,
  );
  if (held.length === 0) {
    return [];
  }
  const rows = await lockSellable(tx, [...new Set(held.map((r) => r.productId))]);
  const deltas = new Map<number, LevelDelta>();
  for (const r of held) {
    addDelta(deltas, levelOf(rows, r.productId, r.locationId), 0, -r.quantity);
  }
  await applyDeltas(tx, rows, deltas, events);
  await tx.execute(sql`UPDATE reservations SET status = 'released', closed_at = now()
    WHERE id = ANY(${sql.param(held.map((r) => r.id))}::bigint[])`);
  return held.map((r) => ({ ...r, status: 'released' as const }));
}

/**
 * Releases `quantity` units of one holder's reservations (at one location when given), newest first,
 * splitting the last one: a partial cancel, a reduced line quantity, units a location gave back.
 * Returns the units released.
 */
export async function releaseUnits(
  tx: Executor,
  holder: string,
  quantity: number,
  locationId?: number,
): Promise<number> {
  const held = await lockReservations(
    tx,
    locationId === undefined
      ? sql`${reservations.holder} = ${holder}`
      : sql`${reservations.holder} = ${holder} AND ${reservations.locationId} = ${locationId}`,
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
    addDelta(
      deltas,
      levelOf(rows, split.reservation.productId, split.reservation.locationId),
      0,
      -split.quantity,
    );
    await tx.execute(
      sql`UPDATE reservations SET quantity = quantity - ${split.quantity} WHERE id = ${split.reservation.id}`,
    );
  }
  if (whole.length > 0) {
    await tx.execute(sql`UPDATE reservations SET status = 'released', closed_at = now()
      WHERE id = ANY(${sql.param(whole.map((r) => r.id))}::bigint[])`);
  }
  await applyDeltas(tx, rows, deltas);
  return quantity - left;
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
  const movements: Movement[] = [];
  for (const { reservation, quantity } of taken) {
    const levelId = levelOf(rows, reservation.productId, reservation.locationId);
    const onHand =
      (rows.find((row) => row.levelId === levelId)?.onHand ?? 0) + (deltas.get(levelId)?.onHand ?? 0);
    if (onHand - quantity < 0) {
      return { ok: false, reason: 'not_on_shelf', reservationId: reservation.id };
    }
    addDelta(deltas, levelId, -quantity, -quantity);
    movements.push({
      productId: reservation.productId,
      locationId: reservation.locationId,
      reason: 'sale',
      quantityChange: -quantity,
      onHandAfter: onHand - quantity,
      reference: source.reference,
      apiKeyId: source.apiKeyId,
    });
  }
  await applyDeltas(tx, rows, deltas);
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
  return {
    ok: true,
    consumed: taken.map(({ reservation, quantity }) => ({ reservationId: reservation.id, quantity })),
  };
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
