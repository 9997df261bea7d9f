import type { Executor } from '../../db/client.js';
import { appendEvents, type NewEvent } from '../events/index.js';
import {
  assignIncoming,
  coveredUnits,
  type IncomingCover,
  type IncomingUnits,
  openIncoming,
  partsOf,
} from '../promising/index.js';
import {
  forgetSettledPromises,
  lockStillWaiting,
  replacePromises,
  type StoredPromise,
  setPromisedDates,
  storedPromises,
  type WaitingLine,
  waitingLines,
} from './backorder-promise-store.js';
import type { OrderDeps } from './deps.js';
import type { PromiseChangeReason } from './order-events.js';
import { loadOrders } from './order-store.js';
import { presentOrder } from './order-view.js';

export interface RepromiseOptions {
  reason: PromiseChangeReason;
  /**
   * Orders' promised dates before the caller's transaction changed them (a receipt's fills), by
   * order id: the events compare with these rather than with what that change wrote.
   */
  before?: ReadonlyMap<string, string | null>;
}

/** An order's promise as worked out now: its date and, per line of a re-promised product, its covers. */
interface Worked {
  orderId: string;
  date: string | null;
  rows: StoredPromise[];
  /** Lines of re-promised products: their stored promises are replaced by `rows`. */
  lineIds: number[];
  /** A line was promised units of a shipment that is now overdue. */
  overdue: boolean;
}

const sameRows = (a: StoredPromise[], b: StoredPromise[]) => {
  const key = (r: StoredPromise) => `${r.lineId}:${r.inboundLineId}:${r.quantity}`;
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.length === right.length && left.every((k, i) => k === right[i]);
};

/**
 * Each waiting order's promise from incoming stock: lines of the re-promised products take incoming
 * units first in, first out; lines of other products keep what they were promised, while it is still
 * incoming and not overdue. The date is when the last parcel can arrive, or null when a backordered
 * unit is not covered.
 */
async function workOut(
  deps: Pick<OrderDeps, 'routing' | 'clock'>,
  tx: Executor,
  productIds: ReadonlySet<number>,
  waiting: WaitingLine[],
): Promise<{ worked: Worked[]; stored: Map<number, StoredPromise[]> }> {
  const now = deps.clock.now();
  const products = [...new Set(waiting.map((line) => line.productId))];
  const incoming = await openIncoming(tx, products, now);
  const stored = await storedPromises(
    tx,
    waiting.map((line) => line.lineId),
  );
  const dateOf = await deps.routing.incomingDelivery(tx);
  const assigned = assignIncoming(
    waiting
      .filter((line) => productIds.has(line.productId))
      .map((line) => ({
        key: line.lineId,
        channelId: line.channelId,
        productId: line.productId,
        quantity: line.backordered,
      })),
    incoming,
  );
  const units = new Map<number, IncomingUnits>(incoming.map((u) => [u.inboundLineId, u]));
  const storedOf = groupBy(stored, (row) => row.lineId);
  const kept = (lineId: number): IncomingCover[] =>
    (storedOf.get(lineId) ?? []).flatMap((row) => {
      const open = units.get(row.inboundLineId);
      return open && !open.overdue ? [{ units: open, quantity: row.quantity }] : [];
    });
  const worked = [...groupBy(waiting, (line) => line.orderId)].map(([orderId, lines]): Worked => {
    const covers = new Map(
      lines.map((line) => [
        line.lineId,
        productIds.has(line.productId) ? (assigned.get(line.lineId) ?? []) : kept(line.lineId),
      ]),
    );
    const covered = lines.every((line) => coveredUnits(covers.get(line.lineId)) >= line.backordered);
    const [order] = lines;
    const repromised = lines.filter((line) => productIds.has(line.productId));
    return {
      orderId,
      date: covered && order ? dateOf(order, partsOf([...covers.values()].flat())) : null,
      lineIds: repromised.map((line) => line.lineId),
      rows: repromised.flatMap((line) =>
        (covers.get(line.lineId) ?? []).map((cover) => ({
          lineId: line.lineId,
          inboundLineId: cover.units.inboundLineId,
          quantity: cover.quantity,
        })),
      ),
      overdue: lines.some((line) =>
        (storedOf.get(line.lineId) ?? []).some((row) => units.get(row.inboundLineId)?.overdue),
      ),
    };
  });
  return { worked, stored: storedOf };
}

/** Items by key, each group in the items' order. */
function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) {
      group.push(item);
    } else {
      groups.set(key(item), [item]);
    }
  }
  return groups;
}

/** The order's promise differs from what is stored (or from its date before the caller's change). */
function changed(
  work: Worked,
  promised: string | null,
  stored: ReadonlyMap<number, StoredPromise[]>,
  before: ReadonlyMap<string, string | null> | undefined,
): boolean {
  return (
    work.date !== promised ||
    (before?.has(work.orderId) === true && before.get(work.orderId) !== work.date) ||
    !sameRows(
      work.rows,
      work.lineIds.flatMap((lineId) => stored.get(lineId) ?? []),
    )
  );
}

