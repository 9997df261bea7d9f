import {
  type DropGuard,
  type MaintenanceLog,
  type MaintenanceResult,
  maintainPartitions,
  type PartitionFamily,
} from '../../db/partitions.js';
import type { EventDeps } from './deps.js';

/**
 * Events by calendar month (UTC) of `occurred_at`. Months, not weeks: the feed and the sequencer read
 * by position, which says nothing of the time, so they visit every partition; a year of events is 13
 * of them, each visit one descent of a small partial index, within PostgreSQL's fast-path locks.
 * Two months ahead: the job may be down that long before a row falls into DEFAULT.
 */
export const eventPartitions: PartitionFamily = {
  tables: [{ table: 'events', key: 'occurred_at' }],
  period: 'month',
  ahead: 2,
  lockId: 0x0bd0_0003,
};

export interface EventRetention {
  /** Whole months of events that ended this many days ago are dropped (ORDO_EVENT_RETENTION_DAYS). */
  days: number;
  /** Why a month may not go yet: webhook deliveries still to send point into it. */
  inUse?: DropGuard;
  log: MaintenanceLog;
}

/** Creates the months ahead and drops the months past the retention that nothing still needs. */
export function maintainEventPartitions(
  { db, clock }: Pick<EventDeps, 'db' | 'clock'>,
  { days, inUse, log }: EventRetention,
): Promise<MaintenanceResult> {
  return maintainPartitions(db, eventPartitions, {
    now: clock.now(),
    retentionDays: days,
    guard: inUse,
    log,
  });
}
