import type pg from 'pg';
import { waitFor } from './wait.js';

/** How many backends wait on a lock `pid` holds, directly or behind another backend queued on it. */
async function queuedBehind(pool: pg.Pool, pid: number): Promise<number> {
  const { rows } = await pool.query(
    `WITH RECURSIVE queue AS (
       SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))
       UNION
       SELECT a.pid FROM pg_stat_activity a JOIN queue q ON q.pid = ANY(pg_blocking_pids(a.pid)))
     SELECT count(*)::int AS n FROM queue`,
    [pid],
  );
  return rows[0].n;
}

/** Waits until `n` backends queue (see `pg_blocking_pids`) behind a lock that backend `pid` holds. */
export async function waitForBlocked(pool: pg.Pool, pid: number, n = 1): Promise<void> {
  await waitFor(async () => (await queuedBehind(pool, pid)) >= n, {
    what: `${n} backend(s) to queue behind a lock of backend ${pid}`,
  });
}

export interface LockGate {
  /** The backend holding the lock. */
  pid: number;
  /** Waits until `n` backends queue behind the gate; opens it and fails if they never do. */
  queued(n: number): Promise<void>;
  /** Commits the gate's transaction, letting the queue go (once; later calls do nothing). */
  open(): Promise<void>;
}

/**
 * Takes a lock (`lock.sql`, e.g. `SELECT ... FOR UPDATE` or `LOCK TABLE ...`) in a transaction on a
 * connection of the test's own, so requests fired meanwhile queue behind it in a known order.
 * PostgreSQL grants a row lock to its waiters first come, first served.
 */
export async function lockGate(pool: pg.Pool, lock: { sql: string; params?: unknown[] }): Promise<LockGate> {
  const client = await pool.connect();
  const pid: number = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  await client.query('BEGIN');
  await client.query(lock.sql, lock.params);
  let open = false;
  const gate: LockGate = {
    pid,
    async queued(n) {
      try {
        await waitForBlocked(pool, pid, n);
      } catch (err) {
        await gate.open();
        throw err;
      }
    },
    async open() {
      if (open) {
        return;
      }
      open = true;
      await client.query('COMMIT');
      client.release();
    },
  };
  return gate;
}
