import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Logger } from 'pino';
import * as schema from './schema/index.js';

export type Db = NodePgDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** What data functions accept: the database, or the transaction a service opened. */
export type Executor = Db | Tx;

export interface Database {
  pool: pg.Pool;
  db: Db;
}

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  statementTimeoutMs: number;
  log: Logger;
}

export function createDatabase({ url, poolSize, statementTimeoutMs, log }: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    statement_timeout: statementTimeoutMs,
    idle_in_transaction_session_timeout: statementTimeoutMs * 2,
    connectionTimeoutMillis: 10_000,
    application_name: 'ordo',
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (err: Error & { code?: string }) =>
    log.warn({ error: err.message, code: err.code }, 'idle database connection failed'),
  );
  return { pool, db: drizzle(pool, { schema }) };
}
