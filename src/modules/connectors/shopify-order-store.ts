import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { shopifyOrders } from '../../db/schema/index.js';

/** The SQL of the Shopify order ids Ordo knows: which order each became and what was last applied. */

export type KnownOrder = typeof shopifyOrders.$inferSelect;

export async function findKnown(
  tx: Executor,
  channelId: number,
  shopifyOrderId: string,
): Promise<KnownOrder | undefined> {
  const [row] = await tx
    .select()
    .from(shopifyOrders)
    .where(and(eq(shopifyOrders.channelId, channelId), eq(shopifyOrders.shopifyOrderId, shopifyOrderId)));
  return row;
}

/**
 * Records that the Shopify order's state as of `updatedAt` was applied. Returns false when a newer one
 * was applied meanwhile (a late delivery lost the race): the row keeps the newest time.
 */
export async function recordKnown(
  tx: Executor,
  known: { channelId: number; shopifyOrderId: string; orderId: string | null; updatedAt: Date },
  cancelledAt: Date | null = null,
): Promise<boolean> {
  const rows = await tx
    .insert(shopifyOrders)
    .values({
      channelId: known.channelId,
      shopifyOrderId: known.shopifyOrderId,
      orderId: known.orderId,
      appliedUpdatedAt: known.updatedAt,
      cancelledAt,
    })
    .onConflictDoUpdate({
      target: [shopifyOrders.channelId, shopifyOrders.shopifyOrderId],
      set: {
        orderId: sql`coalesce(${shopifyOrders.orderId}, excluded.order_id)`,
        appliedUpdatedAt: sql`greatest(${shopifyOrders.appliedUpdatedAt}, excluded.applied_updated_at)`,
        cancelledAt: sql`coalesce(${shopifyOrders.cancelledAt}, excluded.cancelled_at)`,
      },
      setWhere: sql`${shopifyOrders.appliedUpdatedAt} <= excluded.applied_updated_at OR ${shopifyOrders.orderId} IS NULL`,
    })
    .returning({ at: shopifyOrders.appliedUpdatedAt });
  return rows.length > 0;
}
