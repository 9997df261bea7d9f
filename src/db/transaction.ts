import type { Db, Tx } from './client.js';
import { isRetryable } from './pg-errors.js';

/**
 * One transaction. When `work` fails, drizzle rolls back, and when the connection is what failed the
 * ROLLBACK fails too and drizzle throws that instead ("Failed query: rollback"): the work's own error
 * is what the caller gets, the one that says what went wrong. The server rolls the transaction back
 * itself when the connection ends, so nothing of it commits either way.
 */
async function once<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  let failure: { err: unknown } | undefined;
  try {
    return await db.transaction(async (tx) => {
      try {
        return await work(tx);
      } catch (err) {
        failure = { err };
        throw err;
      }
    });
  } catch (err) {
    throw failure ? failure.err : err;
  }
}

/**
 * Runs `work` in one transaction, retrying once when PostgreSQL aborted it for a deadlock or a
 * serialization failure; a second failure reaches the caller (and becomes a 503). A lost connection is
 * not retried: the request fails with a 503 and the client retries it.
 */
export async function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await once(db, work);
  } catch (err) {
    if (!isRetryable(err)) {
      throw err;
    }
    return once(db, work);
  }
}
