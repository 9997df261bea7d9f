import { readFile, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import {
  api,
  benchDatabase,
  closeApi,
  log,
  percentile,
  root,
  run,
  startOrdo,
  startReceiver,
} from './harness.js';

const rate = Number(process.env.BENCH_RATE ?? 300);
const seconds = Number(process.env.BENCH_SECONDS ?? 20);

interface Receipt {
  at: number;
  type: string;
  resourceId: string;
}

/** Verifies every webhook's signature and records when it arrived. */
function receive(secret: { value: string }, receipts: Receipt[], rejected: { count: number }) {
  return (body: string, headers: http.IncomingHttpHeaders): number => {
    const at = performance.now();
    try {
      const event = new Webhook(secret.value).verify(body, {
        'webhook-id': String(headers['webhook-id']),
        'webhook-timestamp': String(headers['webhook-timestamp']),
        'webhook-signature': String(headers['webhook-signature']),
      }) as { type: string; resource_id: string };
      receipts.push({ at, type: event.type, resourceId: event.resource_id });
      return 204;
    } catch {
      rejected.count++;
      return 401;
    }
  };
}

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
  const database = await benchDatabase('ordo_bench_webhooks');
  const { postgresVersion } = database;

  const receiver = await startReceiver(receive(secret, receipts, rejected));
  receiverUrl = receiver.url;
  const ordo = await startOrdo(database.url, { ORDO_WEBHOOK_ALLOW_PRIVATE: 'true' });
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
      results.push(await phase(ordo.base, database.url, patterns, channel, skus));
    }
    await writeSection(results, postgresVersion);
  } finally {
    await ordo.stop();
    await receiver.close();
    await closeApi();
    await database.stop();
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
receiver subscribed to \`order.created\` (one webhook per order), then to \`order.*\` (about ${((results.at(-1)?.expected ?? 0) / (results.at(-1)?.orders || 1)).toFixed(1)} per
order here: created, routed, allocated, released). Lag: from an order's 201 reaching the client (its commit) to its \`order.created\` webhook reaching the
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
