import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.js';
import { appendEvents } from '../events/index.js';
import { composeNotification, type NewNotification, requestedEvent } from './compose.js';
import type { NotificationDeps } from './deps.js';
import { type Milestone, milestoneEventTypes, milestoneOf } from './milestones.js';
import { advanceCursor, lockCursor, orderContexts, overdueOrders, readFeedBatch } from './request-store.js';

type RequestDeps = Pick<NotificationDeps, 'db' | 'clock' | 'statusLinks'>;

const batchSize = 500;

async function insertNew(tx: Tx, rows: NewNotification[], now: Date): Promise<Set<string>> {
  if (rows.length === 0) {
    return new Set();
  }
  const at = now.toISOString();
  const result = await tx.execute<{ id: string }>(sql`
    INSERT INTO notifications (id, order_id, channel_id, milestone, subject, template, locale, recipient_email,
                               recipient_name, data, status_link, delivery, status, next_attempt_at,
                               created_at, updated_at)
    SELECT r.id, r.order_id, r.channel_id, r.milestone, r.subject, r.template, r.locale, r.recipient_email,
           r.recipient_name, r.data, r.status_link, r.delivery, r.status,
           CASE WHEN r.status = 'pending' THEN ${at}::timestamptz END, ${at}::timestamptz, ${at}::timestamptz
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(
             id uuid, order_id uuid, channel_id bigint, milestone text, subject text, template text,
             locale text, recipient_email text, recipient_name text, data jsonb, status_link text,
             delivery text, status text)
    ON CONFLICT (order_id, milestone, subject) DO NOTHING
    RETURNING id`);
  return new Set(result.rows.map((row) => row.id));
}

/**
 * Writes the notifications of these milestones that do not exist yet (one per order, milestone and
 * subject, whoever else writes at the same time) and appends a `notification.requested` event for
 * each, in the caller's transaction. Returns how many were new.
 */
export async function recordMilestones(deps: RequestDeps, tx: Tx, milestones: Milestone[]): Promise<number> {
  const unique = [...new Map(milestones.map((m) => [`${m.orderId}|${m.template}|${m.subject}`, m])).values()];
  if (unique.length === 0) {
    return 0;
  }
  const orderIds = [...new Set(unique.map((m) => m.orderId))];
  const [orders, links] = [await orderContexts(tx, orderIds), await deps.statusLinks.linksFor(tx, orderIds)];
  const rows = unique.flatMap((milestone) => {
    const order = orders.get(milestone.orderId);
    return order ? [composeNotification(milestone, order, links.get(order.id)?.url ?? null)] : [];
  });
  const now = deps.clock.now();
  const created = await insertNew(tx, rows, now);
  await appendEvents(
    tx,
    rows
      .filter((row) => created.has(row.id))
      .map((row) => ({
        type: 'notification.requested',
        // The order's: the customer's messages show in its timeline; the notification id is in the data.
        resourceType: 'order',
        resourceId: row.order_id,
        channel: row.channel,
        data: requestedEvent(row),
      })),
  );
  return created.size;
}

/**
 * One pass over the feed: the next batch of events after the cursor becomes notifications, and the
 * cursor moves past it, in one transaction. The cursor row is locked (SKIP LOCKED): a replica that finds
 * it taken leaves the batch to the one holding it. Undefined when another process holds it.
 */
function requestPass(deps: RequestDeps): Promise<{ created: number; more: boolean } | undefined> {
  return deps.db.transaction(async (tx) => {
    const cursor = await lockCursor(tx);
    if (cursor === undefined) {
      return undefined;
    }
    const batch = await readFeedBatch(tx, cursor, milestoneEventTypes, batchSize);
    const milestones = batch.events.flatMap((event) => milestoneOf(event) ?? []);
    const created = await recordMilestones(deps, tx, milestones);
    if (batch.upTo > cursor) {
      await advanceCursor(tx, batch.upTo);
    }
    return { created, more: batch.events.length === batchSize };
  });
}

/** Turns every numbered event not yet read into notifications; returns how many were created. */
export async function requestMilestones(deps: RequestDeps): Promise<number> {
  let total = 0;
  for (;;) {
    const pass = await requestPass(deps);
    total += pass?.created ?? 0;
    if (!pass?.more) {
      return total;
    }
  }
}

/** Requests an `order_delayed` notification for each order now past its promised date (once per date). */
export async function requestDelayed(deps: RequestDeps): Promise<number> {
  let total = 0;
  for (;;) {
    const { created, found } = await deps.db.transaction(async (tx) => {
      const overdue = await overdueOrders(tx, deps.clock.now(), batchSize);
      const milestones: Milestone[] = overdue.map((order) => ({
        orderId: order.id,
        template: 'order_delayed',
        subject: order.promised,
        facts: { promise: { promised_delivery_date: order.promised } },
      }));
      return { created: await recordMilestones(deps, tx, milestones), found: overdue.length };
    });
    total += created;
    if (found < batchSize) {
      return total;
    }
  }
}
