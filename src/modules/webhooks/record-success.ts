import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { Outcome } from './attempt.js';
import type { Job } from './claim.js';

interface Success {
  job: Job;
  outcome: Outcome;
  done: () => void;
  failed: (err: unknown) => void;
}

/** Records a batch of successful attempts in one statement: attempts, deliveries, subscriptions. */
async function writeSuccesses(db: Db, batch: Success[]): Promise<void> {
  const column = <T>(pick: (item: Success) => T) => sql.param(batch.map(pick));
  await db.execute(sql`
    WITH input AS (
      SELECT * FROM unnest(${column((b) => b.job.id)}::bigint[], ${column((b) => b.job.createdAt)}::timestamptz[],
                           ${column((b) => b.job.claim)}::uuid[],
                           ${column((b) => b.job.attempts + 1)}::int[],
                           ${column((b) => b.outcome.startedAt.toISOString())}::timestamptz[],
                           ${column((b) => b.outcome.durationMs)}::int[], ${column((b) => b.outcome.status)}::int[],
                           ${column((b) => b.outcome.excerpt)}::text[])
               AS u(id, created_at, claim, attempt, started_at, duration_ms, status, excerpt)),
    attempt AS (
      INSERT INTO webhook_attempts (delivery_id, delivery_created_at, attempt, started_at, duration_ms, status,
                                    response_excerpt, success)
      SELECT id, created_at, attempt, started_at, duration_ms, status, excerpt, true FROM input),
    delivered AS (
      UPDATE webhook_deliveries d
         SET status = 'delivered', attempts = d.attempts + 1, delivered_at = now(), last_status = i.status,
             last_error = NULL, claim = NULL, locked_until = NULL, updated_at = now()
        FROM input i
       WHERE d.id = i.id AND d.created_at = i.created_at AND d.claim = i.claim)
    UPDATE webhook_subscriptions SET failing_since = NULL
     WHERE id = ANY(${column((b) => b.job.subscriptionId)}::uuid[]) AND failing_since IS NOT NULL`);
}

/**
 * Successes, the common case, are written in batches: one statement records every success that
 * finished while the previous batch was being written. The function returned resolves once the
 * success it was given is written.
 */
export function createSuccessRecorder(db: Db): (job: Job, outcome: Outcome) => Promise<void> {
  let successes: Success[] = [];
  let flushing = false;

  async function flush(): Promise<void> {
    flushing = true;
    try {
      while (successes.length > 0) {
        const batch = successes;
        successes = [];
        try {
          await writeSuccesses(db, batch);
          for (const item of batch) {
            item.done();
          }
        } catch (err) {
          for (const item of batch) {
            item.failed(err);
          }
        }
      }
    } finally {
      // Synchronously after the last empty check: a success queued from now on starts a new flush.
      flushing = false;
    }
  }

  return (job, outcome) =>
    new Promise((done, failed) => {
      successes.push({ job, outcome, done, failed });
      if (!flushing) {
        void flush();
      }
    });
}
