import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { makeChannel, makeLocation, orderBody, stocked } from '../helpers/factories.js';
import { halfWritten, whole } from '../helpers/integrity.js';
import { apiOf, type Outcome, startLoad } from '../helpers/load.js';
import { lockGate } from '../helpers/locks.js';
import { faultConfig, type OrdoUnderTest, startOrdo } from '../helpers/ordo-process.js';
import { waitFor } from '../helpers/wait.js';

// A real Ordo process on this file's database: a connection that dies under a request must not take
// the process down (pg emits `error` on the client), and the request must answer 503, not 500.
const ordoUnderTest = 'ordo-under-test';
let t: TestApp;
let ordo: OrdoUnderTest;
let api: ReturnType<typeof apiOf>;
let channel: string;
let sku: string;

beforeAll(async () => {
  t = await createTestApp({ config: faultConfig() });
  channel = (await makeChannel(t)).code;
  const location = (await makeLocation(t, { channels: [channel] })).code;
  sku = await stocked(t, { [location]: 10_000 });
  // Named apart from the test's own connections (the URL's application_name wins over Ordo's).
  ordo = await startOrdo(`${t.url}?application_name=${ordoUnderTest}`);
  api = apiOf(ordo.base, t.adminKey);
});

afterAll(async () => {
  await ordo?.close();
  await t?.close();
});

const capture = () => api('POST', '/v1/orders', orderBody(channel, [{ sku, quantity: 1 }]));

/** Ordo's backends on this file's database that wait for a lock. */
const blockedBackends = async (): Promise<number[]> =>
  (
    await t.pool.query(
      `SELECT pid FROM pg_stat_activity
        WHERE application_name = $1 AND cardinality(pg_blocking_pids(pid)) > 0 ORDER BY pid`,
      [ordoUnderTest],
    )
  ).rows.map((row) => row.pid);

/** A 503 service_unavailable problem with Retry-After. */
function expectUnavailable(outcome: Outcome | undefined): void {
  expect(outcome).toMatchObject({
    status: 503,
    retryAfter: expect.stringMatching(/^\d+$/),
    contentType: expect.stringMatching(/^application\/problem\+json/),
    body: { code: 'service_unavailable', status: 503 },
  });
}

async function expectServing(): Promise<void> {
  expect(ordo.alive()).toBe(true);
  const res = await capture();
  expect(res.status, await res.clone().text()).toBe(201);
  expect(await halfWritten(t.pool)).toEqual(whole);
}

describe('a database connection killed under a request', () => {
  it('answers the requests whose backends were terminated with 503 and Retry-After, and stays up', async () => {
    // Four captures queue on the SKU's stock row behind a lock of the test's own.
    const gate = await lockGate(t.pool, {
      sql: 'SELECT 1 FROM inventory_levels WHERE product_id = (SELECT id FROM products WHERE sku = $1) FOR UPDATE',
      params: [sku],
    });
    const responses: Outcome[] = [];
    const requests = Array.from({ length: 4 }, async (_, request) => {
      const res = await capture();
      responses.push({
        request,
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
        contentType: res.headers.get('content-type'),
        body: (await res.json()) as Record<string, unknown>,
      });
    });
    try {
      await gate.queued(4);
      const [first, second] = await blockedBackends();
      const terminated = await t.pool.query(
        'SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid',
        [[first, second]],
      );
      expect(terminated.rowCount).toBe(2);
      // The two whose connections died answer while the others still wait behind the gate.
      await waitFor(() => responses.length === 2, { what: 'the two terminated requests to answer' });
    } finally {
      await gate.open();
    }
    await Promise.all(requests);
    expectUnavailable(responses[0]);
    expectUnavailable(responses[1]);
    expect(responses.slice(2).map((r) => r.status)).toEqual([201, 201]);

    // Each lost connection is logged once, as a warning.
    expect(ordo.logged('a database connection failed; it is replaced')).toEqual([
      expect.objectContaining({ level: 40 }),
      expect.objectContaining({ level: 40 }),
    ]);
    await expectServing();
  });

  it('stays up when every one of its connections is terminated during a load, and serves on', async () => {
    const load = startLoad(capture, 4);
    try {
      await waitFor(() => load.count(201) >= 10, { what: '10 captures' });
      const killedAt = load.outcomes.length;
      const { rowCount } = await t.pool.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [ordoUnderTest],
      );
      expect(rowCount).toBeGreaterThan(0);
      await waitFor(() => load.count(201, killedAt) >= 20, { what: '20 captures after the kill' });
    } finally {
      await load.stop();
    }
    for (const outcome of load.outcomes.filter((o) => o.status !== 201)) {
      expectUnavailable(outcome);
    }
    await expectServing();
  });
});
