import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { partitionBounds } from '../../db/partitions.js';

/** What the business metrics show, read from the database in one statement. */
export interface Snapshot {
  orders: Array<{ channel: string; status: string; count: number }>;
  holds: Array<{ queue: string; count: number; oldest_seconds: number }>;
  alerts: Array<{ rule: string; status: string; count: number }>;
  deliveries: Array<{ status: string; count: number }>;
  backlog: { count: number; oldest_seconds: number | null };
  unnumbered: number;
  late: Array<{ location: string; count: number }>;
  partitions: Array<{ table: string; oldest_end_seconds: number; default_rows: number }>;
}

/** The tables partitioned by time (migration 0024), each with its DEFAULT partition. */
const partitioned = ['events', 'webhook_deliveries'] as const;

/** For a row of `partitionBounds`, the row count of its table's DEFAULT partition (normally empty). */
const defaultRows = sql`CASE parent ${sql.join(
  partitioned.map(
    (table) => sql`WHEN ${table} THEN (SELECT count(*)::int FROM ${sql.identifier(`${table}_default`)})`,
  ),
  sql` `,
)} END`;

/** The rows of `query` as a JSON array (empty, not null, when there are none). */
const rows = (query: SQL) => sql`(SELECT coalesce(json_agg(x), '[]'::json) FROM (${query}) x)`;

/** Seconds from `since` to `now`, never negative (a clock behind the database's). */
const ageSeconds = (now: string, since: SQL) =>
  sql`greatest(0, extract(epoch FROM ${now}::timestamptz - ${since}))::float8`;

/**
 * Every business metric in one read-only statement of aggregates, bounded by `timeoutMs` on the
 * server (a statement past it is cancelled). `now` is the injected clock's: ages and lateness follow it.
 * Reads other modules' tables (orders, holds, alerts, webhook deliveries, shipments): read-only, as
 * docs/architecture.md allows.
 */
export async function readSnapshot(db: Db, now: Date, timeoutMs: number): Promise<Snapshot> {
  const at = now.toISOString();
  return db.transaction(
    async (tx) => {
      await tx.execute(sql.raw(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`));
      const result = await tx.execute<{ [K in keyof Snapshot]: Snapshot[K] }>(sql`
        SELECT
          ${rows(sql`SELECT c.code AS channel, o.status, o.count
                       FROM (SELECT channel_id, status::text AS status, count(*)::int AS count
                               FROM orders GROUP BY channel_id, status) o
                       JOIN channels c ON c.id = o.channel_id`)} AS orders,
          ${rows(sql`SELECT queue, count(*)::int AS count, ${ageSeconds(at, sql`min(created_at)`)} AS oldest_seconds
                       FROM holds WHERE status = 'open' GROUP BY queue`)} AS holds,
          ${rows(sql`SELECT rule, status::text AS status, count(*)::int AS count
                       FROM alerts WHERE status <> 'resolved' GROUP BY rule, status`)} AS alerts,
          ${rows(sql`SELECT status, count(*)::int AS count FROM webhook_deliveries GROUP BY status`)} AS deliveries,
          (SELECT json_build_object('count', count(*)::int,
                                    'oldest_seconds', ${ageSeconds(at, sql`min(d.created_at)`)})
             FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.active
            WHERE d.status = 'pending') AS backlog,
          (SELECT count(*)::int FROM events WHERE position IS NULL) AS unnumbered,
          ${rows(sql`SELECT l.code AS location, count(*)::int AS count
                       FROM shipments s JOIN locations l ON l.id = s.location_id
                      WHERE s.status IN ('pending', 'picking', 'packed')
                        AND s.ship_deadline <= ${at}::timestamptz
                      GROUP BY l.code`)} AS late,
          ${rows(sql`SELECT parent AS table, ${ageSeconds(at, sql`min("to")`)} AS oldest_end_seconds,
                            ${defaultRows} AS default_rows
                       FROM (${partitionBounds(partitioned)}) b GROUP BY parent`)} AS partitions`);
      const row = result.rows[0];
      if (!row) {
        throw new Error('the business metrics query returned no row');
      }
      return row;
    },
    { accessMode: 'read only' },
  );
}
