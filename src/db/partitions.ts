import { type SQL, sql } from 'drizzle-orm';
import type { Db, Tx } from './client.js';
import { sqlState } from './pg-errors.js';

/**
 * Range partitions by time, kept by a maintenance run that any number of processes may start:
 * partitions are created ahead of time and dropped whole once past the retention. Migration 0024
 * made the tables partitioned; each owning module runs this for its own tables.
 */

export type Period = 'week' | 'month';

/**
 * Tables partitioned by the same periods and dropped together (webhook deliveries and their attempts),
 * each by its own key column.
 */
export interface PartitionFamily {
  /** Locked in this order when a period is dropped: the order in which writers of several take them. */
  tables: ReadonlyArray<{ table: string; key: string }>;
  period: Period;
  /** Periods kept created after the current one: how long the job may be down before rows go to DEFAULT. */
  ahead: number;
  /** Any constant shared by every Ordo process: one maintenance run of the family at a time. */
  lockId: number;
}

/** A partition with its bounds; `from` is null for the one from MINVALUE (the rows from before 0024). */
export interface Partition {
  table: string;
  name: string;
  from: Date | null;
  to: Date;
}

/** Where a run says what it created and dropped, and what it could not drop and why. */
export interface MaintenanceLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

/** Why a period past the retention was not dropped this time; undefined: drop it. */
export type DropGuard = (tx: Tx, period: { from: Date | null; to: Date }) => Promise<string | undefined>;

export interface MaintenanceResult {
  created: string[];
  dropped: string[];
  /** Periods past the retention that are still there, and why. */
  waiting: Array<{ partitions: string[]; reason: string }>;
  /** Why the partitions ahead were not made this run (a lock not granted in time). */
  deferred?: string;
}

/**
 * How long maintenance waits for a table lock. Creating a partition locks the DEFAULT one and
 * dropping one locks its whole table, so statements behind it wait too: better to try again at the
 * next run than to hold captures back behind a long query.
 */
const lockTimeoutMs = 500;

const dayMs = 86_400_000;

/** The start (UTC midnight, Monday for weeks) of the period holding `at`. */
export function periodStart(at: Date, period: Period): Date {
  if (period === 'month') {
    return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  }
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  return new Date(day - ((new Date(day).getUTCDay() + 6) % 7) * dayMs);
}

export function addPeriods(start: Date, period: Period, count: number): Date {
  return period === 'month'
    ? new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + count, 1))
    : new Date(start.getTime() + count * 7 * dayMs);
}

/** `events_p20270101`: the table and the first day of the period, as migration 0024 names them. */
export const partitionName = (table: string, start: Date) =>
  `${table}_p${start.toISOString().slice(0, 10).replaceAll('-', '')}`;

/** A bound in DDL, which takes no parameters: an ISO-8601 instant, whose characters are all safe. */
const bound = (at: Date) => sql.raw(`'${at.toISOString()}'`);

/**
 * The partitions but DEFAULT of `tables` (their parent, name and bounds), as the catalog has them: the
 * bounds are printed in this session's time zone and date style, which the cast reads back. `from` is
 * null for the partition from MINVALUE.
 */
export const partitionBounds = (tables: readonly string[]) => sql`
  SELECT p.relname AS parent, c.relname AS name,
         (regexp_match(b.bound, 'FROM \\(''([^'']*)''\\)'))[1]::timestamptz AS "from",
         (regexp_match(b.bound, 'TO \\(''([^'']*)''\\)'))[1]::timestamptz AS "to"
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_class p ON p.oid = i.inhparent
   CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS bound) b
   WHERE i.inhparent = ANY(${sql.param(tables)}::regclass[]) AND b.bound <> 'DEFAULT'`;

/** The table's partitions but DEFAULT, oldest first. */
export async function partitionsOf(tx: Tx | Db, table: string): Promise<Partition[]> {
  const result = await tx.execute<{ name: string; from: string | Date | null; to: string | Date }>(
    sql`SELECT name, "from", "to" FROM (${partitionBounds([table])}) x ORDER BY "to"`,
  );
  return result.rows.map((row) => ({
    table,
    name: row.name,
    from: row.from === null ? null : new Date(row.from),
    to: new Date(row.to),
  }));
}

