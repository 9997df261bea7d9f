import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { makeChannel, makeLocation, orderBody, stocked } from '../helpers/factories.js';
import { halfWritten, whole } from '../helpers/integrity.js';
import { apiOf, type Load, startLoad } from '../helpers/load.js';
import { faultConfig, type OrdoUnderTest, startOrdo } from '../helpers/ordo-process.js';
import { type OwnPostgres, startOwnPostgres } from '../helpers/own-postgres.js';
import { waitFor } from '../helpers/wait.js';

// A real Ordo process on a PostgreSQL server of this file's own, which the tests stop, restart and
// pause (SIGSTOP) under a capture load. Short statement timeout: a paused server fails requests soon.
let server: OwnPostgres;
let t: TestApp;
let ordo: OrdoUnderTest;
let api: ReturnType<typeof apiOf>;
let channel: string;
let sku: string;

beforeAll(async () => {
  server = await startOwnPostgres();
  t = await createTestApp({ config: faultConfig(), database: { url: server.url, drop: async () => {} } });
  channel = (await makeChannel(t)).code;
  const location = (await makeLocation(t, { channels: [channel] })).code;
  sku = await stocked(t, { [location]: 100_000 });
  ordo = await startOrdo(server.url, { DATABASE_STATEMENT_TIMEOUT_MS: '1000' });
  api = apiOf(ordo.base, t.adminKey);
});

afterAll(async () => {
  server?.resume();
  await ordo?.close();
  await t?.close();
  await server?.close();
});

const capture = () => api('POST', '/v1/orders', orderBody(channel, [{ sku, quantity: 1 }]));
const readyz = () => fetch(`${ordo.base}/readyz`);

/**
 * Runs a capture load, takes the database away with `fail` once captures succeed, gives it back with
 * `recover` once requests fail, and checks what the clients got: 201, or 503 with Retry-After while
 * the database was away, never a 500 or a dropped connection; /readyz not ready meanwhile; and
 * captures succeeding again without a restart of Ordo.
 */
async function outage(fail: () => Promise<void>, recover: () => Promise<void>): Promise<Load> {
  const load = startLoad(capture, 4);
  try {
    await waitFor(() => load.count(201) >= 5, { what: '5 captures' });
    await fail();
    const failedAt = load.outcomes.length;
    await waitFor(() => load.count(503, failedAt) >= 6, { what: '503s while the database is away' });
    const notReady = await readyz();
    expect(notReady.status).toBe(503);
    expect(notReady.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await notReady.json()).toMatchObject({ code: 'service_unavailable', instance: '/readyz' });

    await recover();
    await waitFor(async () => (await readyz()).status === 200, { what: '/readyz to be ready again' });
    const readyAt = load.outcomes.length;
    await waitFor(() => load.count(201, readyAt) >= 10, { what: '10 captures after the database is back' });
  } finally {
    await load.stop();
  }
  for (const outcome of load.outcomes.filter((o) => o.status !== 201)) {
    expect(outcome).toMatchObject({
      status: 503,
      retryAfter: expect.stringMatching(/^\d+$/),
      contentType: expect.stringMatching(/^application\/problem\+json/),
      body: { code: 'service_unavailable' },
    });
  }
  expect(ordo.alive()).toBe(true);
  // Every 201 is an order in the database, whole.
  const created = load.outcomes.flatMap((o) => (o.status === 201 ? [String(o.body.id)] : []));
  const found = await t.pool.query('SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[])', [
    created,
  ]);
  expect(found.rows[0].n).toBe(created.length);
  expect(await halfWritten(t.pool)).toEqual(whole);
  return load;
}

describe('PostgreSQL unavailable during a load', () => {
  it('stopped and started again: 503 with Retry-After meanwhile, then served again without a restart', async () => {
    await outage(
      () => server.stop(),
      () => server.start(),
    );
  });

  it('paused with SIGSTOP: 503 with Retry-After within the timeouts, then served again once it runs on', async () => {
    const from = ordo.lines.length;
    await outage(
      () => server.pause(),
      async () => server.resume(),
    );

    // The workers (release, event sequencer, webhook dispatcher...) failed on every run while the
    // database was paused: each said so once (and again only after ten times as many failures), as
    // a warning without a stack, and they kept running: each that failed has succeeded since.
    const lines = () => ordo.lines.slice(from);
    const failures = lines().filter((line) => line.msg === 'worker run failed: the database is unavailable');
    const workers = new Set(failures.map((line) => String(line.worker)));
    expect(workers).toContain('event-sequencer');
    for (const worker of workers) {
      const logged = failures.filter((line) => line.worker === worker);
      expect(logged.length, worker).toBeLessThanOrEqual(3);
      for (const line of logged) {
        expect(line).toMatchObject({ level: 40, error: expect.any(String) });
        expect(line.err).toBeUndefined();
      }
    }
    expect(lines().filter((line) => line.msg === 'worker run failed')).toEqual([]);
    const recovered = () =>
      new Set(lines().flatMap((l) => (l.msg === 'worker runs succeed again' ? [l.worker] : [])));
    await waitFor(() => [...workers].every((worker) => recovered().has(worker)), {
      what: 'every failing worker to succeed again',
    });
  });
});