/**
 * The event of a promise that moved: `order.promise_changed` when it got later or was lost (the
 * customer must hear of it), `order.updated` (change `promise`) when it got earlier or was made.
 */
function promiseEvent(
  order: ReturnType<typeof presentOrder>,
  previous: string | null,
  reason: PromiseChangeReason,
): NewEvent | undefined {
  const next = order.promised_delivery_date;
  if (previous === next) {
    return undefined;
  }
  const worse = next === null || (previous !== null && next > previous);
  const data = { previous_promised_delivery_date: previous, promised_delivery_date: next, reason, order };
  return {
    type: worse ? 'order.promise_changed' : 'order.updated',
    resourceType: 'order',
    resourceId: order.id,
    channel: order.channel,
    data: worse ? data : { change: 'promise', ...data },
  };
}

/**
 * Locks the orders whose promise changed, skipping any another transaction holds, and keeps those whose
 * backordered units did not move between the read and the lock (the others are left for the next pass),
 * each with the date its event compares with.
 */
async function lockChanged(
  tx: Executor,
  candidates: Worked[],
  snapshot: WaitingLine[],
  before: ReadonlyMap<string, string | null> | undefined,
): Promise<Array<{ work: Worked; previous: string | null }>> {
  const locked = new Set(
    await lockStillWaiting(
      tx,
      candidates.map((work) => work.orderId),
    ),
  );
  if (locked.size === 0) {
    return [];
  }
  const fresh = await waitingLines(tx, { orderIds: [...locked] });
  const freshOf = groupBy(fresh, (line) => line.orderId);
  const snapshotOf = groupBy(snapshot, (line) => line.orderId);
  const stable = (orderId: string) => {
    const now = freshOf.get(orderId) ?? [];
    const then = snapshotOf.get(orderId) ?? [];
    return (
      now.length === then.length &&
      now.every((line, i) => line.lineId === then[i]?.lineId && line.backordered === then[i]?.backordered)
    );
  };
  const stored = groupBy(
    await storedPromises(
      tx,
      fresh.map((line) => line.lineId),
    ),
    (row) => row.lineId,
  );
  return candidates.flatMap((work) => {
    const promised = freshOf.get(work.orderId)?.[0]?.promised ?? null;
    if (!locked.has(work.orderId) || !stable(work.orderId) || !changed(work, promised, stored, before)) {
      return [];
    }
    return [{ work, previous: before?.has(work.orderId) ? (before.get(work.orderId) ?? null) : promised }];
  });
}

/** Writes the orders' promises and dates, and appends each order's event. */
async function write(
  deps: Pick<OrderDeps, 'clock'>,
  tx: Executor,
  writes: Array<{ work: Worked; previous: string | null }>,
  reason: PromiseChangeReason,
): Promise<void> {
  const works = writes.map(({ work }) => work);
  await replacePromises(
    tx,
    works.flatMap((work) => work.lineIds),
    works.flatMap((work) => work.rows),
  );
  await setPromisedDates(
    tx,
    works.map((work) => ({ orderId: work.orderId, date: work.date })),
    deps.clock.now(),
  );
  const states = await loadOrders(
    tx,
    works.map((work) => work.orderId),
  );
  const byOrder = new Map(writes.map((written) => [written.work.orderId, written]));
  const events = states.flatMap((state) => {
    const written = byOrder.get(state.order.id);
    // The worker's pass names the overdue shipment when that is what moved the promise.
    const why = written?.work.overdue && reason === 'queue_changed' ? 'inbound_overdue' : reason;
    return promiseEvent(presentOrder(state), written?.previous ?? null, why) ?? [];
  });
  await appendEvents(tx, events);
}

/**
 * Works out again the promises of the orders waiting for these products, after what they are
 * promised from changed (a shipment announced, rescheduled, received or cancelled; an order filled,
 * cancelled or jumping the queue; a date passed), in the caller's transaction. Only orders whose
 * promise changed are written; they are locked SKIP LOCKED, so this never waits on an order (nor
 * deadlocks behind one) and any order busy elsewhere is left for the backorder worker's next pass.
 * Returns how many orders were written.
 */
export async function repromise(
  deps: Pick<OrderDeps, 'routing' | 'clock'>,
  tx: Executor,
  productIds: number[],
  options: RepromiseOptions,
): Promise<number> {
  if (productIds.length === 0) {
    return 0;
  }
  await forgetSettledPromises(tx, productIds);
  const snapshot = await waitingLines(tx, { productIds });
  const { worked, stored } = await workOut(deps, tx, new Set(productIds), snapshot);
  const promised = new Map(snapshot.map((line) => [line.orderId, line.promised]));
  const candidates = worked.filter((work) =>
    changed(work, promised.get(work.orderId) ?? null, stored, options.before),
  );
  const writes = await lockChanged(tx, candidates, snapshot, options.before);
  if (writes.length > 0) {
    await write(deps, tx, writes, options.reason);
  }
  return writes.length;
}
