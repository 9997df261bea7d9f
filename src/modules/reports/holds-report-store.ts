import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { holdQueueSlaHours, otherQueueSlaHours, slaHoursOf } from './hold-slas.js';
import { orderAtLocation, orderChannel, type ReportContext } from './report-context-store.js';
import { hours } from './report-numbers.js';
import type { HoldsReport } from './snapshot-reports.schemas.js';

type Row = HoldsReport['by_queue'][number];

/**
 * Open holds now per queue: how many, their age (from `created_at`) p50 and max, and how many are
 * older than the queue's SLA. Every known queue is listed, empty or not.
 */
export async function holdsReport(tx: Executor, ctx: ReportContext): Promise<Pick<HoldsReport, 'by_queue'>> {
  const now = ctx.now.toISOString();
  const age = sql`extract(epoch FROM ${now}::timestamptz - h.created_at)`;
  const slas = JSON.stringify(holdQueueSlaHours);
  const { rows } = await tx.execute<{
    queue: string;
    open_holds: number;
    past_sla: number;
    p50: number | null;
    max: number | null;
  }>(sql`
    SELECT h.queue, count(*)::int AS open_holds,
           count(*) FILTER (WHERE ${age} > 3600 * coalesce((${slas}::jsonb ->> h.queue)::float8, ${otherQueueSlaHours}))::int AS past_sla,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY ${age}) AS p50,
           max(${age}) AS max
      FROM holds h
      JOIN orders o ON o.id = h.order_id
     WHERE h.status = 'open' ${orderChannel(ctx, sql`o`)} ${orderAtLocation(ctx, sql`o`)}
     GROUP BY h.queue`);
  const found = new Map(rows.map((row) => [row.queue, row]));
  const queues = [...new Set([...Object.keys(holdQueueSlaHours), ...found.keys()])].sort();
  return {
    by_queue: queues.map((queue): Row => {
      const row = found.get(queue);
      return {
        queue,
        sla_hours: slaHoursOf(queue),
        open_holds: row?.open_holds ?? 0,
        past_sla: row?.past_sla ?? 0,
        age_p50_hours: hours(row?.p50),
        age_max_hours: hours(row?.max),
      };
    }),
  };
}
