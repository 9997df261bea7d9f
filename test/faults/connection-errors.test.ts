import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database, type Tx } from '../../src/db/client.js';
import { inTransaction } from '../../src/db/transaction.js';
import { toAppError } from '../../src/http/problem.js';
import { createTestDatabase } from '../helpers/app.js';
import { waitFor } from '../helpers/wait.js';

// The driver's failures when the database goes away, produced for real (a port nobody listens on, a
// server that never answers, a backend terminated or frozen under an open transaction), each as the
// HTTP layer would answer it: a 503 service_unavailable with Retry-After, never a 500.
let database: { url: string; drop(): Promise<void> };
let admin: pg.Client;
const opened: Database[] = [];
const logged: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  database = await createTestDatabase();
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});

afterAll(async () => {
  for (const { pool } of opened) {
    await pool.end();
  }
  await admin?.end();
  await database?.drop();
});

/** A pool as Ordo makes it, logging into `logged`. */
function open(url: string, statementTimeoutMs = 5000): Database {
  const log = pino({ level: 'warn' }, { write: (line: string) => logged.push(JSON.parse(line)) });
  const opening = createDatabase({ url, poolSize: 1, statementTimeoutMs, log });
  opened.push(opening);
  return opening;
}

const backendPid = async (tx: Tx): Promise<number> =>
  (await tx.execute<{ pid: number }>(sql`SELECT pg_backend_pid() AS pid`)).rows[0]?.pid ?? 0;

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err,
  );
}

function expectUnavailable(err: unknown): void {
  const problem = toAppError(err);
  expect(problem.code, String(err)).toBe('service_unavailable');
  expect(problem.retryAfterSeconds).toBeGreaterThan(0);
}

/** A TCP server that takes connections and never says a word, like a paused PostgreSQL. */
async function silentServer(): Promise<{ url: string; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `postgresql://postgres:secret@127.0.0.1:${port}/ordo`,
    close() {
      for (const socket of sockets) {
        socket.destroy();
      }
      server.close();
    },
  };
}

describe('database connection failures', () => {
  it('maps a server that is not there (ECONNREFUSED, under drizzle) to 503', async () => {
    const { db } = open('postgresql://postgres:secret@127.0.0.1:1/ordo');
    expectUnavailable(await failure(db.execute(sql`SELECT 1`)));
    expectUnavailable(await failure(inTransaction(db, (tx) => tx.execute(sql`SELECT 1`))));
  });

  it('maps a server that never answers the connection to 503 once the connect timeout passes', async () => {
    const silent = await silentServer();
    try {
      const { db } = open(silent.url, 200);
      expectUnavailable(await failure(db.execute(sql`SELECT 1`)));
    } finally {
      silent.close();
    }
  });

  it('answers 503 for a transaction whose backend is terminated between statements, and logs it once', async () => {
    const { db, pool } = open(database.url);
    const before = logged.length;
    let backend = 0;
    const err = await failure(
      inTransaction(db, async (tx) => {
        backend = await backendPid(tx);
        await admin.query('SELECT pg_terminate_backend($1)', [backend]);
        // The connection is checked out and idle: pg emits `error` on it, which must not crash the process.
        await waitFor(() => logged.length > before, { what: 'the lost connection to be noticed' });
        return tx.execute(sql`SELECT 1`);
      }),
    );
    expectUnavailable(err);
    expect(logged.slice(before)).toEqual([
      expect.objectContaining({ level: 40, msg: 'a database connection failed; it is replaced' }),
    ]);
    // The pool carries on with a new connection.
    const { rows } = await pool.query('SELECT pg_backend_pid() AS pid');
    expect(rows[0].pid).not.toBe(backend);
  });

  it('gives up on a backend that stops answering mid-transaction, and never hands its transaction on', async () => {
    // A 300 ms statement timeout: the driver waits 1.3 s for an answer (the server's own timeout
    // cannot fire in a frozen backend).
    const { db, pool } = open(database.url, 300);
    const code = `frozen-${randomBytes(4).toString('hex')}`;
    let backend = 0;
    const err = await failure(
      inTransaction(db, async (tx) => {
        backend = await backendPid(tx);
        await tx.execute(sql`INSERT INTO channels (code, name) VALUES (${code}, 'Frozen')`);
        process.kill(backend, 'SIGSTOP');
        return tx.execute(sql`SELECT 1`);
      }),
    ).finally(() => process.kill(backend, 'SIGCONT'));
    expectUnavailable(err);
    // The pool's one connection was closed, not reused: the next query runs on a new one, outside the
    // abandoned transaction, whose insert never commits.
    const { rows } = await pool.query(
      'SELECT pg_backend_pid() AS pid, (SELECT count(*)::int FROM channels WHERE code = $1) AS n',
      [code],
    );
    expect(rows[0]).toEqual({ pid: expect.any(Number), n: 0 });
    expect(rows[0].pid).not.toBe(backend);
  });
});
