import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { makeLocation, makeProduct, receive, uniq } from '../../helpers/factories.js';
import { sequenceAll } from '../../helpers/sequencer.js';
import { type FakeShopify, startFakeShopify } from './fake-shopify.js';
import { connectShop, type Shop } from './shopify.js';

const token = 'shpat_stock_test_token_0001';
const clock = testClock();
let fake: FakeShopify;
let t: TestApp;
let shop: Shop;
let skus: string[];
let item = 1000;

const location1 = 'gid://shopify/Location/1';

/** Numbers the new events (the sequencer worker does this in a running Ordo), then collects. */
async function collect(app: TestApp = t) {
  await sequenceAll(app);
  return app.app.services.connectors.collectStock();
}
const push = (app: TestApp = t) => app.app.services.connectors.pushStock();
const shopifyAvailable = (sku: string) => fake.available.get(fake.items.get(sku) ?? '')?.get(location1);
const onHand = async (sku: string) =>
  Number(
    (
      await t.pool.query(
        `SELECT l.on_hand FROM inventory_levels l JOIN products p ON p.id = l.product_id
          JOIN locations c ON c.id = l.location_id WHERE p.sku = $1 AND c.code = $2`,
        [sku, shop.location],
      )
    ).rows[0].on_hand,
  );
const status = async () =>
  (await t.request({ method: 'GET', url: `/v1/connectors/shopify/${shop.channel}/status` })).json();

beforeAll(async () => {
  fake = await startFakeShopify(token);
  t = await createTestApp({ config: { shopifyAdminOrigin: fake.origin }, clock });
  shop = await connectShop(t, { access_token: token });
  skus = [];
  for (let i = 0; i < 20; i++) {
    const { sku } = await makeProduct(t, { sku: uniq('STK') });
    skus.push(sku);
    fake.items.set(sku, `gid://shopify/InventoryItem/${item++}`);
  }
});
afterAll(async () => {
  await t.close();
  await fake.close();
});
beforeEach(() => {
  fake.failNext.length = 0;
  clock.reset();
});

describe('stock out', () => {
  it('coalesces 200 availability changes of 20 SKUs into one call: the last value wins', async () => {
    for (let round = 1; round <= 10; round++) {
      await receive(
        t,
        skus.map((sku) => ({ sku, location: shop.location, delta: round })),
      );
    }
    await collect();
    const before = fake.mutations.length;
    expect((await status()).backlog).toBe(20);
    expect(await push()).toBe(20);
    expect(fake.mutations.length - before).toBe(1);
    for (const sku of skus) {
      expect(shopifyAvailable(sku)).toBe(55);
      expect(await onHand(sku)).toBe(55);
    }
    expect(await status()).toMatchObject({ backlog: 0, last_push_at: expect.any(String) });
    // Nothing due: no call.
    const calls = fake.calls;
    await collect();
    expect(await push()).toBe(0);
    expect(fake.calls).toBe(calls);
  });

  it('never sends an older value after a newer one', async () => {
    const [sku = ''] = skus;
    await receive(t, [{ sku, location: shop.location, delta: -5 }]);
    await collect();
    await receive(t, [{ sku, location: shop.location, delta: -5 }]);
    await collect();
    await push();
    expect(shopifyAvailable(sku)).toBe(await onHand(sku));
    const sent = fake.mutations
      .flatMap((m) => m.quantities)
      .filter((q) => q.inventoryItemId === fake.items.get(sku));
    expect(sent.at(-1)?.quantity).toBe(45);
    expect(sent.map((q) => q.quantity)).not.toContain(50);
  });

  it('waits as Shopify asks on THROTTLED, 429 and 5xx, then pushes what is due', async () => {
    const [sku = ''] = skus;
    for (const failure of ['throttled', 429, 500] as const) {
      await receive(t, [{ sku, location: shop.location, delta: 1 }]);
      await collect();
      fake.failNext.push(failure);
      expect(await push()).toBe(0);
      const paused = await status();
      expect(paused).toMatchObject({
        backlog: 1,
        last_error: expect.any(String),
        paused_until: expect.any(String),
      });
      // Within the pause nothing is called.
      const calls = fake.calls;
      expect(await push()).toBe(0);
      expect(fake.calls).toBe(calls);
      clock.advance(Date.parse(paused.paused_until) - clock.now().getTime() + 1);
      expect(await push()).toBe(1);
      expect(shopifyAvailable(sku)).toBe(await onHand(sku));
      clock.reset();
    }
  });

  it('loses nothing when Ordo stops between collecting and pushing', async () => {
    await receive(
      t,
      skus.map((sku) => ({ sku, location: shop.location, delta: 3 })),
    );
    await collect();
    // Another process over the same database (this one stopped) picks the backlog up.
    const second = await createTestApp({
      database: { url: t.url, drop: async () => {} },
      config: { shopifyAdminOrigin: fake.origin },
    });
    try {
      expect(await push(second)).toBe(20);
    } finally {
      await second.app.close();
      await second.pool.end();
    }
    for (const sku of skus) {
      expect(shopifyAvailable(sku)).toBe(await onHand(sku));
    }
  });

  it('marks a SKU Shopify does not have as done, with the reason', async () => {
    const { sku } = await makeProduct(t, { sku: uniq('NOSHOP') });
    await receive(t, [{ sku, location: shop.location, delta: 4 }]);
    await collect();
    expect(await push()).toBe(0);
    const row = await t.pool.query(
      'SELECT last_error, version = pushed_version AS done FROM shopify_stock_pushes WHERE sku = $1',
      [sku],
    );
    expect(row.rows[0]).toEqual({ last_error: 'the SKU is not a Shopify inventory item', done: true });
  });
});

