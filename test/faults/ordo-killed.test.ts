import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { makeChannel, makeLocation, orderBody, stocked } from '../helpers/factories.js';
import { halfWritten, whole } from '../helpers/integrity.js';
import { apiOf, startLoad } from '../helpers/load.js';
import { lockGate } from '../helpers/locks.js';
import { faultConfig, type OrdoUnderTest, startOrdo } from '../helpers/ordo-process.js';
import { waitFor } from '../helpers/wait.js';

// A real Ordo process killed with SIGKILL in the middle of a capture load: whatever it had under way
// is lost, and what it answered 201 for must be in the database, whole, when it starts again.
let t: TestApp;
const processes: OrdoUnderTest[] = [];
let channel: string;
let skus: string[];

beforeAll(async () => {
  t = await createTestApp({ config: faultConfig() });
  channel = (await makeChannel(t)).code;
  const near = (await makeLocation(t, { channels: [channel], priority: 10 })).code;
  const far = (await makeLocation(t, { channels: [channel], priority: 1 })).code;
  // Little stock of one SKU, so that captures also split, backorder and compete for the last units.
  skus = [await stocked(t, { [near]: 10_000, [far]: 10_000 }), await stocked(t, { [near]: 15, [far]: 15 })];
});

afterAll(async () => {
  for (const ordo of processes) {
    await ordo.close();
  }
  await t?.close();
});

async function start(): Promise<OrdoUnderTest> {
  const ordo = await startOrdo(t.url);
  processes.push(ordo);
  return ordo;
}

describe('Ordo killed (SIGKILL) during a capture load', () => {
  it('has every order it answered 201 for after a restart, with nothing half-written', async () => {
    const first = await start();
    const api = apiOf(first.base, t.adminKey);
    const bodies: object[] = [];
    const load = startLoad((n) => {
      bodies[n] = orderBody(channel, [
        { sku: skus[0] as string, quantity: 1 + (n % 3) },
        { sku: skus[1] as string, quantity: 1 },
      ]);
      return api('POST', '/v1/orders', bodies[n]);
    }, 6);
    await waitFor(() => load.count(201) >= 20, { what: '20 captures' });
    // Kill it with captures caught half-way: each has locked its stock rows and drawn its ids, and
    // waits to write the order with its events behind a lock of the test's on the events table.
    const gate = await lockGate(t.pool, { sql: 'LOCK TABLE events IN EXCLUSIVE MODE' });
    try {
      await gate.queued(4);
      first.child.kill('SIGKILL');
      await first.exited;
    } finally {
      await gate.open();
    }
    await load.stop();

    // Before the kill every request answered 201; those under way at the kill got no answer.
    expect(load.outcomes.every((o) => o.status === 201 || o.status === 'no response')).toBe(true);
    const created = load.outcomes.flatMap((o) => (o.status === 201 ? [String(o.body.id)] : []));

    const second = await start();
    const again = apiOf(second.base, t.adminKey);
    for (const id of created) {
      expect((await again('GET', `/v1/orders/${id}`)).status).toBe(200);
    }
    expect(await halfWritten(t.pool)).toEqual(whole);

    // The new process numbers the events the killed one committed but had not numbered yet.
    await waitFor(
      async () => (await t.pool.query('SELECT 1 FROM events WHERE position IS NULL LIMIT 1')).rowCount === 0,
      { what: 'every event to be numbered' },
    );

    // Clients retry what got no answer: each order exists once, whether or not its first try committed.
    const unanswered = load.outcomes.flatMap((o) => (o.status === 'no response' ? [o.request] : []));
    expect(unanswered.length).toBeGreaterThan(0);
    for (const n of unanswered) {
      expect([200, 201]).toContain((await again('POST', '/v1/orders', bodies[n] as object)).status);
    }
    const { rows } = await t.pool.query(
      `SELECT count(*)::int AS orders, count(DISTINCT external_id)::int AS distinct_ids FROM orders`,
    );
    expect(rows[0].orders).toBe(rows[0].distinct_ids);
    expect(rows[0].orders).toBe(created.length + unanswered.length);
    expect(await halfWritten(t.pool)).toEqual(whole);
  });
});
