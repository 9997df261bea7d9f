import type { Db, Tx } from './client.js';
import { isRetryable } from './pg-errors.js';

/**
 * Runs `work` in one transaction, retrying once when PostgreSQL aborted it for a deadlock or a
 * serialization failure; a second failure reaches the caller (and becomes a 503).
 */
export async function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(work);
  } catch (err) {
    if (!isRetryable(err)) {
      throw err;
    }
    return db.transaction(work);
  }
}
