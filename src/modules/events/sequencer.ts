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
 * One sequencer pass: numbers up to `batchSize` unnumbered events, oldest first, from transactions
 * that can no longer be running (their xid is below the oldest running transaction), and fans them
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
      WITH picked AS (
        SELECT sequence, occurred_at FROM events
         WHERE position IS NULL AND xid < pg_snapshot_xmin(pg_current_snapshot())
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
