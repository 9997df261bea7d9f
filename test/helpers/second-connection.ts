import { AsyncLocalStorage } from 'node:async_hooks';
import { NodePgSession } from 'drizzle-orm/node-postgres';
import type pg from 'pg';

/**
 * A transaction that asks its pool for a second connection (a query on `db` where `tx` was meant)
 * waits for a free one while holding its own: with every connection held that way (a pool of one, a
 * busy pool) it waits for itself until the connect timeout. Tests run with connections to spare and
 * would never see it, so the test app's pool refuses such a request at once.
 */
const openTransaction = new AsyncLocalStorage<{ pool: unknown; connected: boolean }>();

let watching = false;

/** Marks the work of each top-level drizzle transaction (a savepoint stays in its transaction's). */
function watchTransactions(): void {
  if (watching) {
    return;
  }
  watching = true;
  const transaction = NodePgSession.prototype.transaction;
  NodePgSession.prototype.transaction = function (this: { client: unknown }, ...args) {
    const run = () => transaction.apply(this, args) as ReturnType<typeof transaction>;
    return openTransaction.getStore()
      ? run()
      : openTransaction.run({ pool: this.client, connected: false }, run);
  } as typeof transaction;
}

export const secondConnectionMessage =
  'a transaction asked its pool for a second connection: pass it the transaction (tx), not the database';

/** Makes `pool` refuse a connection to work inside a transaction that holds one of this pool's already. */
export function refuseSecondConnections(pool: pg.Pool): void {
  watchTransactions();
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  (pool as { connect: unknown }).connect = (...args: unknown[]) => {
    const transaction = openTransaction.getStore();
    if (transaction?.pool !== pool) {
      return connect(...args);
    }
    if (transaction.connected) {
      const err = new Error(secondConnectionMessage);
      const callback = args[0];
      if (typeof callback === 'function') {
        queueMicrotask(() => callback(err));
        return undefined;
      }
      return Promise.reject(err);
    }
    // The transaction's own connection.
    transaction.connected = true;
    return connect(...args);
  };
}

/** Runs `work` as if outside any transaction: for a test that takes a second connection on purpose. */
export function apart<T>(work: () => PromiseLike<T>): Promise<T> {
  // Awaited in here: a drizzle query starts when awaited, and must start outside too.
  return openTransaction.exit(async () => await work());
}
