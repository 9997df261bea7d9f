import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { makeProduct, receive, uniq } from '../../helpers/factories.js';
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
