import type { Executor } from '../../db/client.js';
import type { Caller } from '../../http/caller.js';
import type { OrderDeps } from './deps.js';
import {
  claimDueForRelease,
  type Release,
  type Reroute,
  recordReleased,
  recordShipmentProgress,
  recordShipped,
  reroute,
  type ShipmentStatuses,
} from './fulfillment-transitions.js';
import { findOrder, loadOrders, type OrderState } from './order-store.js';
import {
  closeReturnReview,
  openReturnReview,
  recordRefunded,
  recordReturned,
  releaseAwaiting,
} from './return-transitions.js';

export type OrderTransitions = ReturnType<typeof createOrderTransitions>;

/**
 * The only ways other modules change an order. Each runs in the caller's transaction, under the
 * order's lock (take it first with `lock` or `find`), and appends the order's events itself. Other
 * modules receive a `Pick<OrderTransitions, …>` of what they call from the composition root.
 */
export function createOrderTransitions(deps: Pick<OrderDeps, 'clock' | 'routing' | 'accounts'>) {
  return {
    /** Locks orders (FOR NO KEY UPDATE, in id order) and loads them: the first step of every change to them. */
    lock: (tx: Executor, orderIds: string[]): Promise<OrderState[]> =>
      loadOrders(tx, orderIds, { lock: true }),
    /** An order the caller may see (another channel's is a 404), locked when asked. */
    find: (tx: Executor, idOrNumber: string, caller: Caller, lock = false) =>
      findOrder(tx, idOrNumber, caller, lock),
    claimDueForRelease: (tx: Executor, now: Date, limit: number) => claimDueForRelease(tx, now, limit),
    recordReleased: (tx: Executor, releases: Release[], now: Date) => recordReleased(tx, releases, now),
    recordShipped: (
      tx: Executor,
      orderId: string,
      shipped: ReadonlyMap<number, number>,
      shipments: ShipmentStatuses,
    ) => recordShipped(deps, tx, orderId, shipped, shipments),
    recordShipmentProgress: (tx: Executor, orderId: string, shipments: ShipmentStatuses) =>
      recordShipmentProgress(deps, tx, orderId, shipments),
    reroute: (tx: Executor, order: OrderState, input: Reroute) => reroute(deps, tx, order, input),
    openReturnReview: (tx: Executor, order: OrderState, review: Parameters<typeof openReturnReview>[2]) =>
      openReturnReview(tx, order, review),
    closeReturnReview: (
      tx: Executor,
      order: { id: string; channel: string },
      decision: Omit<Parameters<typeof closeReturnReview>[2], 'now'>,
    ) => closeReturnReview(tx, order, { ...decision, now: deps.clock.now() }),
    recordReturned: (tx: Executor, orderId: string, units: ReadonlyMap<number, number>) =>
      recordReturned(tx, orderId, units, deps.clock.now()),
    recordRefunded: (tx: Executor, orderId: string, refund: Parameters<typeof recordRefunded>[2]) =>
      recordRefunded(tx, orderId, refund, deps.clock.now()),
    releaseAwaiting: (tx: Executor, orderId: string) => releaseAwaiting(tx, orderId, deps.clock.now()),
  };
}
