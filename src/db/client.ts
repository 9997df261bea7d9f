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
    // Statements are prepared once per connection (below) and keyed queries plan the same for any value:
    // a generic plan saves PostgreSQL planning on every call.
    options: '-c plan_cache_mode=force_generic_plan',
  });
  pool.on('connect', prepareStatements);
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (err: Error & { code?: string }) =>
    log.warn({ error: err.message, code: err.code }, 'idle database connection failed'),
  );
  return { pool, db: drizzle(pool, { schema }) };
}

/** Statement names by SQL text, shared by every connection: one name per distinct statement. */
const statementNames = new Map<string, string>();

type QueryConfig = { text?: unknown; name?: unknown };

/**
 * Makes a connection prepare each distinct parameterised statement once (a named statement keyed by
 * its text) instead of parsing and planning it on every call: PostgreSQL then spends its time
 * executing. Drizzle issues unnamed statements, so the name is added here, in one place.
 */
function prepareStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    const named = config as QueryConfig | null;
    if (
      named &&
      typeof named.text === 'string' &&
      !named.name &&
      Array.isArray(values) &&
      values.length > 0
    ) {
      let name = statementNames.get(named.text);
      if (name === undefined) {
        name = `ordo_${statementNames.size + 1}`;
        statementNames.set(named.text, name);
      }
      return query({ ...named, name }, values, callback);
    }
    return query(config, values, callback);
  };
}
