import { type SQL, sql } from 'drizzle-orm';
import { writeTogether } from '../../db/batch.js';
import type { Executor } from '../../db/client.js';
import { eventsInsert, type NewEvent } from '../events/index.js';
import {
  availabilityEvents,
  type LevelDelta,
  lockSellable,
  type SellableRow,
  sellableUnits,
} from '../inventory/index.js';
import { defaultPlanner } from './default-planner.js';
import type { CandidateLocation, Demand, Plan, Planner } from './plan.js';
import { addDelta, levelOf, reservedUpdate } from './reservation-store.js';

export interface ReserveRequest {
  channel: { id: number; code: string };
  /** Each line's `key` is the order line that will hold the units. */
  demand: Demand[];
  planner?: Planner;
  /** Reserve what exists and report the rest as unfilled, rather than reserving nothing. */
  allowPartial?: boolean;
  expiresAt?: Date | null;
  /** Collects the availability events instead of appending them now. */
  events?: NewEvent[];
  /** Collects the writes instead of running them now, for the caller to send with its own. */
  writes?: SQL[];
}

/** A reservation just made; its id is unknown when the caller collected the writes. */
export interface ReservedUnits {
  id: number | null;
  orderLineId: number;
  productId: number;
  locationId: number;
  locationCode: string;
  quantity: number;
  expiresAt: Date | null;
}

export type ReserveResult =
  | { ok: true; reservations: ReservedUnits[]; unfilled: Plan['unfilled'] }
  | { ok: false; reason: 'insufficient_stock'; shortages: Plan['unfilled'] };

/** A plan's reservations, with the plan and what it adds to each level's `reserved`, not yet written. */
export type PlannedReservations =
  | {
      ok: true;
      reservations: ReservedUnits[];
      unfilled: Plan['unfilled'];
      plan: Plan;
      deltas: Map<number, LevelDelta>;
    }
  | { ok: false; reason: 'insufficient_stock'; shortages: Plan['unfilled'] };

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

/** The INSERT of a plan's reservations; with `onlyIf`, a condition of the caller's statement it runs under. */
export const reservationsInsert = (plan: Plan, channelId: number, expiresAt: Date | null, onlyIf?: SQL) =>
  sql`INSERT INTO reservations (order_line_id, channel_id, product_id, location_id, quantity, expires_at)
    SELECT h, ${channelId}, p, l, q, ${expiresAt}::timestamptz
      FROM unnest(${sql.param(plan.allocations.map((a) => a.key))}::bigint[],
                  ${sql.param(plan.allocations.map((a) => a.productId))}::bigint[],
                  ${sql.param(plan.allocations.map((a) => a.locationId))}::bigint[],
                  ${sql.param(plan.allocations.map((a) => a.quantity))}::int[]) AS u(h, p, l, q)
     ${onlyIf ? sql`WHERE ${onlyIf}` : sql``}`;

const idKey = (lineId: number, productId: number, locationId: number) =>
  `${lineId}|${productId}|${locationId}`;

/**
 * Plans the demand on the products' levels at the channel's locations, as the planner decides, and
 * checks every planned allocation against them. Writes nothing: the levels may be locked (`reserve`)
 * or only read, for the caller's write to check under lock (order capture, `stockCheck`).
 */
export function planReservations(
  rows: SellableRow[],
  request: Pick<ReserveRequest, 'channel' | 'demand' | 'planner' | 'allowPartial' | 'expiresAt'>,
): PlannedReservations {
  const { channel, demand, planner = defaultPlanner } = request;
  const candidates = candidatesFor(rows, channel.id);
  const plan = planner({ demand, candidates });
  checkPlan(plan, candidates);
  if (plan.unfilled.length > 0 && !request.allowPartial) {
    return { ok: false, reason: 'insufficient_stock', shortages: plan.unfilled };
  }
  const deltas = new Map<number, LevelDelta>();
  for (const allocation of plan.allocations) {
    addDelta(deltas, levelOf(rows, allocation.productId, allocation.locationId), 0, allocation.quantity);
  }
  const codeOf = new Map(candidates.map((candidate) => [candidate.locationId, candidate.code]));
  const expiresAt = request.expiresAt ?? null;
  return {
    ok: true,
    plan,
    deltas,
    reservations: plan.allocations.map((allocation) => ({
      id: null,
      orderLineId: allocation.key,
      productId: allocation.productId,
      locationId: allocation.locationId,
      locationCode: codeOf.get(allocation.locationId) ?? '',
      quantity: allocation.quantity,
      expiresAt,
    })),
    unfilled: plan.unfilled,
  };
}

/**
 * Reserves the demand at the channel's locations, as the planner decides, under the level locks:
 * availability is read only after the lock, and every planned allocation is checked against it.
 */
export async function reserve(tx: Executor, request: ReserveRequest): Promise<ReserveResult> {
  const rows = await lockSellable(tx, [...new Set(request.demand.map((line) => line.productId))]);
  const planned = planReservations(rows, request);
  if (!planned.ok) {
    return planned;
  }
  const { plan, deltas, reservations, unfilled } = planned;
  if (plan.allocations.length === 0) {
    return { ok: true, reservations: [], unfilled };
  }
  const moved = availabilityEvents(rows, deltas);
  request.events?.push(...moved);
  const insert = reservationsInsert(plan, request.channel.id, request.expiresAt ?? null);
  const levelsUpdate = reservedUpdate(deltas);
  const eventsWrite = request.events ? undefined : eventsInsert(moved);
  if (request.writes) {
    request.writes.push(...[levelsUpdate, eventsWrite, insert].filter((w): w is SQL => w !== undefined));
    return { ok: true, reservations, unfilled };
  }
  // One statement raises `reserved`, inserts the reservations and (unless collected) the events.
  const created = await writeTogether<{
    id: string;
    order_line_id: string;
    product_id: string;
    location_id: string;
  }>(tx, [levelsUpdate, eventsWrite], sql`${insert} RETURNING id, order_line_id, product_id, location_id`);
  const ids = new Map(
    created.map((row) => [
      idKey(Number(row.order_line_id), Number(row.product_id), Number(row.location_id)),
      Number(row.id),
    ]),
  );
  return {
    ok: true,
    reservations: reservations.map((r) => ({
      ...r,
      id: ids.get(idKey(r.orderLineId, r.productId, r.locationId)) ?? null,
    })),
    unfilled,
  };
}
