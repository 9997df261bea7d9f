import { sql } from 'drizzle-orm';
import { inTransaction } from '../../db/transaction.js';
import { nudged } from '../../workers/nudge.js';
import type { OrderDeps } from './deps.js';
import { loadOrders } from './order-store.js';
import { settleAgain } from './resettle.js';

// Advisory-lock namespace for "one allocator per product at a time", across replicas.
const lockNamespace = 0x0bd0_0002;

export type BackorderAllocator = ReturnType<typeof createBackorderAllocator>;

/**
 * Fills backordered lines when stock arrives: per product, orders are served highest priority
 * first, then oldest, until the stock runs out. One replica works a product at a time (an advisory
 * lock); orders being changed elsewhere are skipped and picked up on the next run.
 */
export function createBackorderAllocator(
  deps: Pick<OrderDeps, 'db' | 'clock' | 'routing' | 'log' | 'allocated'>,
) {
  const { db, log, allocated } = deps;
  async function allocateProduct(productId: number): Promise<number> {
    return inTransaction(db, async (tx) => {
      const lock = await tx.execute<{ ok: boolean }>(
        sql`SELECT pg_try_advisory_xact_lock(${lockNamespace}, (${productId} % 2147483647)::int) AS ok`,
      );
      if (!lock.rows[0]?.ok) {
        return 0;
      }
      const waiting = await tx.execute<{ id: string }>(sql`
        SELECT o.id FROM orders o
         WHERE o.status = 'backordered'
           AND EXISTS (SELECT 1 FROM order_lines ol
                        WHERE ol.order_id = o.id AND ol.product_id = ${productId} AND ol.quantity_backordered > 0)
         ORDER BY o.priority DESC, o.placed_at, o.number
         LIMIT 200
           FOR UPDATE SKIP LOCKED`);
      let filled = 0;
      for (const { id } of waiting.rows) {
        const [state] = await loadOrders(tx, [id]);
        if (!state) {
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
    });
  }

  /** One pass over every product with backorders; returns how many orders gained stock. */
  async function run(): Promise<number> {
    const products = await db.execute<{ product_id: string }>(sql`
      SELECT DISTINCT ol.product_id FROM order_lines ol JOIN orders o ON o.id = ol.order_id
       WHERE ol.quantity_backordered > 0 AND o.status = 'backordered'`);
    let filled = 0;
    for (const row of products.rows) {
      filled += await allocateProduct(Number(row.product_id));
    }
    if (filled > 0) {
      allocated?.();
    }
    return filled;
  }

  return { run, ...nudged('backorders', run, log) };
}
