import { inArray, type SQL, sql } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import { writeTogether } from '../../db/batch.js';
import type { Executor } from '../../db/client.js';
import { holds } from '../../db/schema/index.js';
import { activeReservations, type Plan, setReservationExpiry } from '../allocation/index.js';
import { eventsInsert, type NewEvent } from '../events/index.js';
import type { RoutingSession } from '../routing/index.js';
import { allocateLines } from './allocate.js';
import type { HoldNeed } from './checks.js';
import { assertTransition, type OrderStatus, settledStatus } from './order-state.js';
import {
  type ChannelPolicy,
  type HoldRow,
  lineQuantitiesUpdate,
  type OrderState,
  quantitiesOf,
} from './order-store.js';
import { presentHold, presentOrder } from './order-view.js';

/** The queue each kind of hold is worked in. */
export const queueOf: Record<HoldRow['kind'], string> = {
  payment: 'payments',
  address: 'address_review',
  fraud: 'fraud_review',
  stock: 'inventory',
  routing_review: 'routing_review',
  manual: 'customer_service',
  return_review: 'returns',
  credit: 'credit',
};

export interface SettleInput {
  /** Kinds whose checks were re-run: an open hold of such a kind with no need left is resolved. */
  checked: ReadonlyArray<HoldNeed['kind']>;
  needs: HoldNeed[];
  actor: string | null;
  /** Routes the allocation by the channel's rules; without it the default planner decides. */
  routing?: RoutingSession;
  /** The caller changed reservations outside the state it passes (a partial cancel): read them again. */
  reloadReservations?: boolean;
  /** Events the caller adds (order.created, order.updated...), built from the settled snapshot. */
  events?: Array<(snapshot: ReturnType<typeof presentOrder>) => NewEvent>;
}

/** One settle run: the order as it becomes, and what goes out with it in one statement at the end. */
interface Settlement {
  tx: Executor;
  now: Date;
  actor: string | null;
  state: OrderState;
  current: OrderState;
  events: NewEvent[];
  writes: SQL[];
}

const orderEvent = (s: Settlement, type: string, data: Record<string, unknown>): NewEvent => ({
  type,
  resourceType: 'order',
  resourceId: s.state.order.id,
  channel: s.state.channel,
  data,
});

const isHeld = (s: Settlement) =>
  s.current.holds.some((hold) => hold.status === 'open' && hold.kind !== 'stock');

/** Resolves open holds of `kinds` whose need is gone, and opens holds for needs not already open. */
async function resolveHolds(s: Settlement, kinds: ReadonlyArray<HoldNeed['kind']>, needs: HoldNeed[]) {
  const gone = s.current.holds.filter(
    (hold) =>
      hold.status === 'open' &&
      kinds.includes(hold.kind as HoldNeed['kind']) &&
      !needs.some((n) => n.kind === hold.kind),
  );
  if (gone.length > 0) {
    const resolved = await s.tx
      .update(holds)
      .set({
        status: 'released',
        resolvedAt: s.now,
        resolvedBy: s.actor,
        note: 'resolved automatically: the check now passes',
      })
      .where(
        inArray(
          holds.id,
          gone.map((hold) => hold.id),
        ),
      )
      .returning();
    s.current.holds = s.current.holds.map((hold) => resolved.find((r) => r.id === hold.id) ?? hold);
    s.events.push(
      ...resolved.map((hold) => orderEvent(s, 'order.hold_released', { hold: presentHold(hold) })),
    );
  }
  const fresh = needs.filter(
    (need) => !s.current.holds.some((hold) => hold.status === 'open' && hold.kind === need.kind),
  );
  if (fresh.length > 0) {
    const opened = await s.tx
      .insert(holds)
      .values(
        fresh.map((need) => ({
          orderId: s.state.order.id,
          kind: need.kind,
          queue: queueOf[need.kind],
          reason: need.reason,
          details: need.details,
        })),
      )
      .returning();
    s.current.holds.push(...opened);
    s.events.push(...opened.map((hold) => orderEvent(s, 'order.held', { hold: presentHold(hold) })));
  }
}

/**
 * Reserves what the lines are missing (expiring after the channel's hold time while the order is
 * held), counts it against its locations' day, and returns the promised delivery date it sets.
 */
async function allocateMissing(
  s: Settlement,
  channel: ChannelPolicy,
  routing: RoutingSession | undefined,
): Promise<string | null | undefined> {
  const expiresAt = isHeld(s) ? new Date(s.now.getTime() + channel.heldReservationMinutes * 60_000) : null;
  const hadReservations = s.current.reservations.length > 0;
  const outcome = await allocateLines(s.tx, channel, s.current.lines, expiresAt, {
    events: s.events,
    writes: s.writes,
    ...(routing ? { planner: routing.planner } : {}),
  });
  let promised: string | null | undefined;
  // Stock reserved now counts against its locations' day, and sets the order's promised date.
  const reservedNow: Plan = {
    allocations: outcome.reserved.map((r) => ({
      key: r.orderLineId,
      productId: r.productId,
      locationId: r.locationId,
      quantity: r.quantity,
    })),
    unfilled: [],
  };
  if (routing && reservedNow.allocations.length > 0) {
    const usage = routing.usageWrite(reservedNow);
    if (usage) {
      s.writes.push(usage.sql);
    }
    promised = routing.promisedDeliveryDate(reservedNow);
  }
  const review = routing?.decision()?.review;
  if (review) {
    await resolveHolds(s, [], [{ kind: 'routing_review', reason: review.reason, details: { ...review } }]);
  }
  s.current.lines = outcome.lines;
  s.current.reservations = [
    ...s.current.reservations,
    ...outcome.reserved.map((r) => ({
      lineId: r.orderLineId,
      location: r.locationCode,
      quantity: r.quantity,
    })),
  ];
  await resolveHolds(s, ['stock'], outcome.stockHold ? [outcome.stockHold] : []);
  // Reservations made earlier follow the order's hold state: they expire only while it is held.
  if (hadReservations) {
    await setReservationExpiry(
      s.tx,
      s.current.lines.map((line) => line.id),
      isHeld(s) ? expiresAt : null,
    );
  }
  return promised;
}

