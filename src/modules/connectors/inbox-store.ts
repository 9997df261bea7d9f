import { and, desc, eq, isNull, lt } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { shopifyDeliveries, shopifyInbox } from '../../db/schema/index.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import type { InboxEntry } from './connectors.schemas.js';

/** The SQL of delivery bookkeeping: applied delivery keys and the dead-letter inbox. */

const maxKeptBody = 65_536;

export async function wasApplied(tx: Executor, channelId: number, deliveryKey: string): Promise<boolean> {
  const [row] = await tx
    .select({ key: shopifyDeliveries.deliveryKey })
    .from(shopifyDeliveries)
    .where(and(eq(shopifyDeliveries.channelId, channelId), eq(shopifyDeliveries.deliveryKey, deliveryKey)));
  return row !== undefined;
}

export async function recordApplied(
  tx: Executor,
  delivery: { channelId: number; deliveryKey: string; topic: string; outcome: string },
): Promise<void> {
  await tx.insert(shopifyDeliveries).values(delivery).onConflictDoNothing();
}

export async function keepInInbox(
  tx: Executor,
  entry: { channelId: number; topic: string | null; webhookId: string | null; reason: string; body: Buffer },
): Promise<number> {
  const [row] = await tx
    .insert(shopifyInbox)
    .values({
      channelId: entry.channelId,
      topic: entry.topic,
      webhookId: entry.webhookId,
      reason: entry.reason.slice(0, 2000),
      body: entry.body.subarray(0, maxKeptBody).toString('utf8').replaceAll('\u0000', ''),
    })
    .returning({ id: shopifyInbox.id });
  return row?.id ?? 0;
}

/** The inbox newest first. */
export async function listInbox(
  tx: Executor,
  channelId: number,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<InboxEntry>> {
  const after = decodeCursor(query.cursor, ['number']);
  const rows = await tx
    .select()
    .from(shopifyInbox)
    .where(
      and(eq(shopifyInbox.channelId, channelId), after ? lt(shopifyInbox.id, Number(after[0])) : undefined),
    )
    .orderBy(desc(shopifyInbox.id))
    .limit(query.limit + 1);
  return toPage(rows, query.limit, (row) => [row.id], presentEntry);
}

/** Marks an entry of the channel's inbox dismissed (once: a second dismissal keeps the first time). */
export async function dismissEntry(
  tx: Executor,
  channelId: number,
  id: number,
  dismissed: { by: string | null; at: Date },
): Promise<InboxEntry | undefined> {
  await tx
    .update(shopifyInbox)
    .set({ dismissedAt: dismissed.at, dismissedBy: dismissed.by })
    .where(
      and(eq(shopifyInbox.channelId, channelId), eq(shopifyInbox.id, id), isNull(shopifyInbox.dismissedAt)),
    );
  const [row] = await tx
    .select()
    .from(shopifyInbox)
    .where(and(eq(shopifyInbox.channelId, channelId), eq(shopifyInbox.id, id)));
  return row === undefined ? undefined : presentEntry(row);
}

function presentEntry(row: typeof shopifyInbox.$inferSelect): InboxEntry {
  return {
    id: row.id,
    topic: row.topic,
    webhook_id: row.webhookId,
    reason: row.reason,
    body: row.body,
    received_at: row.receivedAt.toISOString(),
    dismissed_at: row.dismissedAt?.toISOString() ?? null,
  };
}
