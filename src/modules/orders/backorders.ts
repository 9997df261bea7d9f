import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { inTransaction } from '../../db/transaction.js';
import { nudged } from '../../workers/nudge.js';
import { type ArrivalQueue, fillInOrder, lockForArrival } from './arrivals.js';
import type { OrderDeps } from './deps.js';
import type { PromiseChangeReason } from './order-events.js';
import { repromise } from './repromise.js';

// Advisory-lock namespace for "one allocator per product at a time", across replicas.
const lockNamespace = 0x0bd0_0002;

export type BackorderAllocator = ReturnType<typeof createBackorderAllocator>;

/**
 * Fills backordered lines when stock arrives: per product, orders are served highest priority
 * first, then oldest, until the stock runs out. One replica works a product at a time (an advisory
 * lock); orders being changed elsewhere are skipped and picked up on the next run. What still waits
 * is then promised again from incoming stock.
 */
export function createBackorderAllocator(
  deps: Pick<OrderDeps, 'db' | 'clock' | 'routing' | 'log' | 'allocated'>,
) {
  const { db, log, allocated } = deps;
  /** Fills the product's waiting orders; `promised`: some of them are, or could be, promised incoming units. */
  async function allocateProduct(productId: number, promised: boolean): Promise<number> {
    return inTransaction(db, async (tx) => {
      const lock = await tx.execute<{ ok: boolean }>(
        sql`SELECT pg_try_advisory_xact_lock(${lockNamespace}, (${productId} % 2147483647)::int) AS ok`,
      );
      if (!lock.rows[0]?.ok) {
        return 0;
      }
      const waiting = await tx.execute<{ id: string; promised: string | null }>(sql`
        SELECT o.id, to_char(o.promised_delivery_date, 'YYYY-MM-DD') AS promised FROM orders o
         WHERE o.status = 'backordered'
           AND EXISTS (SELECT 1 FROM order_lines ol
                        WHERE ol.order_id = o.id AND ol.product_id = ${productId} AND ol.quantity_backordered > 0)
         ORDER BY o.priority DESC, o.placed_at, o.number
         LIMIT 200
           FOR NO KEY UPDATE SKIP LOCKED`);
      const filled = await fillInOrder(
        deps,
        tx,
        waiting.rows.map((row) => row.id),
      );
      // What still waits is promised again: fills, cancellations, orders jumping the queue and expected
      // dates passing all change who is promised which incoming units.
      if (promised || filled > 0) {
        await repromise(deps, tx, [productId], {
          reason: 'queue_changed',
          before: new Map(waiting.rows.map((row) => [row.id, row.promised])),
        });
      }
      return filled;
    });
  }

  /** One pass over every product with backorders; returns how many orders gained stock. */
  async function run(): Promise<number> {
    // Products with nothing incoming and no waiting order promised a date need no re-promise.
    const products = await db.execute<{ product_id: string; promised: boolean }>(sql`
      SELECT ol.product_id,
             bool_or(o.promised_delivery_date IS NOT NULL)
               OR EXISTS (SELECT 1 FROM inbound_shipment_lines il
                            JOIN inbound_shipments s ON s.id = il.inbound_shipment_id AND s.status IN ('expected', 'in_transit')
                           WHERE il.product_id = ol.product_id AND il.quantity > il.quantity_received) AS promised
        FROM order_lines ol JOIN orders o ON o.id = ol.order_id
       WHERE ol.quantity_backordered > 0 AND o.status = 'backordered'
       GROUP BY ol.product_id`);
    let filled = 0;
    for (const row of products.rows) {
      filled += await allocateProduct(Number(row.product_id), row.promised);
    }
    if (filled > 0) {
      allocated?.();
    }
    return filled;
  }

  return {
    run,
    ...nudged('backorders', run, log),
    /** For a receipt: locks the orders waiting for its units, then the stock (see `lockForArrival`). */
    lockForArrival,
    /** Allocates a receipt's queue, in its order; returns how many orders gained stock. */
    fillArrival: (tx: Executor, queue: ArrivalQueue) => fillInOrder(deps, tx, queue.orderIds),
    /** Promises the orders waiting for these products again (what they are promised from changed). */
    repromise: (tx: Executor, productIds: number[], reason: PromiseChangeReason, queue?: ArrivalQueue) =>
      repromise(deps, tx, productIds, { reason, ...(queue ? { before: queue.promised } : {}) }),
  };
}
