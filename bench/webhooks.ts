/**
 * `npm run bench:webhooks`: webhook delivery under order load, over HTTP on loopback.
 *
 * Starts an embedded PostgreSQL (or uses BENCH_DATABASE_URL's server), runs Ordo as its own process,
 * subscribes a local receiver (node:http, verifying every signature with `standardwebhooks`) to every
 * order event, then posts orders at BENCH_RATE per second (default 300) for BENCH_SECONDS (default 20).
 * Measures the delivery rate and the lag from an order's commit (its 201 reaching the client) to its
 * `order.created` webhook reaching the receiver. Writes its section of bench/RESULTS.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { Agent, request } from 'undici';
import { startEmbeddedPostgres } from '../src/db/embedded.js';

const rate = Number(process.env.BENCH_RATE ?? 300);
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const root = path.resolve(import.meta.dirname, '..');
const apiKey = `bench-${randomBytes(16).toString('hex')}`;
const run = randomBytes(3).toString('hex');
const log = (line: string) => process.stdout.write(`${line}\n`);
const agent = new Agent({ connections: 128 });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

async function startOrdo(databaseUrl: string): Promise<{ base: string; child: ChildProcess }> {
  const port = await freePort();
  // BENCH_NODE_ARGS passes flags to Ordo's process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it.
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      ORDO_BOOTSTRAP_API_KEY: apiKey,
      LOG_LEVEL: 'warn',
      ORDO_RATE_LIMIT_MAX: '100000000',
      ORDO_WEBHOOK_ALLOW_PRIVATE: 'true',
      DATABASE_POOL_SIZE: process.env.BENCH_POOL_SIZE ?? '20',
    },
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) {
        return { base, child };
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('Ordo did not become ready');
}

async function api(base: string, method: 'POST' | 'GET' | 'PATCH', url: string, body?: unknown) {
  const res = await request(`${base}${url}`, {
    method,
    dispatcher: agent,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.body.json()) as Record<string, unknown>;
  if (res.statusCode >= 300) {
    throw new Error(`${method} ${url} -> ${res.statusCode}: ${JSON.stringify(json)}`);
  }
  return json;
}

interface Receipt {
  at: number;
  type: string;
  resourceId: string;
}

function startReceiver(secret: { value: string }, receipts: Receipt[], rejected: { count: number }) {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        const event = new Webhook(secret.value).verify(body, {
          'webhook-id': String(req.headers['webhook-id']),
          'webhook-timestamp': String(req.headers['webhook-timestamp']),
          'webhook-signature': String(req.headers['webhook-signature']),
        }) as { type: string; resource_id: string };
        receipts.push({ at, type: event.type, resourceId: event.resource_id });
        res.writeHead(204).end();
      } catch {
        rejected.count++;
        res.writeHead(401).end();
      }
    });
  });
  return new Promise<{ url: string; close: () => Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      resolve({
        url: `http://127.0.0.1:${address.port}/hooks`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    }),
  );
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (n: number) => Math.round(n * 10) / 10;

interface Result {
  patterns: string;
  orders: number;
  ordersPerSecond: number;
  webhooks: number;
  expected: number;
  deliveredPerSecond: number;
  drainAfterLoad: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  rejected: number;
}

const receipts: Receipt[] = [];
const rejected = { count: 0 };
const secret = { value: '' };
let receiverUrl = '';

/** Subscribes the receiver to `patterns`, posts orders at `rate`/s and measures the webhooks it gets. */
async function phase(
  base: string,
  databaseUrl: string,
  patterns: string[],
  channel: string,
  skus: string[],
): Promise<Result> {
  const subscription = await api(base, 'POST', '/v1/webhooks', { url: receiverUrl, event_types: patterns });
  secret.value = String(subscription.secret);

  const committed = new Map<string, number>();
  let sent = 0;
  let failed = 0;
  const inFlight = new Set<Promise<void>>();
  const total = rate * seconds;
  const started = performance.now();
  log(`${patterns.join(',')}: posting ${total} orders at ${rate}/s`);
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    while (sent < due) {
      const n = ++sent;
      const sku = skus[n % skus.length] ?? '';
      const posted: Promise<void> = api(base, 'POST', '/v1/orders', {
        channel,
        external_id: `bench-${run}-${patterns.join()}-${n}`,
        customer: { email: `c${n % 500}@example.com` },
        ship_to: {
          line1: '350 5th Ave',
          city: 'New York',
          region: 'NY',
          postal_code: '10118',
          country: 'US',
        },
        lines: [{ sku, quantity: 1, unit_price: 1000 }],
        currency: 'USD',
        shipping: { service_level: 'standard', amount: 0 },
        payment: { status: 'captured', amount: 1000 },
      })
        .then((order) => {
          committed.set(String(order.id), performance.now());
        })
        .catch(() => {
          failed++;
        })
        .finally(() => inFlight.delete(posted));
      inFlight.add(posted);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all([...inFlight]);
  const postedFor = (performance.now() - started) / 1000;
  log(`posted ${sent} orders in ${round(postedFor)} s (${failed} failed); waiting for deliveries`);

  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  // Every event numbered (and so fanned out): then the subscription's deliveries are all known.
  while (
    Number((await client.query('SELECT count(*)::int AS n FROM events WHERE position IS NULL')).rows[0].n) > 0
  ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const expected = Number(
    (
      await client.query('SELECT count(*)::int AS n FROM webhook_deliveries WHERE subscription_id = $1', [
        subscription.id,
      ])
    ).rows[0].n,
  );
  const drainStarted = performance.now();
  while (receipts.length < expected && performance.now() - drainStarted < 120_000) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await client.end();

  const createdLags = receipts
    .filter((r) => r.type === 'order.created' && committed.has(r.resourceId))
    .map((r) => r.at - (committed.get(r.resourceId) ?? r.at))
    .sort((a, b) => a - b);
  const first = receipts[0]?.at ?? started;
  const last = receipts.at(-1)?.at ?? started;
  const result: Result = {
    patterns: patterns.join(', '),
    orders: committed.size,
    ordersPerSecond: Math.round(committed.size / postedFor),
    webhooks: receipts.length,
    expected,
    deliveredPerSecond: Math.round(receipts.length / ((last - first) / 1000)),
    drainAfterLoad: round((last - started) / 1000 - postedFor),
    p50: round(percentile(createdLags, 50)),
    p95: round(percentile(createdLags, 95)),
    p99: round(percentile(createdLags, 99)),
    max: round(createdLags.at(-1) ?? 0),
    rejected: rejected.count,
  };
  log(JSON.stringify(result));
  await api(base, 'PATCH', `/v1/webhooks/${subscription.id}`, { active: false });
  return result;
}

async function main() {
  let serverUrl = process.env.BENCH_DATABASE_URL;
  let stopServer = async () => {};
  if (!serverUrl) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-bench-'));
    const server = await startEmbeddedPostgres({
      dataDir,
      port: 0,
      database: 'postgres',
      log: pino({ level: 'warn' }),
    });
    serverUrl = server.url;
    stopServer = async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
  }
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const postgresVersion = (await admin.query('SHOW server_version')).rows[0].server_version as string;
  await admin.query('DROP DATABASE IF EXISTS ordo_bench_webhooks WITH (FORCE)');
  await admin.query('CREATE DATABASE ordo_bench_webhooks');
  await admin.end();
  const databaseUrl = new URL(serverUrl);
  databaseUrl.pathname = '/ordo_bench_webhooks';

  const receiver = await startReceiver(secret, receipts, rejected);
  receiverUrl = receiver.url;
  const ordo = await startOrdo(databaseUrl.toString());
  try {
    const channel = `web-${run}`;
    await api(ordo.base, 'POST', '/v1/channels', { code: channel, name: 'Web' });
    await api(ordo.base, 'POST', '/v1/locations', {
      code: `DC-${run}`,
      name: 'DC',
      kind: 'warehouse',
      address: { line1: '1 Dock Rd', city: 'Edison', region: 'NJ', postal_code: '08837', country: 'US' },
    });
    const skus = Array.from({ length: 100 }, (_, i) => `SKU-${run}-${i}`);
    await api(ordo.base, 'POST', '/v1/products/bulk', { products: skus.map((sku) => ({ sku, name: sku })) });
    await api(ordo.base, 'POST', '/v1/inventory/adjustments', {
      reference: `seed-${run}`,
      reason: 'receipt',
      items: skus.map((sku) => ({ sku, location: `DC-${run}`, delta: 10_000_000 })),
    });
    const results: Result[] = [];
    for (const patterns of [['order.created'], ['order.*']]) {
      receipts.length = 0;
      results.push(await phase(ordo.base, databaseUrl.toString(), patterns, channel, skus));
    }
    await writeSection(results, postgresVersion);
  } finally {
    ordo.child.kill('SIGTERM');
    await new Promise((resolve) => ordo.child.once('exit', resolve));
    await receiver.close();
    await agent.close();
    await stopServer();
  }
}

async function writeSection(results: Result[], postgresVersion: string) {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const section = `<!-- webhooks:start -->
## Webhooks: delivery under order load

Recorded by \`npm run bench:webhooks\` (bench/webhooks.ts) on ${new Date().toISOString().slice(0, 10)}.

Command: \`${process.env.ORDO_WEBHOOK_CONCURRENCY ? `ORDO_WEBHOOK_CONCURRENCY=${process.env.ORDO_WEBHOOK_CONCURRENCY} ` : ''}npm run bench:webhooks\` (BENCH_RATE=${rate}, BENCH_SECONDS=${seconds})

Machine: ${os.cpus().length} × ${cpu}, Node ${process.version}, PostgreSQL ${postgresVersion} (embedded, durable
settings); Ordo (sequencer every 100 ms, ${process.env.ORDO_WEBHOOK_CONCURRENCY ?? 64} webhook attempts at once per process), the order load and
a local receiver that verifies every signature with \`standardwebhooks\` share the machine. Two runs: the
receiver subscribed to \`order.created\` (one webhook per order), then to \`order.*\` (three per order here:
order.created, order.routed, order.allocated). Lag: from an order's 201 reaching the client (its commit) to its \`order.created\` webhook reaching the
receiver, in milliseconds.

| subscribed to | orders | orders/s | webhooks received / queued | webhooks/s | drain after load (s) | lag p50 | p95 | p99 | max | bad signatures |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${results.map((r) => `| \`${r.patterns}\` | ${r.orders} | ${r.ordersPerSecond} | ${r.webhooks} / ${r.expected} | **${r.deliveredPerSecond}** | ${r.drainAfterLoad} | **${r.p50}** | ${r.p95} | ${r.p99} | ${r.max} | ${r.rejected} |`).join('\n')}
<!-- webhooks:end -->`;
  const file = path.join(root, 'bench', 'RESULTS.md');
  const previous = await readFile(file, 'utf8').catch(() => '');
  const marked = /<!-- webhooks:start -->[\s\S]*<!-- webhooks:end -->/;
  const text = marked.test(previous)
    ? previous.replace(marked, section)
    : `${previous.trimEnd()}\n\n${section}\n`;
  await writeFile(file, text);
  log('wrote the webhooks section of bench/RESULTS.md');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
