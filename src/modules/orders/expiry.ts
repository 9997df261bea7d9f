import { sql } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import { inTransaction } from '../../db/transaction.js';
import { linesWithExpiredReservations, releaseExpired } from '../allocation/index.js';
import { appendEvents } from '../events/index.js';
import { loadOrders, writeLineQuantities } from './order-store.js';
import { presentOrder } from './order-view.js';

/**
 * Releases the reservations of held orders once their channel's hold time has passed, so stock does
 * not wait forever on an order nobody decides on. The order keeps its holds; releasing the last one
 * re-takes the stock. Orders locked elsewhere are skipped until the next run.
 */
export async function releaseExpiredReservations(db: Db, clock: Clock, batch = 100): Promise<number> {
  const now = clock.now();
  const lineIds = await linesWithExpiredReservations(db, now, batch);
  const due = await db.execute<{ order_id: string }>(sql`
    SELECT DISTINCT order_id FROM order_lines WHERE id = ANY(${sql.param(lineIds)}::bigint[])`);
  let released = 0;
  for (const { order_id: orderId } of due.rows) {
    released += await inTransaction(db, async (tx) => {
      const locked = await tx.execute(
        sql`SELECT 1 FROM orders WHERE id = ${orderId} FOR NO KEY UPDATE SKIP LOCKED`,
      );
      const [state] = locked.rows.length === 0 ? [] : await loadOrders(tx, [orderId]);
      if (!state) {
        return 0;
      }
      const freed = await releaseExpired(
        tx,
        state.lines.map((line) => line.id),
        now,
      );
      const lines = state.lines.map((line) => ({
        ...line,
        quantityAllocated:
          line.quantityAllocated -
          freed.filter((r) => r.orderLineId === line.id).reduce((sum, r) => sum + r.quantity, 0),
      }));
      await writeLineQuantities(tx, lines);
      const [after] = await loadOrders(tx, [orderId]);
      if (after) {
        await appendEvents(tx, [
          {
            type: 'order.updated',
            resourceType: 'order',
            resourceId: orderId,
            channel: after.channel,
            data: { change: 'reservations_expired', order: presentOrder(after) },
          },
        ]);
      }
      return freed.length;
    });
  }
  return released;
}
