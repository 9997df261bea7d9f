import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { makeChannel, makeLocation, orderBody, stocked } from '../helpers/factories.js';
import { captureOrder, postOrder } from '../helpers/orders.js';
import { expectProblem } from '../helpers/problems.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Load shedding: when too many queries wait for a database connection, or the event loop lags,
 * API requests get a 503 problem with Retry-After at once instead of queueing, reads before writes;
 * /healthz and /readyz are never shed. A burst of heavy list reads over real sockets leaves
 * readiness and order capture answering.
 */

describe('a database queue or lists in progress past their bounds', () => {
  let t: TestApp;
  let channel: string;
  const logged: Array<{ level: number; msg: string; err?: unknown }> = [];
  beforeAll(async () => {
    const log = pino({ level: 'warn' }, { write: (line: string) => logged.push(JSON.parse(line)) });
    t = await createTestApp({ poolSize: 1, config: { maxDatabaseWaiting: 2, maxConcurrentLists: 1 }, log });
    channel = (await makeChannel(t)).code;
  });
  afterAll(() => t.close());

  it('refuses reads at half the queue bound and writes at the bound, with Retry-After, and serves the rest', async () => {
    const held = await t.pool.connect();
    const waiting: Array<Promise<{ statusCode: number }>> = [];
    try {
      // One read waits for the only connection: another read now finds the queue at its bound (1).
      waiting.push(t.request({ method: 'GET', url: `/v1/channels/${channel}` }));
      await waitFor(() => t.pool.waitingCount >= 1, { what: 'a request to wait for a connection' });
      const read = await t.request({ method: 'GET', url: `/v1/channels/${channel}` });
      expect(expectProblem(read, 503, 'service_unavailable').detail).toMatch(/database queue/);
      expect(read.headers['retry-after']).toBe('1');
      // A write is still let in, and queues; the next one finds the queue at the write bound (2).
      waiting.push(t.request({ method: 'PATCH', url: `/v1/channels/${channel}`, payload: { priority: 7 } }));
      await waitFor(() => t.pool.waitingCount >= 2, { what: 'the write to queue' });
      const write = await t.request({
        method: 'PATCH',
        url: `/v1/channels/${channel}`,
        payload: { priority: 8 },
      });
      expectProblem(write, 503, 'service_unavailable');
      expect(write.headers['retry-after']).toBe('1');
      // System routes are outside the API and never shed.
      expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      held.release();
    }
    expect((await Promise.all(waiting)).map((res) => res.statusCode)).toEqual([200, 200]);
    expect((await t.request({ method: 'GET', url: `/v1/channels/${channel}` })).json().priority).toBe(7);
    // Shedding is expected under load: a warning line each, not an error with a stack trace.
    const shed = logged.filter((line) => /database queue/.test(line.msg));
    expect(shed.length).toBe(2);
    expect(shed.every((line) => line.level === 40 && line.err === undefined)).toBe(true);
  });

  it('refuses a list while the bound of lists is in progress, and only lists', async () => {
    const held = await t.pool.connect();
    let first: Promise<{ statusCode: number }> | undefined;
    try {
      first = t.request({ method: 'GET', url: '/v1/products' });
      await waitFor(() => t.pool.waitingCount >= 1, { what: 'the first list to wait for a connection' });
      const second = await t.request({ method: 'GET', url: '/v1/orders' });
      expect(expectProblem(second, 503, 'service_unavailable').detail).toMatch(/lists in progress/);
      expect(second.headers['retry-after']).toBe('1');
    } finally {
      held.release();
    }
    expect((await first)?.statusCode).toBe(200);
    // The slot is free again.
    expect((await t.request({ method: 'GET', url: '/v1/orders' })).statusCode).toBe(200);
  });
});

describe('a lagging event loop', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ config: { maxEventLoopDelayMs: 50 } });
  });
  afterAll(() => t.close());

  const block = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // a handler hogging the loop
    }
  };

  it('refuses API requests with 503 + Retry-After while /healthz and /readyz answer', async () => {
    let shed: Awaited<ReturnType<TestApp['request']>> | undefined;
    let system: Array<{ statusCode: number }> = [];
    await waitFor(
      async () => {
        block(400);
        const [api, healthz, readyz] = await Promise.all([
          t.request({ method: 'GET', url: '/v1/channels' }),
          t.app.inject({ method: 'GET', url: '/healthz' }),
          t.app.inject({ method: 'GET', url: '/readyz' }),
        ]);
        if (api.statusCode === 503) {
          shed = api;
          system = [healthz, readyz];
        }
        return shed !== undefined;
      },
      { what: 'the sampled event-loop delay to shed a request', timeoutMs: 20_000, intervalMs: 1 },
    );
    expect(shed).toBeDefined();
    if (shed) {
      expect(expectProblem(shed, 503, 'service_unavailable').detail).toMatch(/event loop/);
      expect(shed.headers['retry-after']).toBe('1');
    }
    expect(system.map((res) => res.statusCode)).toEqual([200, 200]);
    // Once the loop is idle again, requests are served.
    await waitFor(async () => (await t.request({ method: 'GET', url: '/v1/channels' })).statusCode === 200, {
      what: 'the pressure to end',
    });
  });
});

/** The parts of autocannon's JSON report the test reads. */
interface AutocannonResult {
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}

