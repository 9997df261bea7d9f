import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { shopifyOrders } from '../../db/schema/index.js';
import type { ShopifyContent } from './shopify-content.js';

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
 * Records that the Shopify order's state as of `updatedAt` was applied (with its content, when given).
 * Returns false when a newer one was applied meanwhile (a late delivery lost the race): the row keeps
 * the newest time.
 */
export async function recordKnown(
  tx: Executor,
  known: {
    channelId: number;
    shopifyOrderId: string;
    orderId: string | null;
    updatedAt: Date;
    content?: ShopifyContent;
  },
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
      appliedContent: known.content ?? null,
    })
    .onConflictDoUpdate({
      target: [shopifyOrders.channelId, shopifyOrders.shopifyOrderId],
      set: {
        orderId: sql`coalesce(${shopifyOrders.orderId}, excluded.order_id)`,
        appliedUpdatedAt: sql`greatest(${shopifyOrders.appliedUpdatedAt}, excluded.applied_updated_at)`,
        cancelledAt: sql`coalesce(${shopifyOrders.cancelledAt}, excluded.cancelled_at)`,
        appliedContent: sql`coalesce(excluded.applied_content, ${shopifyOrders.appliedContent})`,
      },
      setWhere: sql`${shopifyOrders.appliedUpdatedAt} <= excluded.applied_updated_at OR ${shopifyOrders.orderId} IS NULL`,
    })
    .returning({ at: shopifyOrders.appliedUpdatedAt });
  return rows.length > 0;
}

type Key = { channelId: number; shopifyOrderId: string };
const keyOf = (key: Key) =>
  and(eq(shopifyOrders.channelId, key.channelId), eq(shopifyOrders.shopifyOrderId, key.shopifyOrderId));

/** Keeps the content the update of `updatedAt` applied, unless a newer update was taken meanwhile. */
export async function recordContent(
  tx: Executor,
  key: Key,
  updatedAt: Date,
  content: ShopifyContent,
): Promise<void> {
  await tx
    .update(shopifyOrders)
    .set({ appliedContent: content })
    .where(and(keyOf(key), eq(shopifyOrders.appliedUpdatedAt, updatedAt)));
}

/**
 * Gives back the claim of an update that failed before it was applied (the database was busy, say), so
 * Shopify's retry of it is applied rather than ignored as already seen. A newer claim stays.
 */
export async function releaseClaim(tx: Executor, key: Key, claimed: Date, previous: Date): Promise<void> {
  await tx
    .update(shopifyOrders)
    .set({ appliedUpdatedAt: previous })
    .where(and(keyOf(key), eq(shopifyOrders.appliedUpdatedAt, claimed)));
}
