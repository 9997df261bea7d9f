/**
 * The order load the capture benchmarks share: a catalog, random orders, a closed loop of posters
 * (autocannon) and a flash sale on one SKU, with what each phase measured.
 */
import autocannon from 'autocannon';
import pg from 'pg';
import { api, apiKey, log, percentile, run } from './harness.js';

export interface Phase {
  name: string;
  concurrency: number;
  seconds: number;
  requests: number;
  /** Orders captured (2xx) per second: shed and failed requests are not orders. */
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  non2xx: number;
  /** 503 + Retry-After: load shedding refused the request before it started (a client retries it). */
  shed: number;
  /** Other 5xx. */
  errors5xx: number;
  socketErrors: number;
}

const zips = ['08837', '60601', '75201', '90021', '98108', '30301', '80202', '85001', '33101', '02101'];
const regions = ['NJ', 'IL', 'TX', 'CA', 'WA', 'GA', 'CO', 'AZ', 'FL', 'MA'];
export const channels = ['web', 'amazon', 'pos'].map((code) => `${code}-${run}`);

/** The catalog every capture benchmark orders from: its SKUs and kits. */
export async function seed(base: string) {
  const started = Date.now();
  for (const [i, code] of channels.entries()) {
    await api(base, 'POST', '/v1/channels', { code, name: code, priority: 10 - i * 3 });
  }
  const locations = zips.map((_, i) => `DC-${run}-${i}`);
  for (const [i, code] of locations.entries()) {
    await api(base, 'POST', '/v1/locations', {
      code,
      name: `Warehouse ${i}`,
      kind: i < 8 ? 'warehouse' : 'store',
      priority: i,
      address: {
        line1: `${i + 1} Dock Rd`,
        city: 'Metro',
        region: regions[i],
        postal_code: zips[i],
        country: 'US',
      },
    });
  }
  const skus = Array.from({ length: 1000 }, (_, i) => `SKU-${run}-${i}`);
  await api(base, 'POST', '/v1/products/bulk', {
    products: skus.map((sku, i) => ({
      sku,
      name: `Product ${i}`,
      weight_grams: 100 + (i % 900),
      tags: [i % 7 === 0 ? 'fragile' : 'ambient'],
    })),
  });
  // Stock in most locations: about 85% of (SKU, location) pairs, deep enough not to run out.
  const items = skus.flatMap((sku, i) =>
    locations
      .filter((_, j) => (i * 7 + j * 13) % 20 >= 3)
      .map((location) => ({ sku, location, delta: 1_000_000 })),
  );
  for (let start = 0; start < items.length; start += 5000) {
    await api(base, 'POST', '/v1/inventory/adjustments', {
      reference: `seed-${run}-${start}`,
      reason: 'receipt',
      items: items.slice(start, start + 5000),
    });
  }
  // 50 kits of 2-3 catalog SKUs each: their lines reserve, lock and ship their components.
  const kits = Array.from({ length: kitCount }, (_, i) => `KIT-${run}-${i}`);
  for (const [i, sku] of kits.entries()) {
    await api(base, 'POST', '/v1/products', {
      sku,
      name: `Kit ${i}`,
      kit: {
        components: Array.from({ length: 2 + (i % 2) }, (_, j) => ({
          sku: skus[(i * 37 + j * 101) % skus.length],
          quantity: 1 + (j % 2),
        })),
      },
    });
  }
  log(
    `seeded 1000 SKUs, ${kitCount} kits, 10 locations, 3 channels, ${items.length} stock levels in ${Date.now() - started} ms`,
  );
  return { skus, kits };
}

export const kitCount = 50;
/** The share of order lines that are kits. */
export const kitShare = 0.1;

let sequence = 0;

/** A random order of 1-5 lines (some of them kits) with a new external id. */
export function orderBody({ skus, kits }: { skus: string[]; kits: string[] }): string {
  const lineCount = 1 + Math.floor(Math.random() * 5);
  const chosen = new Set<string>();
  while (chosen.size < lineCount) {
    const from = Math.random() < kitShare ? kits : skus;
    chosen.add(from[Math.floor(Math.random() * from.length)] ?? '');
  }
  const lines = [...chosen].map((sku) => ({
    sku,
    quantity: 1 + Math.floor(Math.random() * 3),
    unit_price: 500 + Math.floor(Math.random() * 5000),
  }));
  const total = lines.reduce((sum, line) => sum + line.quantity * line.unit_price, 0) + 599;
  const n = ++sequence;
  return JSON.stringify({
    channel: channels[n % 3],
    external_id: `bench-${run}-${n}`,
    customer: { email: `customer${n % 5000}@example.com`, name: 'Bench Customer' },
    ship_to: {
      name: 'Bench Customer',
      line1: `${n % 999} Main St`,
      city: 'Metro',
      region: regions[n % zips.length],
      postal_code: zips[n % zips.length],
      country: 'US',
    },
    lines,
    currency: 'USD',
    shipping: { service_level: n % 10 === 0 ? 'express' : 'standard', amount: 599 },
    payment: { status: 'captured', amount: total, method: 'card', avs_result: 'Y', cvv_result: 'M' },
  });
}