/** Opens a maintenance transaction of the family; undefined when another process runs one. */
async function locked<T>(db: Db, family: PartitionFamily, work: (tx: Tx) => Promise<T>) {
  return db.transaction(async (tx): Promise<{ done: T } | undefined> => {
    const lock = await tx.execute<{ locked: boolean }>(
      sql`SELECT pg_try_advisory_xact_lock(${family.lockId}) AS locked`,
    );
    if (lock.rows[0]?.locked !== true) {
      return undefined;
    }
    await tx.execute(sql.raw(`SET LOCAL lock_timeout = ${lockTimeoutMs}`));
    return { done: await work(tx) };
  });
}

/** The periods that hold rows in the table's DEFAULT partition (a maintenance outage, a clock far ahead). */
async function periodsInDefault(tx: Tx, table: string, key: string, period: Period): Promise<Date[]> {
  const result = await tx.execute<{ start: string }>(sql`
    SELECT DISTINCT to_char(date_trunc(${period}, ${sql.identifier(key)} AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS start
      FROM ${sql.identifier(`${table}_default`)}`);
  return result.rows.map((row) => new Date(`${row.start}T00:00:00Z`));
}

/**
 * Creates the partition [from, to) of `table`, moving into it the rows the DEFAULT partition holds in
 * that range (attaching fails while DEFAULT holds any). Made apart and attached, so the table itself
 * is only share-locked: inserts and reads go on, but for those that touch DEFAULT, locked meanwhile.
 */
