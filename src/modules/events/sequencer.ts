import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { EventDeps, FanOut } from './deps.js';

/** Any constant shared by every Ordo process: one sequencer pass runs at a time across replicas. */
const sequencerLockId = 0x0bd0_0002;
const sequencerBatch = 1000;

export interface PassResult {
  numbered: number;
  fannedOut: number;
}

/**
 * `horizon`: the oldest transaction still running that may write events here, else the next xid.
 * The snapshot's running transactions are the whole server's, so those that a backend connected to
 * another database runs now are left out: a backend writes only to its own database, and another
 * application's long transaction on a shared server must not hold back the feed. pg_stat_activity is
 * read after the statement's snapshot was taken, so a match is a transaction still running there.
 * An xid it does not show (a prepared transaction, a role it hides) still counts: the horizon only
 * waits longer. Running xids lie within 2^31 of each other, so their low 32 bits (all that
 * backend_xid has) name one of them.
 */
const horizon = sql`horizon AS (
  SELECT coalesce(
           (SELECT x FROM pg_snapshot_xip(s) AS x
             WHERE x::text::bigint % 4294967296 NOT IN (
                     SELECT backend_xid::text::bigint FROM pg_stat_activity
                      WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database())
             ORDER BY x LIMIT 1),
           pg_snapshot_xmax(s)) AS xid
    FROM pg_current_snapshot() AS s)`;

/**
 * One sequencer pass: numbers up to `batchSize` unnumbered events, oldest first, from transactions
 * that can no longer be running (their xid is below the `horizon`), and fans them
 * out in the same transaction. Passes are serialised across processes by a transaction-scoped
 * advisory lock, so every position handed out later is higher than any position already visible:
 * a consumer reading `after=<position>` never skips an event that commits later. Returns undefined
 * when another process holds the lock.
 */
export function sequencePass(
  db: Db,
  fanOut: FanOut | undefined,
  batchSize: number,
): Promise<PassResult | undefined> {
  return db.transaction(async (tx) => {
    const lock = await tx.execute<{ locked: boolean }>(
      sql`SELECT pg_try_advisory_xact_lock(${sequencerLockId}) AS locked`,
    );
    if (lock.rows[0]?.locked !== true) {
      return undefined;
    }
    const numbered = sql.raw('numbered_events');
    // nextval runs in the order of the sorted subquery's rows, so positions follow insert order in a pass.
    // The update is keyed by (sequence, occurred_at): each row is looked up in its own partition only.
    const result = await tx.execute<{ numbered: number; fanned_out: number }>(sql`
      WITH ${horizon},
      picked AS (
        SELECT sequence, occurred_at FROM events
         WHERE position IS NULL AND xid < (SELECT xid FROM horizon)
         ORDER BY sequence
         LIMIT ${batchSize}),
      positions AS (SELECT sequence, occurred_at, nextval('event_positions') AS position FROM picked),
      ${numbered} AS (
        UPDATE events e SET position = p.position FROM positions p
         WHERE e.sequence = p.sequence AND e.occurred_at = p.occurred_at
        RETURNING e.sequence, e.occurred_at, e.position, e.type, e.channel, e.resource_type, e.resource_id),
      fanned_out AS (${fanOut ? fanOut(numbered) : sql`SELECT 1 WHERE false`})
      SELECT (SELECT count(*)::int FROM ${numbered}) AS numbered,
             (SELECT count(*)::int FROM fanned_out) AS fanned_out`);
    const row = result.rows[0];
    return { numbered: row?.numbered ?? 0, fannedOut: row?.fanned_out ?? 0 };
  });
}

/** Numbers (and fans out) every event that can be numbered now; returns how many were numbered. */
export async function sequenceAll({ db, fanOut, numbered }: EventDeps): Promise<number> {
  let total = 0;
  for (;;) {
    const pass = await sequencePass(db, fanOut, sequencerBatch);
    total += pass?.numbered ?? 0;
    if (!pass || pass.numbered < sequencerBatch) {
      break;
    }
  }
  if (total > 0) {
    numbered.notify();
  }
  return total;
}
