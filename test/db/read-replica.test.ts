import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { makeChannel, makeLocation, orderBody, stocked } from '../helpers/factories.js';
import { captureOrder } from '../helpers/orders.js';
import { type ReplicatedPostgres, startReplicatedPostgres } from '../helpers/replica.js';
import { waitFor } from '../helpers/wait.js';

// A real primary and a streaming standby of it: lists, reports and the feed read the standby while it
// keeps up, everything else the primary; a lagging or stopped standby sends reads back to the primary.
let servers: ReplicatedPostgres;
let t: TestApp;
let channel: string;
let sku: string;

beforeAll(async () => {
  servers = await startReplicatedPostgres(pino({ level: 'silent' }));
  t = await createTestApp({
    database: { url: servers.primaryUrl, drop: async () => {} },
    config: { databaseReadUrl: servers.replicaUrl, replicaMaxLagMs: 1000 },
  });
  channel = (await makeChannel(t)).code;
  sku = await stocked(t, { [(await makeLocation(t)).code]: 100 });
}, 120_000);
afterAll(async () => {
  await t?.close();
  await servers?.stop();
});

const listed = async () => {
  const res = await t.request({ method: 'GET', url: `/v1/orders?channel=${channel}&limit=500` });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json().data as Array<{ id: string }>).map((order) => order.id);
};
const ready = async () => {
  const res = await t.request({ method: 'GET', url: '/readyz', key: null });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};
const metric = async (name: string) => {
  const res = await t.request({ method: 'GET', url: '/metrics', key: null });
  const line = res.body.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

describe('a read replica', () => {
  it('serves lists while single orders and writes use the primary', async () => {
    expect(await ready()).toMatchObject({ read_replica: { status: 'ok', reads_from: 'replica' } });
    const first = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    await waitFor(async () => (await listed()).includes(first.id), {
      what: 'the standby to replay the order',
    });

    await servers.pauseReplay();
    const second = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    // The order itself reads the primary at once; the list, from the paused standby, does not have it yet.
    const own = await t.request({ method: 'GET', url: `/v1/orders/${second.id}` });
    expect(own.statusCode, own.body).toBe(200);
    expect(await listed()).not.toContain(second.id);

    await servers.resumeReplay();
    await waitFor(async () => (await listed()).includes(second.id), { what: 'the standby to catch up' });
  });

  it('sends reads back to the primary while the standby lags, and says so', async () => {
    await servers.pauseReplay();
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    await waitFor(async () => (await t.replica?.check())?.status === 'lagging', {
      what: 'the paused standby to fall more than a second behind',
    });
    expect(await listed()).toContain(order.id);
    expect(await ready()).toMatchObject({
      status: 'ready',
      read_replica: { status: 'lagging', lag_ms: expect.any(Number), reads_from: 'primary' },
    });
    expect(await metric('ordo_read_replica_up')).toBe(0);
    expect(await metric('ordo_read_replica_lag_seconds')).toBeGreaterThan(1);

    await servers.resumeReplay();
    await waitFor(async () => (await t.replica?.check())?.status === 'ok', {
      what: 'the standby to catch up',
    });
    expect(await ready()).toMatchObject({ read_replica: { status: 'ok', reads_from: 'replica' } });
    expect(await metric('ordo_read_replica_up')).toBe(1);
  });

  it('sends reads back to the primary when the standby is gone', async () => {
    await servers.stopReplica();
    expect((await t.replica?.check())?.status).toBe('unreachable');
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    expect(await listed()).toContain(order.id);
    const report = await t.request({ method: 'GET', url: '/v1/reports/orders' });
    expect(report.statusCode, report.body).toBe(200);
    expect(await ready()).toMatchObject({
      status: 'ready',
      read_replica: { status: 'unreachable', lag_ms: null, reads_from: 'primary' },
    });
  });
});
