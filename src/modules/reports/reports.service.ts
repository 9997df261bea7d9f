import type { Executor } from '../../db/client.js';
import type { Caller } from '../../http/caller.js';
import { backlogReport } from './backlog-report-store.js';
import type { ReportDeps } from './deps.js';
import { fulfillmentReport } from './fulfillment-report-store.js';
import { holdsReport } from './holds-report-store.js';
import { inventoryReport } from './inventory-report-store.js';
import { ordersReport } from './orders-report-store.js';
import { type ReportContext, type ReportReader, readReport, reportContext } from './report-context-store.js';
import type { ReportFilters, ReportName, ReportQuery } from './reports.schemas.js';
import { returnsReport } from './returns-report-store.js';

export type ReportService = ReturnType<typeof createReportService>;

type Computed<N extends ReportName, T> = { report: N; generated_at: string; filters: ReportFilters } & T;

/** A report whose queries share one snapshot: one transaction for all of them. */
const inOneSnapshot =
  <T>(compute: (tx: Executor, ctx: ReportContext) => Promise<T>) =>
  (read: ReportReader, ctx: ReportContext): Promise<T> =>
    read((tx) => compute(tx, ctx));

/**
 * The reports, for the caller's channel, window and filters. The window and filters are resolved in a
 * transaction of their own, which ends before the report's queries start: a report whose figures are
 * independent (fulfillment) reads them side by side, each on its own connection, and no transaction
 * ever holds a connection while it waits for another.
 */
export function createReportService(deps: ReportDeps) {
  const read: ReportReader = (work) => readReport(deps.db, work);
  const run =
    <N extends ReportName, T>(name: N, compute: (read: ReportReader, ctx: ReportContext) => Promise<T>) =>
    async (query: ReportQuery, caller: Caller): Promise<Computed<N, T>> => {
      const ctx = await read((tx) => reportContext(tx, query, caller, deps.clock.now()));
      const tables = await compute(read, ctx);
      return { report: name, generated_at: ctx.now.toISOString(), filters: ctx.filters, ...tables };
    };
  return {
    orders: run('orders', inOneSnapshot(ordersReport)),
    fulfillment: run('fulfillment', fulfillmentReport),
    backlog: run('backlog', inOneSnapshot(backlogReport)),
    inventory: run('inventory', inOneSnapshot(inventoryReport)),
    returns: run('returns', inOneSnapshot(returnsReport)),
    holds: run('holds', inOneSnapshot(holdsReport)),
  };
}
