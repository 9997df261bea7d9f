import { sql } from 'drizzle-orm';
import {
  type DropGuard,
  inPeriod,
  type MaintenanceResult,
  maintainPartitions,
  type PartitionFamily,
} from '../../db/partitions.js';
import type { WebhookDeps } from './deps.js';

/**
 * Deliveries by week (UTC, from Monday) of `created_at`, their attempts by the same weeks of their
 * delivery's `created_at`: a week of both is dropped at once. Weeks: deliveries are the biggest table
 * and are kept a month by default, so a week frees its space soon after the retention, with about
 * six partitions to visit where no time is at hand. Attempts are locked first, as the dispatcher's
 * writes take them (attempt, then delivery). Two weeks ahead: the job may be down that long.
 */
export const webhookPartitions: PartitionFamily = {
  tables: [
    { table: 'webhook_attempts', key: 'delivery_created_at' },
    { table: 'webhook_deliveries', key: 'created_at' },
  ],
  period: 'week',
  ahead: 2,
  lockId: 0x0bd0_0004,
};

/** Pending deliveries among `where`: they are still to be sent, so what they need is kept. */
async function pendingReason(tx: Parameters<DropGuard>[0], where: ReturnType<typeof inPeriod>, of: string) {
  const result = await tx.execute<{ pending: number }>(
    sql`SELECT count(*)::int AS pending FROM webhook_deliveries WHERE status = 'pending' AND ${where}`,
  );
  const pending = result.rows[0]?.pending ?? 0;
  return pending > 0 ? `${pending} pending webhook deliveries ${of}` : undefined;
}

/** A week of deliveries with a pending one (a disabled subscription's, a retry far off) waits for it. */
const pendingInWeek: DropGuard = (tx, period) =>
  pendingReason(tx, inPeriod(sql`created_at`, period), 'were created in it');

/**
 * The events module's guard: a month of events waits while a pending delivery points into it (a
 * replay of old events, a subscription disabled for longer than the event retention), so the
 * dispatcher always finds the event it sends.
 */
export const pendingDeliveriesOfEvents: DropGuard = (tx, period) =>
  pendingReason(tx, inPeriod(sql`event_occurred_at`, period), 'send events of it');

/**
 * Creates the weeks ahead and drops each week of deliveries and attempts that ended
 * ORDO_WEBHOOK_RETENTION_DAYS ago and holds no pending delivery: whole partitions, never row by row.
 */
export function maintainWebhookPartitions({
  db,
  config,
  clock,
  log,
}: Pick<WebhookDeps, 'db' | 'config' | 'clock' | 'log'>): Promise<MaintenanceResult> {
  return maintainPartitions(db, webhookPartitions, {
    now: clock.now(),
    retentionDays: config.webhookRetentionDays,
    guard: pendingInWeek,
    log,
  });
}