/** The order's events: the caller's and the holds' with the snapshot, then routing and status news. */
function orderEventsOf(s: Settlement, input: SettleInput, status: OrderStatus, gained: boolean): NewEvent[] {
  const snapshot = presentOrder(s.current);
  const own = (input.events ?? []).map((build) => build(snapshot));
  const orderEvents = [...own, ...s.events.filter((e) => e.resourceType === 'order')];
  const routed = input.routing?.decision();
  if (routed && gained) {
    orderEvents.push(
      orderEvent(s, 'order.routed', {
        routing: {
          rule_set: routed.trace.rule_set,
          rule: routed.trace.rule,
          locations: routed.trace.chosen?.locations ?? [],
          shipments: routed.trace.chosen?.shipments ?? 0,
          cost: routed.trace.chosen?.cost ?? null,
          why: routed.trace.why,
        },
      }),
    );
  }
  if (status !== s.state.order.status && (status === 'allocated' || status === 'backordered')) {
    orderEvents.push(orderEvent(s, `order.${status}`, {}));
  } else if (gained) {
    // More stock reserved without a change of status (a backorder partly filled, a held order re-reserved).
    orderEvents.push(orderEvent(s, 'order.updated', { change: 'allocation' }));
  }
  // order.routed carries a summary of the decision; every other order event the snapshot.
  return orderEvents.map((e) =>
    e.type === 'order.routed'
      ? { ...e, data: { ...e.data, order_id: s.state.order.id, number: s.state.order.number } }
      : { ...e, data: { ...e.data, order: snapshot } },
  );
}

/** The UPDATE of the order row: status, release due time and, when routed, the decision. */
function orderUpdate(
  s: Settlement,
  status: OrderStatus,
  channel: ChannelPolicy,
  routing: RoutingSession | undefined,
  promised: string | null | undefined,
): SQL {
  const { now } = s;
  // An allocated order is released after the channel's edit window, counted from its creation.
  const releaseDueAt =
    status === 'allocated'
      ? sql`coalesce(release_due_at, greatest(${now}::timestamptz, created_at + ${channel.releaseDelayMinutes} * interval '1 minute'))`
      : sql`NULL`;
  const routed = routing?.decision();
  return routed
    ? sql`UPDATE orders SET status = ${status}, updated_at = ${now}, release_due_at = ${releaseDueAt},
            routing = ${JSON.stringify(routed.trace)}::jsonb,
            destination = ${JSON.stringify(routing?.place ?? null)}::jsonb,
            promised_delivery_date = coalesce(${promised ?? null}::date, promised_delivery_date)
          WHERE id = ${s.state.order.id}`
    : sql`UPDATE orders SET status = ${status}, updated_at = ${now}, release_due_at = ${releaseDueAt}
          WHERE id = ${s.state.order.id}`;
}

/**
 * Brings an order to where its checks and stock put it, under the order's lock: resolves holds whose
 * reason is gone, opens holds for new needs, reserves what is missing (for a held order the
 * reservations expire after the channel's time), sets the status through the state machine and
 * appends the events, all in the caller's transaction. Returns the new state.
 */
export async function settle(
  tx: Executor,
  state: OrderState,
  channel: ChannelPolicy,
  clock: Clock,
  input: SettleInput,
): Promise<OrderState> {
  const s: Settlement = {
    tx,
    now: clock.now(),
    actor: input.actor,
    state,
    current: { ...state, holds: [...state.holds] },
    events: [],
    writes: [],
  };
  await resolveHolds(s, input.checked, input.needs);
  if (input.reloadReservations) {
    const held = await activeReservations(
      tx,
      s.current.lines.map((line) => line.id),
    );
    s.current.reservations = held.map((r) => ({
      lineId: r.orderLineId,
      location: r.location,
      quantity: r.quantity,
    }));
  }
  const reservationsBefore = s.current.reservations.length;
  const cancelled = state.order.status === 'cancelled';
  const reserved = cancelled ? undefined : await allocateMissing(s, channel, input.routing);
  const openHolds = s.current.holds.filter((hold) => hold.status === 'open').length;
  const status = cancelled ? 'cancelled' : settledStatus(s.current.lines.map(quantitiesOf), openHolds);
  // An order still waiting keeps its promise from incoming stock (repromise.ts): its last units come later.
  const promised = status === 'backordered' ? undefined : reserved;
  if (status !== state.order.status) {
    assertTransition(state.order.status, status);
  }
  // Lines, status and events in one statement: the snapshot is built first from what will be written.
  s.current.order = {
    ...s.current.order,
    status,
    updatedAt: s.now,
    promisedDeliveryDate: promised ?? s.current.order.promisedDeliveryDate,
  };
  const orderEvents = orderEventsOf(s, input, status, s.current.reservations.length > reservationsBefore);
  await writeTogether(tx, [
    ...s.writes,
    lineQuantitiesUpdate(s.current.lines),
    eventsInsert([...s.events.filter((e) => e.resourceType !== 'order'), ...orderEvents]),
    orderUpdate(s, status, channel, input.routing, promised),
  ]);
  return s.current;
}
