import { eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { holds } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { allocateLines } from './allocate.js';
import { addressHold, type HoldNeed, paymentNeed } from './checks.js';
import type { OrderDeps } from './deps.js';
import { lockedHold } from './hold-queue.js';
import { channelPolicy, type HoldRow, type OrderState } from './order-store.js';
import { presentHold, presentOrder } from './order-view.js';
import type { OrderView } from './orders.schemas.js';
import { routingFor } from './resettle.js';
import { settle } from './settle.js';

/** The checks released with this hold run again, except kinds a person released before: they stay decided. */
function remainingNeeds(state: OrderState, hold: HoldRow) {
  const checked = (['address', 'payment'] as const).filter(
    (kind) => kind !== hold.kind && !state.holds.some((h) => h.kind === kind && h.status === 'released'),
  );
  const needs = [
    checked.includes('address') ? addressHold(state.order.shipTo, state.order.serviceLevel) : undefined,
    checked.includes('payment') ? paymentNeed(state.order) : undefined,
  ].filter((need): need is HoldNeed => need !== undefined);
  return { checked, needs };
}

/**
 * Releases a hold in the caller's transaction (see releaseHold); the caller nudges `allocated` after
 * committing. The accounts module releases credit holds that no longer apply this way.
 */
export async function releaseHoldIn(
  deps: Pick<OrderDeps, 'clock' | 'routing'>,
  tx: Executor,
  id: number,
  note: string | undefined,
  caller: Caller,
): Promise<OrderView> {
  const { state, hold } = await lockedHold(tx, id, caller);
  if (hold.status !== 'open') {
    throw new AppError('conflict', `Hold ${id} is already ${hold.status}`);
  }
  if (hold.kind === 'return_review') {
    throw new AppError(
      'conflict',
      `Hold ${id} is a return review: decide it with POST /v1/returns/{id}/authorize or /reject (the hold names the return)`,
    );
  }
  const channel = await channelPolicy(tx, state.order.channelId);
  // Releasing a routing review accepts the rules' choice: no second review.
  const routing = await routingFor(deps, tx, state, channel, {
    skipCostReview: hold.kind === 'routing_review',
  });
  if (hold.kind === 'stock') {
    // Settle below gives these reservations the expiry the order's remaining holds call for.
    const outcome = await allocateLines(tx, channel, state.lines, null, { planner: routing.planner });
    if (outcome.stockHold) {
      throw new AppError('conflict', `Stock is still short: ${outcome.stockHold.reason}`);
    }
    state.lines = outcome.lines;
  }
  const [released = hold] = await tx
    .update(holds)
    .set({ status: 'released', resolvedAt: deps.clock.now(), resolvedBy: caller.keyId, note: note ?? null })
    .where(eq(holds.id, id))
    .returning();
  const after = { ...state, holds: state.holds.map((h) => (h.id === id ? released : h)) };
  const { checked, needs } = remainingNeeds(state, hold);
  const settled = await settle(tx, after, channel, deps.clock, {
    routing,
    checked,
    reloadReservations: hold.kind === 'stock',
    needs,
    actor: caller.keyId,
    events: [
      () => ({
        type: 'order.hold_released',
        resourceType: 'order',
        resourceId: state.order.id,
        channel: state.channel,
        data: { hold: presentHold(released) },
      }),
    ],
  });
  return presentOrder(settled);
}

/**
 * Releases a hold (a person decided), then re-runs allocation: once no hold is left the order
 * reserves what it is missing, re-taking reservations that expired while it waited. A stock hold
 * is released only when the stock is now there.
 */
export async function releaseHold(
  deps: Pick<OrderDeps, 'db' | 'clock' | 'routing' | 'allocated'>,
  id: number,
  note: string | undefined,
  caller: Caller,
): Promise<OrderView> {
  const view = await inTransaction(deps.db, (tx) => releaseHoldIn(deps, tx, id, note, caller));
  deps.allocated?.();
  return view;
}