/** Posts orders at `connections` at once to `bases` (round-robin by connection) and measures the captured ones. */
export async function load(
  bases: string | string[],
  name: string,
  options: { connections: number; duration?: number; amount?: number; body: () => string },
): Promise<Phase> {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const options_: autocannon.Options = {
    // autocannon takes several URLs and gives connection i the i-th (round-robin); its types say string.
    url: (Array.isArray(bases) ? bases : [bases]).map((base) => `${base}/v1/orders`) as unknown as string,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.duration }),
    timeout: 30,
    requests: [
      {
        method: 'POST' as const,
        path: '/v1/orders',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        setupRequest: (request: autocannon.Request) => ({ ...request, body: options.body() }),
      },
    ],
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options_, (err, done) => (err ? reject(err) : resolve(done)));
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      // Latencies of captured orders only: a shed request's fast 503 would flatter them.
      if (statusCode >= 200 && statusCode < 300) {
        latencies.push(responseTime);
      }
      statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
    });
  });
  latencies.sort((a, b) => a - b);
  const count = (test: (status: number) => boolean) =>
    [...statuses].filter(([s]) => test(s)).reduce((sum, [, n]) => sum + n, 0);
  const elapsed = result.duration;
  const phase: Phase = {
    name,
    concurrency: options.connections,
    seconds: Math.round(elapsed * 10) / 10,
    requests: count(() => true),
    perSecond: Math.round(latencies.length / elapsed),
    p50: Math.round(percentile(latencies, 50) * 10) / 10,
    p95: Math.round(percentile(latencies, 95) * 10) / 10,
    p99: Math.round(percentile(latencies, 99) * 10) / 10,
    non2xx: count((s) => s < 200 || s >= 300),
    shed: count((s) => s === 503),
    errors5xx: count((s) => s >= 500 && s !== 503),
    socketErrors: result.errors + result.timeouts,
  };
  log(`${name}: ${JSON.stringify(phase)}`);
  return phase;
}

/** One SKU with 5,000 units in two locations, `orders` one-unit orders of it at concurrency 64 to `bases`. */
export async function flashSale(
  bases: string | string[],
  databaseUrl: string,
  orders: number,
): Promise<Phase & { reserved: number; oversold: number; allocatedOrders: number }> {
  const sku = `FLASH-${run}`;
  const [base = ''] = Array.isArray(bases) ? bases : [bases];
  await api(base, 'POST', '/v1/products', { sku, name: 'Flash sale item' });
  await api(base, 'POST', '/v1/inventory/adjustments', {
    reference: `flash-${run}`,
    reason: 'receipt',
    items: [
      { sku, location: `DC-${run}-0`, delta: 3000 },
      { sku, location: `DC-${run}-5`, delta: 2000 },
    ],
  });
  let n = 0;
  const phase = await load(bases, 'flash sale', {
    connections: 64,
    amount: orders,
    body: () =>
      JSON.stringify({
        channel: channels[0],
        external_id: `flash-${run}-${++n}`,
        customer: { email: `fan${n}@example.com` },
        ship_to: { line1: '1 Fan Way', city: 'Metro', region: 'NJ', postal_code: '08837', country: 'US' },
        lines: [{ sku, quantity: 1, unit_price: 4999 }],
        currency: 'USD',
        shipping: { service_level: 'standard', amount: 0 },
        payment: { status: 'captured', amount: 4999 },
      }),
  });
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query(
    `SELECT sum(l.reserved)::int AS reserved, sum(greatest(0, l.reserved - l.on_hand))::int AS oversold,
            (SELECT count(*)::int FROM orders o JOIN order_lines ol ON ol.order_id = o.id
              WHERE ol.sku = $1 AND ol.quantity_allocated = 1) AS allocated_orders
       FROM inventory_levels l JOIN products p ON p.id = l.product_id WHERE p.sku = $1`,
    [sku],
  );
  await client.end();
  const outcome = {
    ...phase,
    reserved: rows[0].reserved,
    oversold: rows[0].oversold,
    allocatedOrders: rows[0].allocated_orders,
  };
  log(
    `flash sale: reserved ${outcome.reserved} of 5000, oversold ${outcome.oversold}, allocated orders ${outcome.allocatedOrders}`,
  );
  return outcome;
}
