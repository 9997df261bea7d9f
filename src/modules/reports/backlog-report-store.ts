import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { orderAtLocation, orderChannel, type ReportContext } from './report-context-store.js';
import type { BacklogReport } from './snapshot-reports.schemas.js';

type Tables = Pick<BacklogReport, 'by_location' | 'totals'>;
type Level = Tables['totals'][number]['service_level'];

/** Statuses of orders not yet shipped in full and not cancelled. */
export const openStatuses = sql`('received', 'validated', 'on_hold', 'backordered', 'allocated', 'released', 'partially_shipped')`;

/** Age buckets of `o.placed_at` at `now`. */
const buckets = (now: Date): SQL => {
  const age = sql`(${now.toISOString()}::timestamptz - o.placed_at)`;
  return sql`count(*) FILTER (WHERE ${age} < interval '1 day')::int AS under_1_day,
             count(*) FILTER (WHERE ${age} >= interval '1 day' AND ${age} < interval '3 days')::int AS days_1_to_3,
             count(*) FILTER (WHERE ${age} >= interval '3 days' AND ${age} < interval '7 days')::int AS days_3_to_7,
             count(*) FILTER (WHERE ${age} >= interval '7 days')::int AS over_7_days,
             count(*)::int AS total`;
};

type BucketRow = Omit<Tables['totals'][number], 'expedited'>;

/**
 * Open orders now, by age (from `placed_at`) and service level: per location where work is left
 * (shipments not yet shipped, units reserved; none: null), and in total, each order once.
 */
export async function backlogReport(tx: Executor, ctx: ReportContext): Promise<Tables> {
  const open = sql`o.status IN ${openStatuses} ${orderChannel(ctx, sql`o`)} ${orderAtLocation(ctx, sql`o`)}`;
  // Where each open order has work left: its shipments not yet shipped, and units still reserved.
  const byLocation = await tx.execute<BucketRow & { location: string | null }>(sql`
    WITH open AS (SELECT o.id, o.service_level, o.placed_at FROM orders o WHERE ${open}),
         work AS (SELECT s.order_id, s.location_id FROM shipments s
                   WHERE s.status IN ('pending', 'picking', 'packed') AND s.order_id IN (SELECT id FROM open)
                   UNION
                  SELECT ol.order_id, r.location_id FROM reservations r JOIN order_lines ol ON ol.id = r.order_line_id
                   WHERE r.status = 'active' AND ol.order_id IN (SELECT id FROM open))
    SELECT l.code AS location, o.service_level::text AS service_level, ${buckets(ctx.now)}
      FROM open o
      LEFT JOIN work w ON w.order_id = o.id
      LEFT JOIN locations l ON l.id = w.location_id
     ${ctx.location === null ? sql`` : sql`WHERE w.location_id = ${ctx.location.id}`}
     GROUP BY l.code, o.service_level
     ORDER BY l.code NULLS LAST, o.service_level`);
  const totals = await tx.execute<BucketRow>(sql`
    SELECT o.service_level::text AS service_level, ${buckets(ctx.now)}
      FROM orders o
     WHERE ${open}
     GROUP BY o.service_level
     ORDER BY o.service_level`);
  const expedited = (level: Level) => level !== 'standard';
  return {
    by_location: byLocation.rows.map(({ location, service_level, ...counts }) => ({
      location,
      service_level,
      expedited: expedited(service_level),
      ...counts,
    })),
    totals: totals.rows.map(({ service_level, ...counts }) => ({
      service_level,
      expedited: expedited(service_level),
      ...counts,
    })),
  };
}