describe('full stock push', () => {
  /** Three SKUs Shopify has, stocked at two new locations before any store is connected. */
  async function stockedBeforeConnecting() {
    const locations = [(await makeLocation(t)).code, (await makeLocation(t)).code];
    const products: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { sku } = await makeProduct(t, { sku: uniq('FULL') });
      products.push(sku);
      fake.items.set(sku, `gid://shopify/InventoryItem/${item++}`);
    }
    await receive(
      t,
      products.flatMap((sku, i) =>
        locations.map((location, j) => ({ sku, location, delta: 10 * (i + 1) + j })),
      ),
    );
    return { locations, products };
  }
  const at = (sku: string, gid: string) => fake.available.get(fake.items.get(sku) ?? '')?.get(gid);

  it('sends every SKU at every mapped location when a store is connected', async () => {
    const { locations, products } = await stockedBeforeConnecting();
    const [first = '', second = ''] = locations;
    const other = await connectShop(t, {
      access_token: token,
      locations: { [first]: 'gid://shopify/Location/21', [second]: 'gid://shopify/Location/22' },
    });
    const backlog = await t.request({ method: 'GET', url: `/v1/connectors/shopify/${other.channel}/status` });
    expect(backlog.json().backlog).toBe(6);
    expect(await push()).toBe(6);
    for (const [i, sku] of products.entries()) {
      expect(at(sku, 'gid://shopify/Location/21')).toBe(10 * (i + 1));
      expect(at(sku, 'gid://shopify/Location/22')).toBe(10 * (i + 1) + 1);
    }
    // The availability changes from before the connection are covered: collecting sends nothing again.
    await collect();
    expect(await push()).toBe(0);
  });

  it('sends the stock of a location newly mapped (or mapped elsewhere), and forgets an unmapped one', async () => {
    const { locations, products } = await stockedBeforeConnecting();
    const [first = '', second = ''] = locations;
    const other = await connectShop(t, {
      access_token: token,
      locations: { [first]: 'gid://shopify/Location/31' },
    });
    expect(await push()).toBe(3);
    const remap = (map: Record<string, string>) =>
      t.request({
        method: 'PUT',
        url: `/v1/connectors/shopify/${other.channel}`,
        payload: { shop_domain: 'acme-store.myshopify.com', api_version: '2025-01', locations: map },
      });
    // The first location unchanged, the second added: only the second's quantities go.
    const added = await remap({
      [first]: 'gid://shopify/Location/31',
      [second]: 'gid://shopify/Location/32',
    });
    expect(added.statusCode, added.body).toBe(200);
    const before = fake.mutations.length;
    expect(await push()).toBe(3);
    expect(fake.mutations.slice(before).flatMap((m) => m.quantities.map((q) => q.locationId))).toEqual([
      'gid://shopify/Location/32',
      'gid://shopify/Location/32',
      'gid://shopify/Location/32',
    ]);
    // The first location now is another Shopify location: it gets every quantity, though none changed.
    await remap({ [first]: 'gid://shopify/Location/33', [second]: 'gid://shopify/Location/32' });
    expect(await push()).toBe(3);
    for (const [i, sku] of products.entries()) {
      expect(at(sku, 'gid://shopify/Location/33')).toBe(10 * (i + 1));
    }
    // A change waiting for a location taken off the map is dropped: there is nowhere to send it.
    await receive(t, [{ sku: products[0] ?? '', location: second, delta: 1 }]);
    await collect();
    const status = () => t.request({ method: 'GET', url: `/v1/connectors/shopify/${other.channel}/status` });
    expect((await status()).json().backlog).toBe(1);
    await remap({ [first]: 'gid://shopify/Location/33' });
    expect((await status()).json().backlog).toBe(0);
  });
});

