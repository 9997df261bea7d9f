import type { Executor } from '../../db/client.js';
import { lockLevels } from '../inventory/index.js';
import { waitingForArrival } from './backorder-promise-store.js';
import type { OrderDeps } from './deps.js';
import { loadOrders } from './order-store.js';
import { settleAgain } from './resettle.js';

/** Units arriving at a location (a receipt of an inbound shipment). */
export interface Arrival {
  locationId: number;
  units: Array<{ productId: number; quantity: number }>;
}

/** The waiting orders a receipt serves first, in their order, with their promised dates before it. */
export interface ArrivalQueue {
  orderIds: readonly string[];
  promised: ReadonlyMap<string, string | null>;
}

/**
 * Settles backordered orders again, in the order given, from what is on hand now: highest priority,
 * then oldest, first. Returns how many gained stock.
 */
export async function fillInOrder(
  deps: Pick<OrderDeps, 'routing' | 'clock'>,
  tx: Executor,
  orderIds: readonly string[],
): Promise<number> {
  let filled = 0;
  for (const id of orderIds) {
    const [state] = await loadOrders(tx, [id]);
    if (state?.order.status !== 'backordered') {
      continue;
    }
    const before = state.lines.reduce((sum, line) => sum + line.quantityAllocated, 0);
    const settled = await settleAgain(deps, tx, state, { checked: [], needs: [], actor: null });
    const gained = settled.lines.reduce((sum, line) => sum + line.quantityAllocated, 0) - before;
    // No break on zero: an order may be unable to use stock (its channel's safety stock or
    // locations) that an order further down the line can.
    if (gained > 0) {
      filled++;
    }
  }
  return filled;
}

/**
 * For a receipt, in its transaction and before it takes any stock lock: locks the waiting orders that
 * may take the arriving units (first in, first out, as far as the units go), then every stock level of
 * their products and the arriving ones, in (product, location) order. That is the lock order of every
 * stock change (orders, then levels), so a receipt cannot deadlock with captures, cancellations or the
 * backorder worker; and no capture can take the units before these orders do.
 */
export async function lockForArrival(tx: Executor, arrival: Arrival): Promise<ArrivalQueue> {
  const queue = await waitingForArrival(tx, arrival);
  const states = await loadOrders(tx, queue, { lock: true });
  const waiting = new Map(
    states.filter((state) => state.order.status === 'backordered').map((state) => [state.order.id, state]),
  );
  const productIds = new Set(arrival.units.map((units) => units.productId));
  for (const state of waiting.values()) {
    for (const line of state.lines) {
      productIds.add(line.productId);
    }
  }
  await lockLevels(tx, [...productIds]);
  return {
    orderIds: queue.filter((id) => waiting.has(id)),
    promised: new Map([...waiting].map(([id, state]) => [id, state.order.promisedDeliveryDate])),
  };
}
