import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/client.js';
import { inTransaction } from '../../src/db/transaction.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { apart, refuseSecondConnections, secondConnectionMessage } from '../helpers/second-connection.js';

// The test app's pool refuses a second connection to a transaction (test/helpers/second-connection.ts):
// these show that the guard catches what it is there for, and lets the rest through.
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const one = sql`SELECT 1 AS one`;

/** Drizzle reports a failed query with the driver's error as its cause. */
const refused = { cause: { message: secondConnectionMessage } };

describe('a transaction asking its pool for a second connection', () => {
  it('is refused, through the database or the pool, and from inside a savepoint', async () => {
    await expect(inTransaction(t.db, () => t.db.execute(one))).rejects.toMatchObject(refused);
    await expect(t.db.transaction(() => t.pool.query('SELECT 1'))).rejects.toThrow(secondConnectionMessage);
    await expect(t.db.transaction((tx) => tx.transaction(() => t.db.execute(one)))).rejects.toMatchObject(
      refused,
    );
  });

  it('is let through when a test means it, and never stops the transaction using its own', async () => {
    const apartResult = await inTransaction(t.db, () => apart(() => t.db.execute(one)));
    expect(apartResult.rows).toEqual([{ one: 1 }]);
    const own = await inTransaction(t.db, (tx) => tx.execute(one));
    expect(own.rows).toEqual([{ one: 1 }]);
    // Outside a transaction, and in transactions one after another or side by side, nothing is refused.
    const [a, b] = await Promise.all([t.db.transaction((tx) => tx.execute(one)), t.db.execute(one)]);
    expect([a.rows, b.rows]).toEqual([[{ one: 1 }], [{ one: 1 }]]);
  });

  it('is only about its own pool: another pool gives a transaction a connection', async () => {
    const other = createDatabase({
      url: t.url,
      poolSize: 1,
      statementTimeoutMs: 5000,
      log: pino({ level: 'silent' }),
    });
    refuseSecondConnections(other.pool);
    try {
      const [row] = await inTransaction(t.db, async () => (await other.pool.query('SELECT 1 AS one')).rows);
      expect(row).toEqual({ one: 1 });
      await expect(other.db.transaction(() => other.db.execute(one))).rejects.toMatchObject(refused);
    } finally {
      await other.pool.end();
    }
  });
});
