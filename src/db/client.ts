import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Logger } from 'pino';

// No schema given to drizzle: Ordo does not use its relational queries (`db.query.<table>`), which
// would build a query builder per table on every transaction (0.7% of Ordo's CPU under load).
export type Db = NodePgDatabase;
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

/** How much longer than the server's statement timeout the driver waits for an answer before giving up. */
const answerMarginMs = 1000;

/**
 * How long a request waits for a connection (a free one, or a new one the server must accept): as long
 * as a statement may run, within these bounds. A server that does not answer then fails it with a 503.
 */
const connectWaitMs = { min: 1000, max: 10_000 };

export function createDatabase({ url, poolSize, statementTimeoutMs, log }: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    statement_timeout: statementTimeoutMs,
    idle_in_transaction_session_timeout: statementTimeoutMs * 2,
    // Client-side bounds for a server that stops answering (paused, cut off by the network), which no
    // server-side timeout can cover: waiting for a connection, and for the answer to a query.
    connectionTimeoutMillis: Math.min(connectWaitMs.max, Math.max(connectWaitMs.min, statementTimeoutMs)),
    query_timeout: statementTimeoutMs + answerMarginMs,
    application_name: 'ordo',
    // Statements are prepared once per connection (below) and keyed queries plan the same for any value:
    // a generic plan saves PostgreSQL planning on every call.
    options: '-c plan_cache_mode=force_generic_plan',
    // A query is written without waiting for the answer to the one before: a transaction's BEGIN goes
    // out with its first statement (below).
    pipeline: true,
  });
  pool.on('connect', (client) => {
    watchConnection(client, log);
    wrapQueries(client);
  });
  // The pool re-emits an idle client's error after dropping the client; watchConnection logged it.
  pool.on('error', () => {});
  return { pool, db: drizzle(pool) };
}

/**
 * A connection can fail at any time: the server restarts, an operator ends its backend, the network
 * drops. pg reports that as an `error` event on the client, which would crash the process without a
 * listener, and the pool listens only while the client is idle, not while a request (a transaction)
 * has it checked out. The query under way fails on its own and the pool drops the client when it is
 * released, so the event only needs logging, once per connection.
 */
function watchConnection(client: pg.PoolClient, log: Logger): void {
  let reported = false;
  client.on('error', (err: Error & { code?: string }) => {
    if (!reported) {
      reported = true;
      log.warn({ error: err.message, code: err.code }, 'a database connection failed; it is replaced');
    }
  });
}

/** Statement names by SQL text, shared by every connection: one name per distinct statement. */
const statementNames = new Map<string, string>();

type QueryConfig = { text?: unknown; name?: unknown };

type Callback = (err: unknown, result?: unknown) => void;

/** The statement's name, giving each distinct SQL text one name shared by every connection. */
function named(config: unknown, values: unknown): unknown {
  const query = config as QueryConfig | null;
  if (
    !query ||
    typeof query.text !== 'string' ||
    query.name ||
    !Array.isArray(values) ||
    values.length === 0
  ) {
    return config;
  }
  let name = statementNames.get(query.text);
  if (name === undefined) {
    name = `ordo_${statementNames.size + 1}`;
    statementNames.set(query.text, name);
  }
  return { ...query, name };
}

/** A plain BEGIN (drizzle's): on a working connection it fails only when the one before it did. */
const isBegin = (config: unknown): boolean => {
  const text = typeof config === 'string' ? config : (config as QueryConfig | null)?.text;
  return typeof text === 'string' && text.trim().toLowerCase() === 'begin';
};

/** What a BEGIN answers, given to drizzle before the server has: it reads nothing from it. */
const begun = { command: 'BEGIN', rowCount: null, rows: [], fields: [] };

/**
 * Three things every query on a connection needs, added in one place:
 * - A transaction's BEGIN is not waited for: drizzle is told it succeeded at once, so its first
 *   statement is written right behind it (the connection pipelines) and the two cost one round trip.
 *   The statement's answer waits for BEGIN's, and carries its error if BEGIN failed.
 * - Each distinct parameterised statement is prepared once per connection (a named statement keyed by
 *   its text) instead of parsed and planned on every call: PostgreSQL then spends its time executing.
 *   Drizzle issues unnamed statements, so the name is added here.
 * - A query that timed out on the client side (`query_timeout`) is still running, or stuck, on the
 *   server, in whatever transaction the connection had open. The connection is closed, so the pool
 *   drops it and the server rolls back what the transaction had not committed: handed to the next
 *   request instead, it would run that request's statements behind the stuck one, inside the
 *   abandoned transaction.
 */
function wrapQueries(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const closeIfTimedOut = (err: unknown) => {
    if (err instanceof Error && err.message === 'Query read timeout') {
      client.end(() => {});
    }
  };
  const watched =
    (callback: Callback): Callback =>
    (err, result) => {
      closeIfTimedOut(err);
      callback(err, result);
    };
  let opening: Promise<unknown> | undefined;
  const send = (config: unknown, values?: unknown, callback?: unknown): unknown => {
    const result = query(
      named(config, values),
      typeof values === 'function' ? watched(values as Callback) : values,
      typeof callback === 'function' ? watched(callback as Callback) : callback,
    );
    if (result instanceof Promise) {
      result.catch(closeIfTimedOut);
    }
    return result;
  };
  (client as { query: unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    const promised = typeof values !== 'function' && typeof callback !== 'function';
    if (promised && isBegin(config) && opening === undefined) {
      opening = send(config, values) as Promise<unknown>;
      // Its failure is reported by the statement that follows it.
      opening.catch(() => {});
      return Promise.resolve(begun);
    }
    const begin = opening;
    opening = undefined;
    if (!begin) {
      return send(config, values, callback);
    }
    if (promised) {
      return Promise.all([begin, send(config, values)]).then(([, result]) => result);
    }
    const done = (typeof values === 'function' ? values : callback) as Callback;
    const answered: Callback = (err, result) =>
      void begin.then(
        () => done(err, result),
        (beginErr: unknown) => done(beginErr),
      );
    return typeof values === 'function' ? send(config, answered) : send(config, values, answered);
  };
}
