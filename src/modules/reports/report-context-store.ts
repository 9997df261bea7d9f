import { type SQL, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
import { sqlState } from '../../db/pg-errors.js';
import { AppError } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { invalidTimeZone, type ReportWindow, reportWindow } from './report-window.js';
import type { ReportFilters, ReportQuery } from './reports.schemas.js';

/** What every report query is computed for: the window as instants, the filters as row ids, and now. */
export interface ReportContext {
  window: ReportWindow;
  /** The window's first instant and the instant after its last day, as timestamptz text. */
  start: string;
  end: string;
  now: Date;
  channel: { id: number; code: string } | null;
  location: { id: number; code: string } | null;
  filters: ReportFilters;
}

/**
 * Settings for one report's transaction only: memory for its sorts and hashes (a year of shipments
 * sorted for percentiles, a million orders hashed), and parallel plans made cheap enough that
 * PostgreSQL hands a year of rows to parallel workers rather than scanning and sorting them in one.
 */
const reportSettings = { work_mem: '64MB', parallel_tuple_cost: '0.01', parallel_setup_cost: '100' };

/** Runs `work` in a report transaction of its own (see readReport). */
export type ReportReader = <T>(work: (tx: Executor) => Promise<T>) => Promise<T>;

/**
 * Runs a report's queries in one read-only repeatable-read transaction (one snapshot for all its
 * tables), planned for the values at hand: the pool plans generic statements by default, which cannot
 * tell a one-day window from a year.
 */
export function readReport<T>(db: Db, work: (tx: Executor) => Promise<T>): Promise<T> {
  return db.transaction(
    async (tx) => {
      await tx.execute(sql`SELECT set_config('plan_cache_mode', 'force_custom_plan', true),
        set_config('work_mem', ${reportSettings.work_mem}, true),
        set_config('parallel_tuple_cost', ${reportSettings.parallel_tuple_cost}, true),
        set_config('parallel_setup_cost', ${reportSettings.parallel_setup_cost}, true)`);
      return work(tx);
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

/**
 * The window's bounds in the time zone (PostgreSQL's own time zone database decides them, so a zone
 * it does not know is a 422), and the channel and location filters as ids: a channel-bound key is
 * held to its channel, and naming another one, or an unknown channel or location, is a 404.
 */
export async function reportContext(
  tx: Executor,
  query: ReportQuery,
  caller: Caller,
  now: Date,
): Promise<ReportContext> {
  const window = reportWindow(query, now);
  if (caller.channel !== null && query.channel !== undefined && query.channel !== caller.channel) {
    throw new AppError('not_found', `Channel ${query.channel} was not found`);
  }
  const channel = caller.channel ?? query.channel ?? null;
  const location = query.location ?? null;
  const row = await bounds(tx, window, channel, location);
  if (channel !== null && row.channel_id === null) {
    throw new AppError('not_found', `Channel ${channel} was not found`);
  }
  if (location !== null && row.location_id === null) {
    throw new AppError('not_found', `Location ${location} was not found`);
  }
  return {
    window,
    start: row.start,
    end: row.end,
    now,
    channel: channel === null ? null : { id: Number(row.channel_id), code: channel },
    location: location === null ? null : { id: Number(row.location_id), code: location },
    filters: { from: window.from, to: window.to, time_zone: window.timeZone, channel, location },
  };
}

async function bounds(tx: Executor, window: ReportWindow, channel: string | null, location: string | null) {
  try {
    const { rows } = await tx.execute<{
      start: string;
      end: string;
      channel_id: string | null;
      location_id: string | null;
    }>(sql`SELECT (${window.from}::date::timestamp AT TIME ZONE ${window.timeZone})::text AS start,
                  ((${window.to}::date + 1)::timestamp AT TIME ZONE ${window.timeZone})::text AS end,
                  (SELECT id FROM channels WHERE code = ${channel}::text) AS channel_id,
                  (SELECT id FROM locations WHERE code = ${location}::text) AS location_id`);
    const [row] = rows;
    if (!row) {
      throw new Error('the bounds query returned no row');
    }
    return row;
  } catch (err) {
    // 22023: PostgreSQL does not know the time zone (the platform's database did).
    throw sqlState(err) === '22023' ? invalidTimeZone(window.timeZone) : err;
  }
}

/** `o` (an orders alias) is of the report's channel, when it has one. */
export const orderChannel = (ctx: ReportContext, o: SQL): SQL =>
  ctx.channel === null ? sql`` : sql`AND ${o}.channel_id = ${ctx.channel.id}`;

/**
 * The order has work at the report's location, when it has one: a shipment there that is not
 * cancelled, or units reserved there. Written as IN (…) so PostgreSQL hashes each list once.
 */
export const orderAtLocation = (ctx: ReportContext, o: SQL): SQL =>
  ctx.location === null
    ? sql``
    : sql`AND (${o}.id IN (SELECT s.order_id FROM shipments s
                            WHERE s.location_id = ${ctx.location.id} AND s.status <> 'cancelled')
            OR ${o}.id IN (SELECT ol.order_id FROM reservations r JOIN order_lines ol ON ol.id = r.order_line_id
                            WHERE r.location_id = ${ctx.location.id} AND r.status = 'active'))`;

/**
 * The channel and location filters on a shipments alias `s`. Shipments carry their order's channel
 * (copied at release), so no report joins the orders to filter them.
 */
export function shipmentFilters(ctx: ReportContext): SQL {
  return sql`${ctx.channel === null ? sql`` : sql`AND s.channel_id = ${ctx.channel.id}`}
             ${ctx.location === null ? sql`` : sql`AND s.location_id = ${ctx.location.id}`}`;
}

/** An instant in the window: `column` in [start, end). */
export const inWindow = (ctx: ReportContext, column: SQL): SQL =>
  sql`${column} >= ${ctx.start}::timestamptz AND ${column} < ${ctx.end}::timestamptz`;

/**
 * The first instant of each day of the window, ascending: `width_bucket(t, dayStarts)` is then the
 * day number of `t` (1 = `from`), a binary search instead of a time zone conversion per row.
 */
export const dayStarts = (ctx: ReportContext): SQL =>
  sql`ARRAY(SELECT d::date::timestamp AT TIME ZONE ${ctx.window.timeZone}
              FROM generate_series(${ctx.window.from}::date, ${ctx.window.to}::date, interval '1 day') d)`;
