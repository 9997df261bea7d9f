import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { shopifyConnectors, shopifyStockPushes } from '../../db/schema/index.js';

/** The SQL of the stock pushes: coalescing new quantities, claiming due rows, recording what was sent. */

export type PushRow = typeof shopifyStockPushes.$inferSelect;

/** The next `inventory.availability_changed` SKUs of the channel after `cursor` (feed positions). */
export async function changedSkus(
  tx: Executor,
  channel: string,
  cursor: number,
  limit: number,
): Promise<{ skus: string[]; productIds: number[]; last: number }> {
  const result = await tx.execute<{
    skus: string[] | null;
    product_ids: string[] | null;
    last: string | null;
  }>(sql`
    WITH changed AS (
      SELECT position, data->>'sku' AS sku FROM events
       WHERE position > ${cursor} AND type = 'inventory.availability_changed' AND channel = ${channel}
       ORDER BY position LIMIT ${limit})
    SELECT (SELECT array_agg(DISTINCT sku) FROM changed) AS skus,
           (SELECT array_agg(DISTINCT p.id) FROM products p WHERE p.sku IN (SELECT sku FROM changed)) AS product_ids,
           (SELECT max(position) FROM changed) AS last`);
  const row = result.rows[0];
  return {
    skus: row?.skus ?? [],
    productIds: (row?.product_ids ?? []).map(Number),
    last: row?.last === null || row?.last === undefined ? cursor : Number(row.last),
  };
}

/**
 * The latest quantities, coalesced: a row whose quantity changed takes a higher version (so it is due
 * again, and a push of the older version cannot mark it done); an unchanged one stays as it is.
 */
export async function coalesce(
  tx: Executor,
  channelId: number,
  rows: Array<{ sku: string; location: string; quantity: number }>,
): Promise<void> {
  if (rows.length === 0) {
    return;
  }
  await tx
    .insert(shopifyStockPushes)
    .values(rows.map((row) => ({ channelId, ...row, version: 1 })))
    .onConflictDoUpdate({
      target: [shopifyStockPushes.channelId, shopifyStockPushes.sku, shopifyStockPushes.location],
      set: {
        quantity: sql`excluded.quantity`,
        version: sql`${shopifyStockPushes.version} + 1`,
        updatedAt: sql`now()`,
      },
      setWhere: sql`${shopifyStockPushes.quantity} <> excluded.quantity`,
    });
}

export async function advanceCursor(tx: Executor, channelId: number, position: number): Promise<void> {
  await tx
    .update(shopifyConnectors)
    .set({ stockCursor: sql`greatest(${shopifyConnectors.stockCursor}, ${position})` })
    .where(sql`${shopifyConnectors.channelId} = ${channelId}`);
}

/**
 * The connector's cursor and location map, locked for this transaction (a change of the map waits for
 * it, so the map read here is the one the changes are collected for); undefined when another process
 * holds it.
 */
export async function lockCursor(
  tx: Executor,
  channelId: number,
): Promise<{ cursor: number; locations: Record<string, string> } | undefined> {
  const result = await tx.execute<{ stock_cursor: string; locations: Record<string, string> }>(
    sql`SELECT stock_cursor, locations FROM shopify_connectors WHERE channel_id = ${channelId} FOR UPDATE SKIP LOCKED`,
  );
  const row = result.rows[0];
  return row ? { cursor: Number(row.stock_cursor), locations: row.locations } : undefined;
}

/**
 * Takes the connector's push lease (one pusher per store across replicas) unless Shopify asked to
 * wait; false when another process holds it or the pause has not ended.
 */
export async function takeLease(tx: Executor, channelId: number, now: Date): Promise<boolean> {
  const result = await tx.execute(sql`
    UPDATE shopify_connectors SET push_lease_until = now() + interval '2 minutes'
     WHERE channel_id = ${channelId}
       AND (push_lease_until IS NULL OR push_lease_until < now())
       AND (push_paused_until IS NULL OR push_paused_until <= ${now.toISOString()}::timestamptz)`);
  return (result.rowCount ?? 0) > 0;
}

