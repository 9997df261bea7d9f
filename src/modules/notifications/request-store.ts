import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import type { NotificationDelivery } from '../../db/schema/notifications.js';
import type { Customer } from '../../db/schema/orders.js';
import type { FeedEvent } from './milestones.js';

/** The SQL the notifications worker reads the feed and the orders with, and writes its cursor with. */

/** The cursor, locked for this transaction; undefined while another process holds it (it runs a pass). */
export async function lockCursor(tx: Executor): Promise<number | undefined> {
  await tx.execute(sql`
    INSERT INTO notification_cursor (id, position)
    SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM notification_cursor WHERE id = 1)
    ON CONFLICT (id) DO NOTHING`);
  const result = await tx.execute<{ position: string }>(
    sql`SELECT position FROM notification_cursor WHERE id = 1 FOR UPDATE SKIP LOCKED`,
  );
  const row = result.rows[0];
  return row === undefined ? undefined : Number(row.position);
}

export async function advanceCursor(tx: Executor, position: number): Promise<void> {
  await tx.execute(
    sql`UPDATE notification_cursor SET position = ${position}, updated_at = now() WHERE id = 1`,
  );
}

export interface FeedBatch {
  events: FeedEvent[];
  /** Where the cursor goes once the batch is handled: every event up to it has been examined. */
  upTo: number;
}

/**
 * The events of `types` numbered after `after`, in feed order, at most `limit`. Positions handed out
 * later are always higher than any visible now (the sequencer's promise), so nothing is skipped.
 */
export async function readFeedBatch(
  tx: Executor,
  after: number,
  types: readonly string[],
  limit: number,
): Promise<FeedBatch> {
  // With `after` a parameter, the statement is prepared once: events has a partition per month to plan for.
  const head = await tx.execute<{ head: string | null }>(
    sql`SELECT max(position) AS head FROM events WHERE position > ${after}`,
  );
  const upTo = Number(head.rows[0]?.head ?? after);
  if (upTo <= after) {
    return { events: [], upTo: after };
  }
  const result = await tx.execute<FeedEvent & { position: string }>(sql`
    SELECT id, type, data, position FROM events
     WHERE position > ${after} AND position <= ${upTo} AND type = ANY(${sql.param(types)}::text[])
     ORDER BY position
     LIMIT ${limit + 1}`);
  const more = result.rows.length > limit;
  const rows = result.rows.slice(0, limit);
  const last = rows.at(-1);
  return { events: rows, upTo: more && last ? Number(last.position) : upTo };
}

/** What a notification needs of its order, its channel and the channel's settings. */
export type OrderContext = {
  id: string;
  number: number;
  channel_id: number;
  channel: string;
  status: string;
  customer: Customer;
  currency: string;
  total: number;
  placed_at: string;
  promised_delivery_date: string | null;
  lines: Array<{ sku: string; name: string | null; quantity: number }>;
  delivery: NotificationDelivery;
  default_locale: string;
};

export async function orderContexts(tx: Executor, orderIds: string[]): Promise<Map<string, OrderContext>> {
  if (orderIds.length === 0) {
    return new Map();
  }
  const result = await tx.execute<OrderContext>(sql`
    SELECT o.id, o.number::int AS number, o.channel_id::int AS channel_id, c.code AS channel, o.status,
           o.customer, o.currency, o.total::int AS total, o.placed_at,
           o.promised_delivery_date::text AS promised_delivery_date,
           coalesce(s.delivery, 'event') AS delivery, coalesce(s.default_locale, 'en') AS default_locale,
           coalesce((SELECT json_agg(json_build_object('sku', l.sku, 'name', p.name, 'quantity', l.quantity)
                                     ORDER BY l.line_number)
                       FROM order_lines l LEFT JOIN products p ON p.id = l.product_id
                      WHERE l.order_id = o.id AND l.kit_line_number IS NULL), '[]') AS lines
      FROM orders o
      JOIN channels c ON c.id = o.channel_id
      LEFT JOIN notification_settings s ON s.channel_id = o.channel_id
     WHERE o.id = ANY(${sql.param(orderIds)}::uuid[])`);
  return new Map(result.rows.map((row) => [row.id, row]));
}

/**
 * Open orders whose promised delivery date is over (its day has ended in the time zone of the
 * location shipping the order, the first shipment's; UTC before there is one) and about which the
 * customer has not yet been told for that date.
 */
export async function overdueOrders(
  tx: Executor,
  now: Date,
  limit: number,
): Promise<Array<{ id: string; promised: string }>> {
  const result = await tx.execute<{ id: string; promised: string }>(sql`
    SELECT o.id, o.promised_delivery_date::text AS promised
      FROM orders o
     WHERE o.promised_delivery_date IS NOT NULL
       AND o.promised_delivery_date < (${now.toISOString()}::timestamptz AT TIME ZONE 'UTC')::date + 1
       AND o.status IN ('validated', 'backordered', 'allocated', 'released', 'partially_shipped', 'shipped')
       AND ((o.promised_delivery_date + 1)::timestamp AT TIME ZONE coalesce(
             (SELECT l.time_zone FROM shipments s JOIN locations l ON l.id = s.location_id
               WHERE s.order_id = o.id ORDER BY s.created_at, s.id LIMIT 1), 'UTC'))
           <= ${now.toISOString()}::timestamptz
       AND NOT EXISTS (SELECT 1 FROM notifications n
                        WHERE n.order_id = o.id AND n.milestone = 'order_delayed'
                          AND n.subject = o.promised_delivery_date::text)
     ORDER BY o.promised_delivery_date, o.id
     LIMIT ${limit}`);
  return result.rows;
}