describe('a burst of heavy list reads over real sockets', () => {
  let t: TestApp;
  let base: string;
  let channel: string;
  let skus: string[];
  const agent = new Agent({ connections: 1000, pipelining: 1 });

  /** `count` copies of a captured order with `lines` lines, written straight to the tables. */
  async function cloneOrders(template: string, count: number) {
    const columns = async (table: string, skip: string[]) =>
      (
        await t.pool.query<{ name: string }>(
          `SELECT column_name AS name FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER'
              AND identity_generation IS NULL AND NOT (column_name = ANY($2))`,
          [table, skip],
        )
      ).rows.map((row) => `"${row.name}"`);
    const order = await columns('orders', ['id', 'number', 'external_id']);
    const line = await columns('order_lines', ['id', 'order_id']);
    await t.pool.query(
      `WITH copies AS (
         INSERT INTO orders (external_id, ${order.join(', ')})
         SELECT 'burst-' || g, ${order.map((c) => `o.${c}`).join(', ')}
           FROM orders o, generate_series(1, $2::int) g WHERE o.id = $1
         RETURNING id)
       INSERT INTO order_lines (order_id, ${line.join(', ')})
       SELECT c.id, ${line.map((col) => `l.${col}`).join(', ')}
         FROM copies c CROSS JOIN order_lines l WHERE l.order_id = $1`,
      [template, count],
    );
  }

  beforeAll(async () => {
    // Production's shedding defaults, with the event-loop check on.
    t = await createTestApp({ config: { maxEventLoopDelayMs: 1000 } });
    channel = (await makeChannel(t)).code;
    const location = (await makeLocation(t)).code;
    skus = [];
    for (let i = 0; i < 10; i++) {
      skus.push(await stocked(t, { [location]: 1000 }));
    }
    const template = await captureOrder(
      t,
      orderBody(
        channel,
        skus.map((sku) => ({ sku, quantity: 1 })),
        { metadata: { note: 'x'.repeat(2000) } },
      ),
    );
    await cloneOrders(template.id, 500);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(async () => {
    await agent.close();
    await t.close();
  });

  const get = (url: string, key: string | null = t.adminKey) =>
    request(`${base}${url}`, {
      dispatcher: agent,
      headers: key ? { authorization: `Bearer ${key}` } : {},
    });

  it('serves heavy pages at most 100 orders long, whatever limit asks', async () => {
    const res = await get('/v1/orders?limit=500');
    expect(res.statusCode).toBe(200);
    const page = (await res.body.json()) as { data: unknown[]; next_cursor: string | null };
    expect(page.data).toHaveLength(100);
    expect(page.next_cursor).not.toBeNull();
  });

  /** autocannon in a child process: 500 connections, one `GET /v1/orders?limit=500` each, at once. */
  function startBurst() {
    const child = spawn(
      path.resolve('node_modules/.bin/autocannon'),
      [
        '-c',
        '500',
        '-a',
        '500',
        '-t',
        '60',
        '-j',
        '-H',
        `authorization=Bearer ${t.adminKey}`,
        `${base}/v1/orders?limit=500`,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const done = new Promise<AutocannonResult>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', () => resolve(JSON.parse(output) as AutocannonResult));
    });
    return { running: () => child.exitCode === null && child.signalCode === null, done };
  }

  /** Connections the server has accepted since the burst began: a count that polling cannot miss. */
  function countConnections() {
    let accepted = 0;
    const onConnection = () => {
      accepted++;
    };
    t.app.server.on('connection', onConnection);
    return { accepted: () => accepted, stop: () => t.app.server.off('connection', onConnection) };
  }

  it('keeps /readyz and order capture answering while 500 clients list orders at once', async () => {
    const connected = countConnections();
    const burst = startBurst();
    // A fifth of the burst accepted, counted as it happens: on a loaded machine the connections open
    // and finish in waves, and a poll of the open ones could miss every wave.
    await waitFor(() => connected.accepted() >= 100, { what: 'the burst to connect', timeoutMs: 60_000 });
    connected.stop();
    const ready = await get('/readyz', null);
    const readyStatus = ready.statusCode;
    await ready.body.dump();
    const capture = await request(`${base}/v1/orders`, {
      dispatcher: agent,
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(orderBody(channel, [{ sku: skus[0] as string, quantity: 1 }])),
    });
    const captured = capture.statusCode;
    await capture.body.dump();
    const duringBurst = burst.running();
    const result = await burst.done;

    expect(readyStatus).toBe(200);
    expect(captured).toBe(201);
    expect(duringBurst, 'readiness and capture answered while the burst was still running').toBe(true);
    // Every burst request was answered: a page, or a 503 to retry; nothing failed or timed out.
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(Object.keys(result.statusCodeStats).sort()).toEqual(['200', '503']);
    expect(result.statusCodeStats['503']?.count, 'the burst was shed, not queued').toBeGreaterThan(0);
    // The server's own latency record: readiness and capture within a second.
    const metrics = await (await get('/metrics', null)).body.text();
    for (const route of [
      'method="GET",route="/readyz",status="200"',
      'method="POST",route="/v1/orders",status="201"',
    ]) {
      const bucket = (le: string) => {
        const prefix = `ordo_http_request_duration_seconds_bucket{le="${le}",${route}} `;
        return Number(
          metrics
            .split('\n')
            .find((line) => line.startsWith(prefix))
            ?.slice(prefix.length),
        );
      };
      expect(bucket('1'), route).toBe(bucket('+Inf'));
      expect(bucket('+Inf'), route).toBeGreaterThan(0);
    }
  }, 120_000);

  it('answers a capture over the same sockets after the burst', async () => {
    const res = await postOrder(t, orderBody(channel, [{ sku: skus[1] as string, quantity: 1 }]));
    expect(res.statusCode, res.body).toBe(201);
  });
});
