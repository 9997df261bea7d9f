import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../helpers/app.js';
import { type Receiver, startReceiver } from '../../helpers/receiver.js';
import { type RunningService, startService } from '../../helpers/service.js';
import { waitFor } from '../../helpers/wait.js';

const apiKey = 'webhook-process-test-key-0123456789';
const children: ChildProcessWithoutNullStreams[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

afterAll(async () => {
  for (const child of children) {
    child.kill('SIGKILL');
  }
  for (const cleanup of cleanups) {
    await cleanup();
  }
});

/** The real service on `databaseUrl`, with short webhook timeouts and retries; killed after the file. */
async function startOn(databaseUrl: string, env: Record<string, string> = {}): Promise<RunningService> {
  const service = await startService({
    DATABASE_URL: databaseUrl,
    ORDO_BOOTSTRAP_API_KEY: apiKey,
    ORDO_WEBHOOK_ALLOW_PRIVATE: 'true',
    ORDO_WEBHOOK_CONCURRENCY: '4',
    ORDO_WEBHOOK_TIMEOUT_MS: '1000',
    ORDO_WEBHOOK_RETRY_SCHEDULE: '0.1,0.2,0.5,1,1,1,1,1,1',
    LOG_LEVEL: 'info',
    ...env,
  });
  children.push(service.child);
  return service;
}

async function call(base: string, method: string, url: string, body?: unknown) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}

/** A catalog, stock and a subscription of `receiver` to every order event; returns the order placer. */
async function setUp(base: string, receiver: Receiver, tag: string) {
  await call(base, 'POST', '/v1/channels', { code: `web-${tag}`, name: 'Web' });
  await call(base, 'POST', '/v1/locations', {
    code: `dc-${tag}`,
    name: 'DC',
    kind: 'warehouse',
    address: { line1: '1 Main St', city: 'Edison', region: 'NJ', postal_code: '08837', country: 'US' },
  });
  await call(base, 'POST', '/v1/products', { sku: `sku-${tag}`, name: 'Thing' });
  await call(base, 'POST', '/v1/inventory/adjustments', {
    reference: `stock-${tag}`,
    reason: 'receipt',
    items: [{ sku: `sku-${tag}`, location: `dc-${tag}`, delta: 100_000 }],
  });
  const subscription = (await call(base, 'POST', '/v1/webhooks', {
    url: receiver.url,
    event_types: ['order.*'],
  })) as { secret: string };
  receiver.secrets.push(subscription.secret);
  let n = 0;
  return (on: string) =>
    call(on, 'POST', '/v1/orders', {
      channel: `web-${tag}`,
      external_id: `${tag}-${++n}`,
      customer: { email: 'a@example.com' },
      ship_to: { line1: '350 5th Ave', city: 'New York', region: 'NY', postal_code: '10118', country: 'US' },
      lines: [{ sku: `sku-${tag}`, quantity: 1, unit_price: 1000 }],
      currency: 'USD',
      shipping: { service_level: 'standard', amount: 0 },
      payment: { status: 'captured', amount: 1000 },
    });
}

async function orderEventIds(url: string): Promise<Set<string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(`SELECT id FROM events WHERE type LIKE 'order.%'`);
    return new Set(result.rows.map((row) => String(row.id)));
  } finally {
    await client.end();
  }
}

const missing = (expected: Set<string>, receiver: Receiver) => {
  const got = new Set(receiver.received.map((r) => r.id));
  return [...expected].filter((id) => !got.has(id));
};

describe('webhook delivery across processes', () => {
  it('still delivers every event after the service is killed with SIGKILL mid-delivery', async () => {
    const database = await createTestDatabase();
    cleanups.push(database.drop);
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    receiver.delayMs = 150;
    const first = await startOn(database.url);
    const place = await setUp(first.base, receiver, 'kill');
    for (let i = 0; i < 20; i++) {
      await place(first.base);
    }
    await waitFor(() => receiver.received.length >= 8, {
      what: '8 deliveries before the kill',
      timeoutMs: 20_000,
    });
    first.child.kill('SIGKILL');
    await first.exited;
    const expected = await orderEventIds(database.url);
    expect(missing(expected, receiver).length).toBeGreaterThan(0);

    const second = await startOn(database.url);
    await waitFor(() => missing(expected, receiver).length === 0, {
      what: 'every event delivered after the restart',
      timeoutMs: 45_000,
      intervalMs: 200,
    });
    expect(receiver.rejected).toBe(0);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 90_000);

  it('two processes on one database never deliver the same event at the same time, and miss none', async () => {
    const database = await createTestDatabase();
    cleanups.push(database.drop);
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    receiver.delayMs = 40;
    const a = await startOn(database.url);
    const b = await startOn(database.url);
    const place = await setUp(a.base, receiver, 'pair');
    await Promise.all(Array.from({ length: 30 }, (_, i) => place(i % 2 === 0 ? a.base : b.base)));
    const expected = await orderEventIds(database.url);
    await waitFor(() => missing(expected, receiver).length === 0, {
      what: 'every event delivered by the two processes',
      timeoutMs: 40_000,
      intervalMs: 100,
    });
    expect(receiver.maxConcurrentSameId).toBe(1);
    // Healthy processes hold each claim for its whole attempt: every event arrived exactly once (later
    // events, such as order.released from the release worker, arrive too, each once as well).
    const ids = receiver.received.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);
  }, 90_000);

  it('keeps delivering while every request connection waits on a lock', async () => {
    const database = await createTestDatabase();
    cleanups.push(database.drop);
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    const service = await startOn(database.url, { DATABASE_POOL_SIZE: '1' });
    const place = await setUp(service.base, receiver, 'outbox');
    // LOCK TABLE takes no transaction id, so the sequencer's horizon does not wait for this transaction.
    const gate = new pg.Client({ connectionString: database.url });
    await gate.connect();
    await gate.query('BEGIN');
    await gate.query('LOCK TABLE inventory_levels IN EXCLUSIVE MODE');
    let answered = false;
    const blocked = place(service.base).finally(() => {
      answered = true;
    });
    // Another process's event, committed while this one's only request connection waits on the lock.
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    const inserted = await other.query(
      `INSERT INTO events (type, resource_type, resource_id, data)
       VALUES ('order.created', 'order', gen_random_uuid()::text, '{"from": "another process"}') RETURNING id`,
    );
    await other.end();
    try {
      await waitFor(() => receiver.received.some((r) => r.event.id === inserted.rows[0].id), {
        what: 'the event delivered while the capture waits',
        timeoutMs: 8000,
      });
      expect(answered).toBe(false);
    } finally {
      await gate.query('COMMIT');
      await gate.end();
    }
    expect(await blocked).toMatchObject({ status: 'allocated' });
    service.child.kill('SIGTERM');
    // Warnings and errors it logged say why, should it not stop cleanly.
    const stopped = await service.exited;
    expect(stopped, JSON.stringify(service.lines.filter((line) => Number(line.level) >= 40))).toBe(0);
  }, 60_000);
});
