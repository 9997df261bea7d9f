import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import type { Executor } from '../../db/client.js';
import { holds, orders } from '../../db/schema/index.js';
import { setReservationExpiry } from '../allocation/allocation.service.js';
import { appendEvents, type NewEvent } from '../events/events.service.js';
import { allocateLines, type ChannelPolicy } from './allocate.js';
import type { HoldNeed } from './checks.js';
import { assertTransition, settledStatus } from './order-state.js';
import { type HoldRow, lineHolder, type OrderState, presentHold, presentOrder } from './order-store.js';

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
  /** Events the caller adds (order.created, order.updated...), built from the settled snapshot. */
  events?: Array<(snapshot: ReturnType<typeof presentOrder>) => NewEvent>;
}

const lineQuantities = (state: OrderState) =>
  state.lines.map((line) => ({
    quantity: line.quantity,
    allocated: line.quantityAllocated,
    backordered: line.quantityBackordered,
    cancelled: line.quantityCancelled,
    shipped: line.quantityShipped,
  }));

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
  const expiresAt = held() ? new Date(now.getTime() + channel.heldReservationMinutes * 60_000) : null;

  if (state.order.status !== 'cancelled') {
    const outcome = await allocateLines(tx, channel, current.lines, expiresAt);
    current.lines = outcome.lines;
    await resolve(['stock'], outcome.stockHold ? [outcome.stockHold] : []);
    const holders = current.lines.map((line) => lineHolder(line.id));
    await setReservationExpiry(tx, holders, held() ? expiresAt : null);
  }

  const openHolds = current.holds.filter((hold) => hold.status === 'open').length;
  const status =
    state.order.status === 'cancelled' ? 'cancelled' : settledStatus(lineQuantities(current), openHolds);
  if (status !== state.order.status) {
    assertTransition(state.order.status, status);
  }
  const [order] = await tx
    .update(orders)
    .set({ status, updatedAt: sql`now()` })
    .where(and(eq(orders.id, state.order.id)))
    .returning();
  current = { ...current, order: order ?? current.order };
  current.reservations = await activeReservations(tx, current);

  const snapshot = presentOrder(current);
  const own = (input.events ?? []).map((build) => build(snapshot));
  if (status !== state.order.status && (status === 'allocated' || status === 'backordered')) {
    events.push(event(`order.${status}`, {}));
  }
  await appendEvents(
    tx,
    [...own, ...events].map((e) => ({ ...e, data: { ...e.data, order: snapshot } })),
  );
  return current;
}

async function activeReservations(tx: Executor, state: OrderState) {
  const result = await tx.execute<{ holder: string; location: string; quantity: number }>(sql`
    SELECT r.holder, loc.code AS location, r.quantity
      FROM reservations r JOIN locations loc ON loc.id = r.location_id
     WHERE r.status = 'active' AND r.holder = ANY(${sql.param(state.lines.map((line) => lineHolder(line.id)))}::text[])
     ORDER BY r.id`);
  return result.rows.map((row) => ({
    lineId: Number(row.holder.slice('order_line:'.length)),
    location: row.location,
    quantity: row.quantity,
  }));
}
