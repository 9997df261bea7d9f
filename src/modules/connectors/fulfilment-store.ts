import { and, count, desc, eq, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { shopifyConnectors, shopifyFulfilments, shopifyOrders } from '../../db/schema/index.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import type { Fulfilment, FulfilmentListQuery } from './connectors.schemas.js';

/**
 * The SQL of fulfilments out: turning shipped shipments into rows, claiming due rows, recording outcomes,
 * and listing and requeueing them for a person.
 */

export type FulfilmentRow = typeof shopifyFulfilments.$inferSelect;

/** How long a claimed row is left alone (a crashed worker's claim comes back after it). */
const claimSeconds = 120;

/** The connector's fulfilment cursor, locked for this transaction; undefined when another process holds it. */
export async function lockFulfilmentCursor(tx: Executor, channelId: number): Promise<number | undefined> {
  const result = await tx.execute<{ fulfilment_cursor: string }>(
    sql`SELECT fulfilment_cursor FROM shopify_connectors WHERE channel_id = ${channelId} FOR UPDATE SKIP LOCKED`,
  );
  const row = result.rows[0];
  return row ? Number(row.fulfilment_cursor) : undefined;
}

/**
 * A shipment's lines as Shopify knows them: a kit is one line item, so its components' units become
 * the whole kits they make in this shipment (none when a component of the kit is not in it).
 */
const shopifyLines = (lines: SQL) => sql`
  SELECT coalesce(kit.sku, l->>'sku') AS sku,
         CASE WHEN kit.id IS NULL THEN sum((l->>'quantity')::int)
              WHEN count(*) < (SELECT count(*) FROM order_lines c
                                WHERE c.order_id = kit.order_id AND c.kit_line_number = kit.line_number) THEN 0
              ELSE min((l->>'quantity')::int / ol.units_per_kit)
         END AS quantity
    FROM jsonb_array_elements(${lines}) l
    LEFT JOIN order_lines ol ON ol.id = (l->>'order_line_id')::bigint AND ol.kit_line_number IS NOT NULL
    LEFT JOIN order_lines kit ON kit.order_id = ol.order_id AND kit.line_number = ol.kit_line_number
   GROUP BY coalesce(kit.sku, l->>'sku'), kit.id`;

/**
 * The channel's `shipment.shipped` events after `cursor` (feed positions) of orders that came from
 * Shopify become one pending row per shipment (a second event of the same shipment changes nothing);
 * the cursor moves in the same statement's transaction. Returns the rows added and the new cursor.
 */
export async function collectShipped(
  tx: Executor,
  connector: { channelId: number; channel: string },
  cursor: number,
  limit: number,
): Promise<{ added: number; last: number }> {
  const result = await tx.execute<{ added: string; last: string | null }>(sql`
    WITH shipped AS (
      SELECT position, data->'shipment' AS shipment FROM events
       WHERE position > ${cursor} AND type = 'shipment.shipped' AND channel = ${connector.channel}
       ORDER BY position LIMIT ${limit}),
    added AS (
      INSERT INTO shopify_fulfilments
             (shipment_id, channel_id, shopify_order_id, lines, carrier, tracking_number, tracking_url)
      SELECT (s.shipment->>'id')::uuid, ${connector.channelId}, o.shopify_order_id,
             coalesce((SELECT jsonb_agg(jsonb_build_object('sku', x.sku, 'quantity', x.quantity))
                         FROM (${shopifyLines(sql`s.shipment->'lines'`)}) x WHERE x.quantity > 0), '[]'::jsonb),
             s.shipment->>'carrier', s.shipment->>'tracking_number', s.shipment->>'tracking_url'
        FROM shipped s
        JOIN shopify_orders o ON o.channel_id = ${connector.channelId}
                             AND o.order_id = (s.shipment->>'order_id')::uuid
      ON CONFLICT (shipment_id) DO NOTHING
      RETURNING 1)
    SELECT (SELECT count(*) FROM added) AS added, (SELECT max(position) FROM shipped) AS last`);
  const row = result.rows[0];
  const last = row?.last === null || row?.last === undefined ? cursor : Number(row.last);
  await tx
    .update(shopifyConnectors)
    .set({ fulfilmentCursor: sql`greatest(${shopifyConnectors.fulfilmentCursor}, ${last})` })
    .where(eq(shopifyConnectors.channelId, connector.channelId));
  return { added: Number(row?.added ?? 0), last };
}

/**
 * Claims the channel's due rows (one statement, `SKIP LOCKED`): their next attempt moves out by the
 * claim time, so another replica does not take them while this one calls Shopify.
 */
export async function claimDue(
  tx: Executor,
  channelId: number,
  now: Date,
  limit: number,
): Promise<FulfilmentRow[]> {
  const result = await tx.execute<{ shipment_id: string }>(sql`
    UPDATE shopify_fulfilments SET next_attempt_at = ${now.toISOString()}::timestamptz + ${`${claimSeconds} seconds`}::interval,
           attempts = attempts + 1, updated_at = now()
     WHERE shipment_id IN (
       SELECT shipment_id FROM shopify_fulfilments
        WHERE channel_id = ${channelId} AND status = 'pending'
          AND next_attempt_at <= ${now.toISOString()}::timestamptz
        ORDER BY next_attempt_at, shipment_id
        LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING shipment_id`);
  const ids = result.rows.map((row) => row.shipment_id);
  if (ids.length === 0) {
    return [];
  }
  return tx
    .select()
    .from(shopifyFulfilments)
    .where(sql`${shopifyFulfilments.shipmentId} = ANY(${sql.param(ids)}::uuid[])`)
    .orderBy(shopifyFulfilments.nextAttemptAt);
}

/** Shopify took it (or already had it): done, with the fulfilment's GID. */
export async function markCreated(tx: Executor, shipmentId: string, fulfillmentId: string): Promise<void> {
  await tx
    .update(shopifyFulfilments)
    .set({ status: 'created', shopifyFulfillmentId: fulfillmentId, lastError: null, updatedAt: sql`now()` })
    .where(eq(shopifyFulfilments.shipmentId, shipmentId));
}

/** Try again at `retryAt`, or give up (`failed`) when it is null. */
export async function markAttemptFailed(
  tx: Executor,
  shipmentId: string,
  error: string,
  retryAt: Date | null,
): Promise<void> {
  await tx
    .update(shopifyFulfilments)
    .set({
      lastError: error.slice(0, 500),
      updatedAt: sql`now()`,
      ...(retryAt === null ? { status: 'failed' as const } : { nextAttemptAt: retryAt }),
    })
    .where(eq(shopifyFulfilments.shipmentId, shipmentId));
}

/**
 * Rows a pause (THROTTLED, 429, 5xx, a low bucket) left claimed are due again at its end. `tried` is
 * the row whose call failed (its attempt counts, with `error`); the others were not tried, so their
 * claim does not count as an attempt.
 */
export async function postpone(
  tx: Executor,
  rows: { tried: string | null; untried: string[] },
  until: Date,
  error: string | null,
): Promise<void> {
  if (rows.tried !== null) {
    await tx
      .update(shopifyFulfilments)
      .set({ nextAttemptAt: until, lastError: (error ?? '').slice(0, 500), updatedAt: sql`now()` })
      .where(and(eq(shopifyFulfilments.shipmentId, rows.tried), eq(shopifyFulfilments.status, 'pending')));
  }
  if (rows.untried.length > 0) {
    await tx
      .update(shopifyFulfilments)
      .set({ nextAttemptAt: until, attempts: sql`greatest(${shopifyFulfilments.attempts} - 1, 0)` })
      .where(
        and(
          sql`${shopifyFulfilments.shipmentId} = ANY(${sql.param(rows.untried)}::uuid[])`,
          eq(shopifyFulfilments.status, 'pending'),
        ),
      );
  }
}

export async function fulfilmentCounts(
  tx: Executor,
  channelId: number,
): Promise<{ pending: number; failed: number }> {
  const rows = await tx
    .select({ status: shopifyFulfilments.status, n: count() })
    .from(shopifyFulfilments)
    .where(eq(shopifyFulfilments.channelId, channelId))
    .groupBy(shopifyFulfilments.status);
  const of = (status: string) => rows.find((row) => row.status === status)?.n ?? 0;
  return { pending: of('pending'), failed: of('failed') };
}

const presentFulfilment = (row: FulfilmentRow, orderId: string | null): Fulfilment => ({
  shipment_id: row.shipmentId,
  order_id: orderId,
  shopify_order_id: row.shopifyOrderId,
  status: row.status,
  attempts: row.attempts,
  last_error: row.lastError,
  shopify_fulfillment_id: row.shopifyFulfillmentId,
  next_attempt_at: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

/** The rows with their Ordo order, and `created_at` to the microsecond for a cursor that skips no row. */
const listedRows = (tx: Executor) =>
  tx
    .select({
      row: shopifyFulfilments,
      orderId: shopifyOrders.orderId,
      position: sql<string>`to_char(${shopifyFulfilments.createdAt} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(shopifyFulfilments)
    .leftJoin(
      shopifyOrders,
      and(
        eq(shopifyOrders.channelId, shopifyFulfilments.channelId),
        eq(shopifyOrders.shopifyOrderId, shopifyFulfilments.shopifyOrderId),
      ),
    );

/** The channel's fulfilments newest first, of one status or all. */
export async function listFulfilments(
  tx: Executor,
  channelId: number,
  query: FulfilmentListQuery,
): Promise<Page<Fulfilment>> {
  const after = decodeCursor(query.cursor, ['string', 'string']);
  const rows = await listedRows(tx)
    .where(
      and(
        eq(shopifyFulfilments.channelId, channelId),
        query.status ? eq(shopifyFulfilments.status, query.status) : undefined,
        after
          ? sql`(${shopifyFulfilments.createdAt}, ${shopifyFulfilments.shipmentId}) < (${after[0]}::timestamptz, ${after[1]}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(shopifyFulfilments.createdAt), desc(shopifyFulfilments.shipmentId))
    .limit(query.limit + 1);
  return toPage(
    rows,
    query.limit,
    (found) => [found.position, found.row.shipmentId],
    (found) => presentFulfilment(found.row, found.orderId),
  );
}

/** One fulfilment of the channel, or undefined (unknown, or another channel's). */
export async function findFulfilment(
  tx: Executor,
  channelId: number,
  shipmentId: string,
): Promise<Fulfilment | undefined> {
  const [found] = await listedRows(tx).where(
    and(eq(shopifyFulfilments.channelId, channelId), eq(shopifyFulfilments.shipmentId, shipmentId)),
  );
  return found && presentFulfilment(found.row, found.orderId);
}

/**
 * Puts a failed fulfilment back in the queue, due at `now`, with its attempts counted from 0 again;
 * false when the channel has no failed fulfilment of that shipment.
 */
export async function requeueFailed(
  tx: Executor,
  channelId: number,
  shipmentId: string,
  now: Date,
): Promise<boolean> {
  const requeued = await tx
    .update(shopifyFulfilments)
    .set({ status: 'pending', attempts: 0, nextAttemptAt: now, updatedAt: sql`now()` })
    .where(
      and(
        eq(shopifyFulfilments.channelId, channelId),
        eq(shopifyFulfilments.shipmentId, shipmentId),
        eq(shopifyFulfilments.status, 'failed'),
      ),
    )
    .returning({ id: shopifyFulfilments.shipmentId });
  return requeued.length > 0;
}
