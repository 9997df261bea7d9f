import { sql } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import { inTransaction } from '../../db/transaction.js';
import { release } from '../allocation/allocation.service.js';
import { appendEvents } from '../events/events.service.js';
import { writeLineQuantities } from './allocate.js';
import { lineHolder, loadOrders, presentOrder } from './order-store.js';

/**
 * Releases the reservations of held orders once their channel's hold time has passed, so stock does
 * not wait forever on an order nobody decides on. The order keeps its holds; releasing the last one
 * re-takes the stock. Orders locked elsewhere are skipped until the next run.
 */
export async function releaseExpiredReservations(db: Db, clock: Clock, batch = 100): Promise<number> {
  const now = clock.now();
  const due = await db.execute<{ order_id: string }>(sql`
    SELECT DISTINCT ol.order_id FROM reservations r
      JOIN order_lines ol ON ol.id = substr(r.holder, 12)::bigint
     WHERE r.status = 'active' AND r.expires_at IS NOT NULL AND r.expires_at <= ${now} AND r.holder LIKE 'order_line:%'
     LIMIT ${batch}`);
  let released = 0;
  for (const { order_id: orderId } of due.rows) {
    released += await inTransaction(db, async (tx) => {
      const locked = await tx.execute(sql`SELECT 1 FROM orders WHERE id = ${orderId} FOR UPDATE SKIP LOCKED`);
      const [state] = locked.rows.length === 0 ? [] : await loadOrders(tx, [orderId]);
      if (!state) {
        return 0;
      }
      const expired = await tx.execute<{ id: string }>(sql`
        SELECT id FROM reservations
         WHERE status = 'active' AND expires_at <= ${now}
           AND holder = ANY(${sql.param(state.lines.map((line) => lineHolder(line.id)))}::text[])`);
      const freed = await release(tx, { ids: expired.rows.map((row) => Number(row.id)) });
      const lines = state.lines.map((line) => ({
        ...line,
        quantityAllocated:
          line.quantityAllocated -
          freed.filter((r) => r.holder === lineHolder(line.id)).reduce((sum, r) => sum + r.quantity, 0),
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
