import { sql } from 'drizzle-orm';
import type pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client.js';
import { inTransaction } from '../../src/db/transaction.js';
import { createTestDatabase } from '../helpers/app.js';

// A transaction's BEGIN goes out with its first statement (the connection pipelines): one round trip
// fewer for every transaction, with the same outcome when anything fails.
let database: { url: string; drop(): Promise<void> };
let opened: Database;
/** What the connection wrote and what the server answered, in order. */
const wire: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  opened = createDatabase({
    url: database.url,
    poolSize: 1,
    statementTimeoutMs: 5000,
    log: pino({ level: 'silent' }),
  });
  opened.pool.on('connect', (client) => {
    const connection = (client as unknown as { connection: pg.Connection & Record<string, unknown> })
      .connection;
    const recorded =
      (original: (arg: { text?: string } | string) => void) => (arg: { text?: string } | string) => {
        wire.push(`sent ${typeof arg === 'string' ? arg : arg.text}`);
        original.call(connection, arg);
      };
    connection.query = recorded(connection.query as never) as never;
    connection.parse = recorded(connection.parse as never) as never;
    connection.on('readyForQuery', () => wire.push('answered'));
  });
  await opened.db.execute(sql`CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)`);
});

afterAll(async () => {
  await opened?.pool.end();
  await database?.drop();
});

describe('a transaction on an Ordo pool', () => {
  it('writes its first statement before the server has answered BEGIN', async () => {
    wire.length = 0;
    await inTransaction(opened.db, async (tx) => {
      await tx.execute(sql`INSERT INTO notes (id, body) VALUES (${1}, ${'one'})`);
      await tx.execute(sql`SELECT body FROM notes WHERE id = ${1}`);
    });
    expect(wire).toEqual([
      'sent begin',
      'sent INSERT INTO notes (id, body) VALUES ($1, $2)',
      'answered',
      'answered',
      'sent SELECT body FROM notes WHERE id = $1',
      'answered',
      'sent commit',
      'answered',
    ]);
    const { rows } = await opened.pool.query('SELECT body FROM notes WHERE id = 1');
    expect(rows).toEqual([{ body: 'one' }]);
  });

  it('rolls everything back when its first statement fails, and the connection serves the next one', async () => {
    const failed = inTransaction(opened.db, async (tx) => {
      await tx.execute(sql`INSERT INTO notes (id, body) VALUES (${2}, ${'two'})`);
      await tx.execute(sql`INSERT INTO notes (id, body) VALUES (${1}, ${'again'})`);
    });
    await expect(failed).rejects.toThrow();
    const first = inTransaction(opened.db, async (tx) => {
      await tx.execute(sql`INSERT INTO notes (id, body) VALUES (${null}, ${'no id'})`);
    });
    await expect(first).rejects.toThrow();
    // The pool has one connection: both failed transactions ended on it, and it works on.
    const rows = await inTransaction(
      opened.db,
      async (tx) => (await tx.execute(sql`SELECT id FROM notes ORDER BY id`)).rows,
    );
    expect(rows).toEqual([{ id: 1 }]);
  });

  it('gives the statement after a failed BEGIN that BEGIN’s error, whether it is promised or called back', async () => {
    const client = await opened.pool.connect();
    // A BEGIN fails only in a transaction that already failed: make one.
    const failedTransaction = async () => {
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      await expect(client.query('SELECT 1 / 0')).rejects.toThrow(/division by zero/);
    };
    try {
      await failedTransaction();
      await expect(client.query('begin')).resolves.toMatchObject({ command: 'BEGIN' });
      await expect(client.query('SELECT 1 AS one')).rejects.toThrow(/current transaction is aborted/);
      await client.query('ROLLBACK');

      await failedTransaction();
      void client.query('begin');
      const called = await new Promise<unknown>((resolve) => {
        client.query('SELECT 1 AS one', (err: Error | null) => resolve(err));
      });
      expect(String(called)).toMatch(/current transaction is aborted/);
      await client.query('ROLLBACK');
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      client.release();
    }
  });
});