export async function endLease(
  tx: Executor,
  channelId: number,
  outcome: { pausedUntil: Date | null; error: string | null; pushed: boolean; now: Date },
): Promise<void> {
  await tx
    .update(shopifyConnectors)
    .set({
      pushLeaseUntil: null,
      pushPausedUntil: outcome.pausedUntil,
      ...(outcome.pushed ? { lastPushAt: outcome.now } : {}),
      ...(outcome.error ? { lastError: outcome.error, lastErrorAt: outcome.now } : {}),
    })
    .where(sql`${shopifyConnectors.channelId} = ${channelId}`);
}

export async function dueRows(tx: Executor, channelId: number, limit: number): Promise<PushRow[]> {
  return tx
    .select()
    .from(shopifyStockPushes)
    .where(
      sql`${shopifyStockPushes.channelId} = ${channelId} AND ${shopifyStockPushes.version} > ${shopifyStockPushes.pushedVersion}`,
    )
    .orderBy(shopifyStockPushes.updatedAt, shopifyStockPushes.sku, shopifyStockPushes.location)
    .limit(limit);
}

export async function rememberItems(
  tx: Executor,
  channelId: number,
  items: Map<string, string>,
): Promise<void> {
  for (const [sku, id] of items) {
    await tx
      .update(shopifyStockPushes)
      .set({ inventoryItemId: id })
      .where(sql`${shopifyStockPushes.channelId} = ${channelId} AND ${shopifyStockPushes.sku} = ${sku}`);
  }
}

/** Marks the versions sent as pushed; a row that changed since keeps its newer version due. */
export async function markPushed(
  tx: Executor,
  channelId: number,
  rows: Array<Pick<PushRow, 'sku' | 'location' | 'version'>>,
  error: string | null = null,
): Promise<void> {
  if (rows.length === 0) {
    return;
  }
  await tx.execute(sql`
    UPDATE shopify_stock_pushes p
       SET pushed_version = s.version, last_error = ${error}
      FROM unnest(${sql.param(rows.map((r) => r.sku))}::text[], ${sql.param(rows.map((r) => r.location))}::text[],
                  ${sql.param(rows.map((r) => r.version))}::bigint[]) AS s(sku, location, version)
     WHERE p.channel_id = ${channelId} AND p.sku = s.sku AND p.location = s.location
       AND p.pushed_version < s.version`);
}

/**
 * Queues every quantity `stock` selects (sku, location, available), due whatever was queued or pushed
 * before: a newly mapped Shopify location has none of them yet. One INSERT ... SELECT, so the whole
 * catalog never passes through memory; a later change of a row coalesces with it as usual.
 */
export async function queueAll(tx: Executor, channelId: number, stock: SQL): Promise<void> {
  await tx.execute(sql`
    INSERT INTO shopify_stock_pushes (channel_id, sku, location, quantity, version)
    SELECT ${channelId}, s.sku, s.location, s.available, 1 FROM (${stock}) s
    ON CONFLICT (channel_id, sku, location) DO UPDATE
       SET quantity = excluded.quantity, version = shopify_stock_pushes.version + 1, updated_at = now()`);
}

/** Forgets queued quantities of locations no longer mapped: there is no Shopify location to set them at. */
export async function dropUnmapped(tx: Executor, channelId: number, mapped: string[]): Promise<void> {
  await tx.execute(sql`
    DELETE FROM shopify_stock_pushes
     WHERE channel_id = ${channelId} AND location <> ALL(${sql.param(mapped)}::text[])`);
}

/** The feed position up to which a full push taken now covers every availability change. */
export async function feedPosition(tx: Executor): Promise<number> {
  const result = await tx.execute<{ position: string | null }>(
    sql`SELECT max(position) AS position FROM events`,
  );
  return Number(result.rows[0]?.position ?? 0);
}
