import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import type { NotificationStatus } from '../../db/schema/notifications.js';
import type { Caller } from '../../http/caller.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import type { TemplateId } from './builtin-templates.js';
import type { NotificationListFilters, NotificationView } from './notifications.schemas.js';

/** Reading notifications: the operator's list (newest first) and one by id. */

type Row = {
  id: string;
  order_id: string;
  order_number: number;
  channel: string;
  template: TemplateId;
  locale: string;
  recipient_email: string;
  recipient_name: string | null;
  status_link: string | null;
  delivery: 'event' | 'smtp';
  status: NotificationStatus;
  attempts: number;
  next_attempt_at: Date | string | null;
  last_error: string | null;
  message_id: string | null;
  sent_at: Date | string | null;
  data: Record<string, unknown>;
  created_at: Date | string;
  updated_at: Date | string;
};

const iso = (value: Date | string) => new Date(value).toISOString();
const isoOrNull = (value: Date | string | null) => (value === null ? null : iso(value));

const present = (row: Row): NotificationView => ({
  id: row.id,
  order_id: row.order_id,
  order_number: row.order_number,
  channel: row.channel,
  template: row.template,
  locale: row.locale,
  recipient: { email: row.recipient_email, name: row.recipient_name },
  status_link: row.status_link,
  delivery: row.delivery,
  status: row.status,
  attempts: row.attempts,
  next_attempt_at: isoOrNull(row.next_attempt_at),
  last_error: row.last_error,
  message_id: row.message_id,
  sent_at: isoOrNull(row.sent_at),
  data: row.data,
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at),
});

const select = (where: SQL) => sql`
  SELECT n.id, n.order_id, o.number::int AS order_number, c.code AS channel, n.template, n.locale,
         n.recipient_email, n.recipient_name, n.status_link, n.delivery, n.status, n.attempts,
         n.next_attempt_at, n.last_error, n.message_id, n.sent_at, n.data, n.created_at, n.updated_at
    FROM notifications n
    JOIN channels c ON c.id = n.channel_id
    JOIN orders o ON o.id = n.order_id
   WHERE ${where}`;

/** A channel-bound key sees only its channel's notifications. */
const visibleTo = (caller: Caller) => (caller.channel === null ? sql`true` : sql`c.code = ${caller.channel}`);

export async function listNotifications(
  tx: Executor,
  query: NotificationListFilters & { limit: number; cursor?: string },
  caller: Caller,
): Promise<Page<NotificationView>> {
  const after = decodeCursor(query.cursor, ['string', 'string']);
  const filters: SQL[] = [visibleTo(caller)];
  if (query.order_id !== undefined) {
    filters.push(sql`n.order_id = ${query.order_id}`);
  }
  if (query.status !== undefined) {
    filters.push(sql`n.status = ${query.status}`);
  }
  if (query.channel !== undefined) {
    filters.push(sql`c.code = ${query.channel}`);
  }
  if (query.template !== undefined) {
    filters.push(sql`n.template = ${query.template}`);
  }
  if (after) {
    filters.push(sql`(n.created_at, n.id) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  }
  const result = await tx.execute<Row>(
    sql`${select(sql.join(filters, sql` AND `))} ORDER BY n.created_at DESC, n.id DESC LIMIT ${query.limit + 1}`,
  );
  return toPage(result.rows, query.limit, (row) => [iso(row.created_at), row.id], present);
}

/** One notification, if the caller may see it. */
export async function findNotification(
  tx: Executor,
  id: string,
  caller: Caller,
): Promise<NotificationView | undefined> {
  const result = await tx.execute<Row>(select(sql`n.id = ${id} AND ${visibleTo(caller)}`));
  const row = result.rows[0];
  return row ? present(row) : undefined;
}