describe('backoff on 5xx', () => {
  it('waits 5 s, then twice as long after each 5xx in a row, and starts over after a success', async () => {
    clock.set(Date.now());
    const [sku = ''] = skus;
    const waits: number[] = [];
    const failOnce = async () => {
      fake.failNext.push(500);
      const from = clock.now().getTime();
      expect(await push()).toBe(0);
      const paused = await status();
      expect(paused.last_error).toBe('Shopify answered 500');
      waits.push((Date.parse(paused.paused_until) - from) / 1000);
      clock.advance(Date.parse(paused.paused_until) - from);
    };
    await receive(t, [{ sku, location: shop.location, delta: 1 }]);
    await collect();
    for (let i = 0; i < 4; i++) {
      await failOnce();
    }
    // 5, 10, 20, 40 s, each ±20%.
    [5, 10, 20, 40].forEach((base, i) => {
      expect(waits[i]).toBeGreaterThanOrEqual(base * 0.8);
      expect(waits[i]).toBeLessThanOrEqual(base * 1.2 + 0.001);
    });
    expect(await push()).toBe(1);
    expect(shopifyAvailable(sku)).toBe(await onHand(sku));
    await receive(t, [{ sku, location: shop.location, delta: 1 }]);
    await collect();
    await failOnce();
    expect(waits[4]).toBeLessThanOrEqual(6.001);
    expect(await push()).toBe(1);
  });

  it('honours Retry-After on a 429 in a run of 5xx, which neither ends nor extends the run', async () => {
    clock.set(Date.now());
    const [sku = ''] = skus;
    await receive(t, [{ sku, location: shop.location, delta: 1 }]);
    await collect();
    const waitAfter = async (failure: 500 | 429) => {
      fake.failNext.push(failure);
      const from = clock.now().getTime();
      expect(await push()).toBe(0);
      const wait = Date.parse((await status()).paused_until) - from;
      clock.advance(wait);
      return wait;
    };
    expect(await waitAfter(500)).toBeLessThanOrEqual(6_000);
    expect(await waitAfter(429)).toBe(2_000);
    expect(await waitAfter(500)).toBeGreaterThanOrEqual(8_000);
    expect(await push()).toBe(1);
  });
});
