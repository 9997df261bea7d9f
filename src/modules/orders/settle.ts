import { inArray, type SQL, sql } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import { writeTogether } from '../../db/batch.js';
import type { Executor } from '../../db/client.js';
import { holds } from '../../db/schema/index.js';
import type { Plan } from '../allocation/index.js';
import { activeReservations, setReservationExpiry } from '../allocation/index.js';
import { eventsInsert, type NewEvent } from '../events/index.js';
import type { RoutingSession } from '../routing/routing.service.js';
import { allocateLines, type ChannelPolicy, lineQuantitiesUpdate } from './allocate.js';
import type { HoldNeed } from './checks.js';
import { assertTransition, settledStatus } from './order-state.js';
import { type HoldRow, type OrderState, presentHold, presentOrder, quantitiesOf } from './order-store.js';

/** The queue each kind of hold is worked in. */
export const queueOf: Record<HoldRow['kind'], string> = {
  payment: 'payments',
  address: 'address_review',
  fraud: 'fraud_review',
  stock: 'inventory',
  routing_review: 'routing_review',
  manual: 'customer_service',
  return_review: 'returns',
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
  const now = clock.now();
  const events: NewEvent[] = [];
  // The reservation's writes wait to go out with the order's own, as one statement.
  const writes: SQL[] = [];
  let current = { ...state, holds: [...state.holds] };
  const event = (type: string, data: Record<string, unknown>): NewEvent => ({
    type,
    resourceType: 'order',
    resourceId: state.order.id,
    channel: state.channel,
    data,
  });

  const resolve = async (kinds: ReadonlyArray<HoldNeed['kind']>, needs: HoldNeed[]) => {
    const gone = current.holds.filter(
      (hold) =>
        hold.status === 'open' &&
        kinds.includes(hold.kind as HoldNeed['kind']) &&
        !needs.some((n) => n.kind === hold.kind),
    );
    if (gone.length > 0) {
      const resolved = await tx
        .update(holds)
        .set({
          status: 'released',
          resolvedAt: now,
          resolvedBy: input.actor,
          note: 'resolved automatically: the check now passes',
        })
        .where(
          inArray(
            holds.id,
            gone.map((hold) => hold.id),
          ),
        )
        .returning();
      current.holds = current.holds.map((hold) => resolved.find((r) => r.id === hold.id) ?? hold);
      events.push(...resolved.map((hold) => event('order.hold_released', { hold: presentHold(hold) })));
    }
    const fresh = needs.filter(
      (need) => !current.holds.some((hold) => hold.status === 'open' && hold.kind === need.kind),
    );
    if (fresh.length > 0) {
      const opened = await tx
        .insert(holds)
        .values(
          fresh.map((need) => ({
            orderId: state.order.id,
            kind: need.kind,
            queue: queueOf[need.kind],
            reason: need.reason,
            details: need.details,
          })),
        )
        .returning();
      current.holds.push(...opened);
      events.push(...opened.map((hold) => event('order.held', { hold: presentHold(hold) })));
    }
  };

  await resolve(input.checked, input.needs);
  const held = () => current.holds.some((hold) => hold.status === 'open' && hold.kind !== 'stock');
  const wasHeld = held();
  const expiresAt = wasHeld ? new Date(now.getTime() + channel.heldReservationMinutes * 60_000) : null;

  if (input.reloadReservations) {
    current.reservations = await reservationsOf(tx, current);
  }
  const hadReservations = current.reservations.length > 0;
  let promised: string | null | undefined;
  const reservationsBefore = current.reservations.length;
  if (state.order.status !== 'cancelled') {
    const outcome = await allocateLines(tx, channel, current.lines, expiresAt, {
      events,
      writes,
      ...(input.routing ? { planner: input.routing.planner } : {}),
    });
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
    if (input.routing && reservedNow.allocations.length > 0) {
      const usage = input.routing.usageWrite(reservedNow);
      if (usage) {
        writes.push(usage.sql);
      }
      promised = input.routing.promisedDeliveryDate(reservedNow);
    }
    const review = input.routing?.decision()?.review;
    if (review) {
      await resolve([], [{ kind: 'routing_review', reason: review.reason, details: { ...review } }]);
    }
    current.lines = outcome.lines;
    current.reservations = [
      ...current.reservations,
      ...outcome.reserved.map((r) => ({
        lineId: r.orderLineId,
        location: r.locationCode,
        quantity: r.quantity,
      })),
    ];
    await resolve(['stock'], outcome.stockHold ? [outcome.stockHold] : []);
    // Reservations made earlier follow the order's hold state: they expire only while it is held.
    if (hadReservations) {
      await setReservationExpiry(
        tx,
        current.lines.map((line) => line.id),
        held() ? expiresAt : null,
      );
    }
  }

  const openHolds = current.holds.filter((hold) => hold.status === 'open').length;
  const status =
    state.order.status === 'cancelled'
      ? 'cancelled'
      : settledStatus(current.lines.map(quantitiesOf), openHolds);
  if (status !== state.order.status) {
    assertTransition(state.order.status, status);
  }
  const routed = input.routing?.decision();
  // Lines, status and events in one statement: the snapshot is built first from what will be written.
  current = {
    ...current,
    order: {
      ...current.order,
      status,
      updatedAt: now,
      promisedDeliveryDate: promised ?? current.order.promisedDeliveryDate,
    },
  };
  const snapshot = presentOrder(current);
  const own = (input.events ?? []).map((build) => build(snapshot));
  const orderEvents = [...own, ...events.filter((e) => e.resourceType === 'order')];
  const gained = current.reservations.length > reservationsBefore;
  if (routed && gained) {
    orderEvents.push(
      event('order.routed', {
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
  if (status !== state.order.status && (status === 'allocated' || status === 'backordered')) {
    orderEvents.push(event(`order.${status}`, {}));
  } else if (gained) {
    // More stock reserved without a change of status (a backorder partly filled, a held order re-reserved).
    orderEvents.push(event('order.updated', { change: 'allocation' }));
  }
  // An allocated order is released after the channel's edit window, counted from its creation.
  const releaseDueAt =
    status === 'allocated'
      ? sql`coalesce(release_due_at, greatest(${now}::timestamptz, created_at + ${channel.releaseDelayMinutes} * interval '1 minute'))`
      : sql`NULL`;
  await writeTogether(tx, [
    ...writes,
    lineQuantitiesUpdate(current.lines),
    eventsInsert([
      ...events.filter((e) => e.resourceType !== 'order'),
      // order.routed carries a summary of the decision; every other order event the snapshot.
      ...orderEvents.map((e) =>
        e.type === 'order.routed'
          ? { ...e, data: { ...e.data, order_id: state.order.id, number: state.order.number } }
          : { ...e, data: { ...e.data, order: snapshot } },
      ),
    ]),
    routed
      ? sql`UPDATE orders SET status = ${status}, updated_at = ${now}, release_due_at = ${releaseDueAt},
              routing = ${JSON.stringify(routed.trace)}::jsonb,
              destination = ${JSON.stringify(input.routing?.place ?? null)}::jsonb,
              promised_delivery_date = coalesce(${promised ?? null}::date, promised_delivery_date)
            WHERE id = ${state.order.id}`
      : sql`UPDATE orders SET status = ${status}, updated_at = ${now}, release_due_at = ${releaseDueAt}
            WHERE id = ${state.order.id}`,
  ]);
  return current;
}

async function reservationsOf(tx: Executor, state: OrderState) {
  const held = await activeReservations(
    tx,
    state.lines.map((line) => line.id),
  );
  return held.map((r) => ({ lineId: r.orderLineId, location: r.location, quantity: r.quantity }));
}