async function createPartition(tx: Tx, table: string, key: string, from: Date, to: Date): Promise<string> {
  const name = partitionName(table, from);
  const [parent, partition, fallback] = [table, name, `${table}_default`].map((n) => sql.identifier(n));
  await tx.execute(sql`CREATE TABLE ${partition} (LIKE ${parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
  // LIKE and PARTITION OF both give the parent's column order, so the rows move column for column.
  await tx.execute(sql`
    WITH moved AS (
      DELETE FROM ${fallback} WHERE ${sql.identifier(key)} >= ${from} AND ${sql.identifier(key)} < ${to} RETURNING *)
    INSERT INTO ${partition} SELECT * FROM moved`);
  await tx.execute(
    sql`ALTER TABLE ${parent} ATTACH PARTITION ${partition} FOR VALUES FROM (${bound(from)}) TO (${bound(to)})`,
  );
  return name;
}

/**
 * Makes sure every table of the family has a partition for the current period, the `ahead` next ones
 * and every period that has rows in its DEFAULT partition. A period that overlaps a partition already
 * there is left alone: idempotent, whoever ran before.
 */
async function ensurePartitions(tx: Tx, family: PartitionFamily, now: Date): Promise<string[]> {
  const current = periodStart(now, family.period);
  const created: string[] = [];
  for (const { table, key } of family.tables) {
    const wanted = [
      ...Array.from({ length: family.ahead + 1 }, (_, i) => addPeriods(current, family.period, i)),
      ...(await periodsInDefault(tx, table, key, family.period)),
    ];
    const existing = await partitionsOf(tx, table);
    const starts = [...new Set(wanted.map((start) => start.getTime()))].sort((a, b) => a - b);
    for (const start of starts) {
      const from = new Date(start);
      const to = addPeriods(from, family.period, 1);
      const overlaps = existing.some(
        (p) => (p.from === null || p.from.getTime() < to.getTime()) && p.to.getTime() > start,
      );
      if (!overlaps) {
        created.push(await createPartition(tx, table, key, from, to));
      }
    }
  }
  return created;
}

/** The family's partitions wholly before `cutoff`, grouped by period (same upper bound), oldest first. */
async function expiredPeriods(tx: Tx, family: PartitionFamily, cutoff: Date): Promise<Partition[][]> {
  const byEnd = new Map<number, Partition[]>();
  for (const { table } of family.tables) {
    for (const partition of await partitionsOf(tx, table)) {
      if (partition.to.getTime() <= cutoff.getTime()) {
        byEnd.set(partition.to.getTime(), [...(byEnd.get(partition.to.getTime()) ?? []), partition]);
      }
    }
  }
  return [...byEnd.entries()].sort(([a], [b]) => a - b).map(([, partitions]) => partitions);
}

/**
 * Drops the oldest period before `cutoff` not yet in `tried` (adding it there first), unless `guard`
 * finds a reason to wait. The tables are locked before the guard runs, so nothing can add a row it
 * should have seen. Undefined when no period is left to try.
 */
async function dropOldest(
  tx: Tx,
  family: PartitionFamily,
  { cutoff, tried, guard }: { cutoff: Date; tried: Map<number, string[]>; guard: DropGuard | undefined },
): Promise<{ dropped: string[] } | { waiting: string } | undefined> {
  const partitions = (await expiredPeriods(tx, family, cutoff)).find(
    (group) => !tried.has(group[0]?.to.getTime() ?? 0),
  );
  const first = partitions?.[0];
  if (!partitions || !first) {
    return undefined;
  }
  const names = partitions.map((p) => p.name);
  tried.set(first.to.getTime(), names);
  const list = (items: string[]) =>
    sql.join(
      items.map((item) => sql.identifier(item)),
      sql`, `,
    );
  await tx.execute(sql`LOCK TABLE ${list(family.tables.map((t) => t.table))} IN ACCESS EXCLUSIVE MODE`);
  const waiting = await guard?.(tx, { from: first.from, to: first.to });
  if (waiting !== undefined) {
    return { waiting };
  }
  await tx.execute(sql`DROP TABLE ${list(names)}`);
  return { dropped: names };
}

/** The reason to give for a lock not granted in time; any other error is thrown on. */
function lockTimedOut(err: unknown): string {
  if (sqlState(err) !== '55P03') {
    throw err;
  }
  return `a table lock was not granted within ${lockTimeoutMs} ms; the next run tries again`;
}

/**
 * One maintenance run: creates the partitions ahead (and for rows stranded in DEFAULT), then drops,
 * one period per transaction, every period that ended at least `retentionDays` before `now` and that
 * `guard` lets go. Another process's run under way makes this one skip the step.
 */
export async function maintainPartitions(
  db: Db,
  family: PartitionFamily,
  options: { now: Date; retentionDays: number; guard?: DropGuard | undefined; log: MaintenanceLog },
): Promise<MaintenanceResult> {
  const result = await maintain(db, family, options);
  const tables = family.tables.map((t) => t.table);
  if (result.created.length > 0 || result.dropped.length > 0) {
    options.log.info({ tables, created: result.created, dropped: result.dropped }, 'partitions maintained');
  }
  if (result.deferred !== undefined) {
    options.log.warn({ tables, reason: result.deferred }, 'partitions ahead were not created');
  }
  for (const { partitions, reason } of result.waiting) {
    options.log.warn({ tables, partitions, reason }, 'partitions past their retention are kept for now');
  }
  return result;
}

async function maintain(
  db: Db,
  family: PartitionFamily,
  { now, retentionDays, guard }: { now: Date; retentionDays: number; guard?: DropGuard | undefined },
): Promise<MaintenanceResult> {
  const result: MaintenanceResult = { created: [], dropped: [], waiting: [] };
  try {
    result.created = (await locked(db, family, (tx) => ensurePartitions(tx, family, now)))?.done ?? [];
  } catch (err) {
    result.deferred = lockTimedOut(err);
  }
  const drop = {
    cutoff: new Date(now.getTime() - retentionDays * dayMs),
    tried: new Map<number, string[]>(),
    guard,
  };
  for (;;) {
    const before = drop.tried.size;
    try {
      const step = (await locked(db, family, (tx) => dropOldest(tx, family, drop)))?.done;
      if (step === undefined) {
        return result;
      }
      if ('dropped' in step) {
        result.dropped.push(...step.dropped);
      } else {
        result.waiting.push({ partitions: [...drop.tried.values()].at(-1) ?? [], reason: step.waiting });
      }
    } catch (err) {
      const reason = lockTimedOut(err);
      if (drop.tried.size === before) {
        throw err; // not the drop's lock: listing the partitions timed out; the next run tries again
      }
      result.waiting.push({ partitions: [...drop.tried.values()].at(-1) ?? [], reason });
    }
  }
}

/** SQL for "the time range of a partition being dropped" over a column: `from` may be open. */
export const inPeriod = (column: SQL, { from, to }: { from: Date | null; to: Date }) =>
  from === null ? sql`${column} < ${to}` : sql`${column} >= ${from} AND ${column} < ${to}`;
