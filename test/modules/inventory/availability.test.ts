import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, makeProduct, receive } from '../../helpers/factories.js';

let t: TestApp;
let web: { code: string };
let market: { code: string };
let sku: string;
let shared: string;
let webOnly: string;
let closed: string;

beforeAll(async () => {
  t = await createTestApp();
  web = await makeChannel(t, { default_safety_stock: 1 });
  market = await makeChannel(t, { default_safety_stock: 0 });
  sku = (await makeProduct(t)).sku;
  shared = (await makeLocation(t)).code;
  webOnly = (await makeLocation(t, { channels: [web.code] })).code;
  closed = (await makeLocation(t)).code;
  await receive(t, [
    { sku, location: shared, delta: 10 },
    { sku, location: webOnly, delta: 5 },
    { sku, location: closed, delta: 100 },
  ]);
  await t.request({ method: 'POST', url: `/v1/locations/${closed}/deactivate` });
});
afterAll(() => t.close());

const availability = async (channel: string) => {
  const res = await t.request({
    method: 'GET',
    url: `/v1/inventory/availability?sku=${sku}&channel=${channel}`,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data[0];
};

const setSafety = (items: object[]) =>
  t.request({ method: 'PUT', url: '/v1/inventory/safety-stock', payload: { items } });

const lastEvents = async (since: number) =>
  (
    await t.pool.query(
      "SELECT data FROM events WHERE type = 'inventory.availability_changed' AND sequence > $1 ORDER BY sequence",
      [since],
    )
  ).rows.map((row) => row.data);

const maxSequence = async () =>
  Number((await t.pool.query('SELECT coalesce(max(sequence), 0) AS n FROM events')).rows[0].n);

describe('availability per channel', () => {
  it('sums the active locations serving the channel, minus reserved and safety stock', async () => {
    const forWeb = await availability(web.code);
    expect(forWeb).toMatchObject({ sku, available: 9 + 4 });
    expect(forWeb.locations).toEqual([
      {
        location: shared,
        on_hand: 10,
        reserved: 0,
        damaged: 0,
        quality_control: 0,
        safety_stock: 1,
        available: 9,
        incoming: [],
      },
      {
        location: webOnly,
        on_hand: 5,
        reserved: 0,
        damaged: 0,
        quality_control: 0,
        safety_stock: 1,
        available: 4,
        incoming: [],
      },
    ]);
    const forMarket = await availability(market.code);
    expect(forMarket.available).toBe(10);
    expect(forMarket.locations.map((l: { location: string }) => l.location)).toEqual([shared]);
  });

  it('applies level safety stock, then channel overrides, and announces every change', async () => {
    let since = await maxSequence();
    expect((await setSafety([{ sku, location: shared, quantity: 3 }])).statusCode).toBe(200);
    expect((await availability(web.code)).available).toBe(7 + 4);
    expect((await availability(market.code)).available).toBe(7);
    expect(await lastEvents(since)).toEqual(
      expect.arrayContaining([
        { sku, channel: web.code, available: 11, previous: 13 },
        { sku, channel: market.code, available: 7, previous: 10 },
      ]),
    );

    since = await maxSequence();
    await setSafety([{ sku, location: shared, channel: market.code, quantity: 6 }]);
    expect((await availability(market.code)).available).toBe(4);
    expect((await availability(web.code)).available).toBe(11);
    expect(await lastEvents(since)).toEqual([{ sku, channel: market.code, available: 4, previous: 7 }]);

    since = await maxSequence();
    await setSafety([{ sku, location: shared, channel: market.code, quantity: null }]);
    expect((await availability(market.code)).available).toBe(7);
    await setSafety([{ sku, location: shared, quantity: null }]);
    expect((await availability(web.code)).available).toBe(13);
    expect((await lastEvents(since)).length).toBe(3);
  });

  it('appends no event when nothing sellable moved', async () => {
    const since = await maxSequence();
    await receive(t, [{ sku, location: closed, delta: 1 }]);
    expect(await lastEvents(since)).toEqual([]);
  });

  it('never shows less than zero', async () => {
    await setSafety([{ sku, location: webOnly, quantity: 50 }]);
    const forWeb = await availability(web.code);
    expect(forWeb.locations.find((l: { location: string }) => l.location === webOnly).available).toBe(0);
    const levels = await t.request({
      method: 'GET',
      url: `/v1/inventory/levels?sku=${sku}&location=${webOnly}`,
    });
    expect(levels.json().data[0]).toMatchObject({ on_hand: 5, safety_stock: 50, available: 0 });
    await setSafety([{ sku, location: webOnly, quantity: null }]);
  });

  it('reports unknown SKUs, locations and channels by index', async () => {
    const res = await setSafety([
      { sku, location: shared, quantity: 1 },
      { sku: 'NOPE', location: shared, quantity: 1 },
      { sku, location: shared, channel: 'nope', quantity: 1 },
    ]);
    expect(res.statusCode).toBe(422);
    expect(res.json().errors.map((e: { pointer: string }) => e.pointer)).toEqual([
      '/items/1/sku',
      '/items/2/channel',
    ]);
    const bad = await t.request({
      method: 'GET',
      url: `/v1/inventory/availability?sku=${sku},NOPE&channel=${web.code}`,
    });
    expect(bad.statusCode).toBe(422);
    const noChannel = await t.request({ method: 'GET', url: `/v1/inventory/availability?sku=${sku}` });
    expect(noChannel.statusCode).toBe(422);
    const tooMany = Array.from({ length: 101 }, (_, i) => `S${i}`).join(',');
    expect(
      (
        await t.request({
          method: 'GET',
          url: `/v1/inventory/availability?sku=${tooMany}&channel=${web.code}`,
        })
      ).statusCode,
    ).toBe(422);
  });

  it('uses the channel of a channel-bound key, and hides other channels', async () => {
    const key = await t.keyWith(['inventory:read'], web.code);
    const own = await t.request({ method: 'GET', url: `/v1/inventory/availability?sku=${sku}`, key });
    expect(own.statusCode).toBe(200);
    expect(own.json().channel).toBe(web.code);
    const other = await t.request({
      method: 'GET',
      url: `/v1/inventory/availability?sku=${sku}&channel=${market.code}`,
      key,
    });
    expect(other.statusCode).toBe(404);
  });
});

describe('levels and movements', () => {
  it('filters levels by SKU, location and available below a threshold, across pages', async () => {
    const product = await makeProduct(t);
    const locations: string[] = [];
    for (let i = 0; i < 5; i++) {
      locations.push((await makeLocation(t)).code);
    }
    await receive(
      t,
      locations.map((location, i) => ({ sku: product.sku, location, delta: (i + 1) * 10 })),
    );
    const below = await t.request({ method: 'GET', url: `/v1/inventory/levels?sku=${product.sku}&below=35` });
    expect(below.json().data.map((l: { on_hand: number }) => l.on_hand)).toEqual([10, 20, 30]);

    const seen = [];
    let cursor: string | null = null;
    do {
      const page = await t.request({
        method: 'GET',
        url: `/v1/inventory/levels?sku=${product.sku}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      });
      seen.push(...page.json().data);
      cursor = page.json().next_cursor;
    } while (cursor);
    expect(seen.map((l) => l.location)).toEqual(locations);
  });

  it('lists movements newest first, by reason', async () => {
    const product = await makeProduct(t);
    const location = (await makeLocation(t)).code;
    await receive(t, [{ sku: product.sku, location, delta: 4 }]);
    await t.request({
      method: 'POST',
      url: '/v1/inventory/counts',
      payload: { reference: `cc-${product.sku}`, items: [{ sku: product.sku, location, on_hand: 3 }] },
    });
    const all = await t.request({ method: 'GET', url: `/v1/inventory/movements?sku=${product.sku}` });
    expect(all.json().data.map((m: { reason: string }) => m.reason)).toEqual(['cycle_count', 'receipt']);
    const counts = await t.request({
      method: 'GET',
      url: `/v1/inventory/movements?sku=${product.sku}&reason=cycle_count`,
    });
    expect(counts.json().data).toHaveLength(1);
  });
});
