import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db } from './client.js';

/** Set while a request that may read from the replica (a list, a report, the event feed) runs. */
const replicaReads = new AsyncLocalStorage<true>();

/** Runs `work` so that its reads through a routed database may go to the replica. */
export const readingFromReplica = <T>(work: () => T): T => replicaReads.run(true, work);

/**
 * The database every service is given: the primary, except inside `readingFromReplica` while the
 * replica is usable. Writes and reads that must see their own writes run outside it, on the primary.
 */
export function routedDatabase(primary: Db, replica: { db: Db; usable(): boolean } | undefined): Db {
  if (!replica) {
    return primary;
  }
  const current = () => (replicaReads.getStore() && replica.usable() ? replica.db : primary);
  return new Proxy(primary, {
    get(_target, property) {
      const db = current();
      const value = Reflect.get(db, property, db);
      return typeof value === 'function' ? value.bind(db) : value;
    },
  });
}
