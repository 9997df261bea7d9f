import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import {
  makeCarrier,
  makeChannel,
  makeLocation,
  makeProduct,
  orderBody,
  receive,
  uniq,
} from '../../helpers/factories.js';
import { captureReleased, settleReleaser, shipmentsOf } from '../../helpers/orders.js';
import { expectProblem } from '../../helpers/problems.js';
import { sequenceAll } from '../../helpers/sequencer.js';
import { type FakeShopify, fakeOrder, startFakeShopify } from './fake-shopify.js';
import { connectShop, deliver, type Shop, shopifyOrder } from './shopify.js';

// Fulfilments out: a shipped shipment of a Shopify order becomes a Shopify fulfilment, once.
const token = 'shpat_fulfil_test_token_0001';
const clock = testClock();
let fake: FakeShopify;
let t: TestApp;
let shop: Shop;
let wms: string;
let nextOrder = 7_100_000_000_000;

beforeAll(async () => {
  fake = await startFakeShopify(token);
  t = await createTestApp({ config: { shopifyAdminOrigin: fake.origin }, clock });
  shop = await connectShop(t, { access_token: token });
  await makeCarrier(t, {}, ['standard', 'express', 'same_day']);
  // A WMS confirms this location's shipments (POST /v1/shipments/{id}/confirm).
  wms = (await makeLocation(t, { fulfillment: 'external_wms' })).code;
});
afterAll(async () => {
  await t.close();
  await fake.close();
});
beforeEach(() => {
  fake.failNext.length = 0;
  clock.reset();
});

/** A Shopify order of `skus` (stocked at the shop's location), captured and released; its shipment. */
async function shippableOrder(skus: string[], known = true) {
  for (const sku of skus) {
    await makeProduct(t, { sku });
    await receive(t, [{ sku, location: wms, delta: 10 }]);
  }
  const id = nextOrder++;
  if (known) {
    fake.orders.set(String(id), fakeOrder(id % 100_000, skus));
  }
  const res = await deliver(t, shop, 'orders/create', shopifyOrder(id, skus));
  expect(res.json(), res.body).toMatchObject({ outcome: 'created' });
  await settleReleaser(t);
  const { rows } = await t.pool.query('SELECT order_id FROM shopify_orders WHERE shopify_order_id = $1', [
    String(id),
  ]);
  const [shipment] = await shipmentsOf(t, rows[0].order_id);
  expect(shipment).toMatchObject({ status: 'pending' });
  return { id: String(id), shipment: shipment as NonNullable<typeof shipment> };
}

async function ship(shipmentId: string, tracking: string, url?: string) {
  const res = await t.request({
    method: 'POST',
    url: `/v1/shipments/${shipmentId}/confirm`,
    payload: {
      carrier: 'ups',
      service: 'ground',
      tracking_number: tracking,
      ...(url ? { tracking_url: url } : {}),
    },
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** The worker's pass (after numbering events, as the sequencer does in a running Ordo). */
async function sync() {
  await sequenceAll(t);
  return t.app.services.connectors.syncFulfilments();
}

const rowOf = async (shipmentId: string) =>
  (await t.pool.query('SELECT * FROM shopify_fulfilments WHERE shipment_id = $1', [shipmentId])).rows[0];
const status = async () =>
  (await t.request({ method: 'GET', url: `/v1/connectors/shopify/${shop.channel}/status` })).json();

describe('fulfilments out', () => {
  it('creates the fulfilment with carrier, tracking number and URL on the open fulfillment order, once', async () => {
    const sku = uniq('FUL');
    const { id, shipment } = await shippableOrder([sku]);
    await ship(shipment.id, '1Z999AA10123456784', 'https://track.example/1Z999AA10123456784');

    expect(await sync()).toEqual({ collected: 1, created: 1 });
    const sent = fake.fulfilments.at(-1);
    expect(sent).toEqual({
      lineItemsByFulfillmentOrder: [
        {
          fulfillmentOrderId: fake.orders.get(id)?.fulfillmentOrders[0]?.id,
          fulfillmentOrderLineItems: [
            { id: expect.stringContaining('FulfillmentOrderLineItem'), quantity: 1 },
          ],
        },
      ],
      notifyCustomer: true,
      trackingInfo: {
        company: 'UPS',
        number: '1Z999AA10123456784',
        url: 'https://track.example/1Z999AA10123456784',
      },
    });
    expect(await rowOf(shipment.id)).toMatchObject({
      status: 'created',
      shopify_fulfillment_id: expect.stringMatching(/^gid:\/\/shopify\/Fulfillment\/\d+$/),
      last_error: null,
    });
    const before = fake.fulfilments.length;
    expect(await sync()).toEqual({ collected: 0, created: 0 });
    expect(fake.fulfilments.length).toBe(before);
    expect(await status()).toMatchObject({ fulfilments_pending: 0, fulfilments_failed: 0 });
  });

  it('reports a kit as its one line item, in the whole kits shipped', async () => {
    const [mug, coffee] = [uniq('MUG'), uniq('COF')];
    for (const sku of [mug, coffee]) {
      await makeProduct(t, { sku });
      await receive(t, [{ sku, location: wms, delta: 10 }]);
    }
    const kit = uniq('KIT');
    await makeProduct(t, {
      sku: kit,
      kit: {
        components: [
          { sku: mug, quantity: 2 },
          { sku: coffee, quantity: 1 },
        ],
      },
    });
    const id = nextOrder++;
    const order = fakeOrder(id % 100_000, [kit]);
    fake.orders.set(String(id), order);
    const res = await deliver(t, shop, 'orders/create', shopifyOrder(id, [kit]));
    expect(res.json(), res.body).toMatchObject({ outcome: 'created' });
    await settleReleaser(t);
    const { rows } = await t.pool.query('SELECT order_id FROM shopify_orders WHERE shopify_order_id = $1', [
      String(id),
    ]);
    const [shipment] = await shipmentsOf(t, rows[0].order_id);
    expect(shipment?.lines.map((line: { sku: string }) => line.sku)).toEqual([mug, coffee]);
    await ship(shipment?.id ?? '', uniq('TRK'));

    expect(await sync()).toEqual({ collected: 1, created: 1 });
    expect(fake.fulfilments.at(-1)?.lineItemsByFulfillmentOrder).toEqual([
      {
        fulfillmentOrderId: order.fulfillmentOrders[0]?.id,
        fulfillmentOrderLineItems: [{ id: order.fulfillmentOrders[0]?.lineItems.nodes[0]?.id, quantity: 1 }],
      },
    ]);
  });

  it('does not create it twice when Shopify took it but the answer was lost', async () => {
    const { shipment } = await shippableOrder([uniq('FUL')]);
    await ship(shipment.id, uniq('TRK'));
    fake.loseNextCreate = true;
    const before = fake.fulfilments.length;

    expect((await sync()).created).toBe(0);
    expect(await rowOf(shipment.id)).toMatchObject({ status: 'pending', last_error: 'Shopify answered 502' });
    expect(await status()).toMatchObject({ fulfilments_pending: 1 });
    expect((await sync()).created).toBe(0); // not before the pause ends
    clock.advance(6_000);
    expect((await sync()).created).toBe(1);
    expect(fake.fulfilments.length).toBe(before + 1);
    expect(await rowOf(shipment.id)).toMatchObject({ status: 'created' });
  });

  it('waits out THROTTLED and 429, keeping the row', async () => {
    const { shipment } = await shippableOrder([uniq('FUL')]);
    await ship(shipment.id, uniq('TRK'));
    fake.failNext.push('throttled');
    expect((await sync()).created).toBe(0);
    expect(await rowOf(shipment.id)).toMatchObject({
      status: 'pending',
      last_error: 'Shopify throttled the call',
    });
    clock.advance(1_000);
    fake.failNext.push(429);
    expect((await sync()).created).toBe(0);
    expect(await rowOf(shipment.id)).toMatchObject({ status: 'pending', last_error: 'Shopify answered 429' });
    expect((await sync()).created).toBe(0);
    clock.advance(2_000);
    expect((await sync()).created).toBe(1);
  });

  it('a pause holds back the rest of the claim without counting it as their attempt', async () => {
    const third = await shippableOrder([uniq('FUL')]);
    const fourth = await shippableOrder([uniq('FUL')]);
    await ship(third.shipment.id, uniq('TRK'));
    await ship(fourth.shipment.id, uniq('TRK'));
    // The first call is throttled: the second row is not tried.
    fake.failNext.push('throttled');
    expect(await sync()).toEqual({ collected: 2, created: 0 });
    const rows = [await rowOf(third.shipment.id), await rowOf(fourth.shipment.id)];
    expect(rows.map((row) => row.status)).toEqual(['pending', 'pending']);
    expect(rows.map((row) => row.attempts).sort()).toEqual([0, 1]);
    clock.advance(1_000);
    expect((await sync()).created).toBe(2);
  });

  it('leaves shipments of orders that did not come from Shopify alone', async () => {
    const other = (await makeChannel(t)).code;
    const sku = uniq('FUL');
    await makeProduct(t, { sku });
    await receive(t, [{ sku, location: wms, delta: 5 }]);
    const order = await captureReleased(t, orderBody(other, [{ sku, quantity: 1 }]));
    const [shipment] = await shipmentsOf(t, order.id);
    await ship(shipment?.id ?? '', uniq('TRK'));
    expect((await sync()).collected).toBe(0);
    expect(await rowOf(shipment?.id ?? '')).toBeUndefined();
  });

  it('marks it failed with the reason when Shopify does not know the order', async () => {
    const { shipment } = await shippableOrder([uniq('FUL')], false);
    await ship(shipment.id, uniq('TRK'));
    expect((await sync()).created).toBe(0);
    expect(await rowOf(shipment.id)).toMatchObject({
      status: 'failed',
      last_error: 'Shopify does not know the order',
    });
    expect(await status()).toMatchObject({ fulfilments_failed: 1 });
  });
});

describe('backoff on 5xx', () => {
  it('waits 5 s, then twice as long after each 5xx in a row, and starts over once Shopify answers', async () => {
    const { shipment } = await shippableOrder([uniq('FUL')]);
    await ship(shipment.id, uniq('TRK'));
    // A stopped clock a little ahead, so the row the first pass collects (due at the database's now) is due.
    clock.set(Date.now() + 5_000);
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      fake.failNext.push(500);
      expect((await sync()).created).toBe(0);
      const row = await rowOf(shipment.id);
      expect(row).toMatchObject({ status: 'pending', last_error: 'Shopify answered 500' });
      const wait = row.next_attempt_at.getTime() - clock.now().getTime();
      waits.push(wait / 1000);
      expect((await sync()).created).toBe(0); // not before the wait is over
      clock.advance(wait);
    }
    [5, 10, 20].forEach((base, i) => {
      expect(waits[i]).toBeGreaterThanOrEqual(base * 0.8);
      expect(waits[i]).toBeLessThanOrEqual(base * 1.2 + 0.001);
    });
    expect((await sync()).created).toBe(1);
    const failures = await t.pool.query(
      'SELECT s.admin_failures FROM shopify_connectors s JOIN channels c ON c.id = s.channel_id WHERE c.code = $1',
      [shop.channel],
    );
    expect(failures.rows[0].admin_failures).toBe(0);
  });
});

describe('the fulfilment queue', () => {
  const queue = (query = '', key?: string | null) =>
    t.request({ method: 'GET', url: `/v1/connectors/shopify/${shop.channel}/fulfilments${query}`, key });
  const retry = (shipmentId: string, options: { channel?: string; key?: string | null } = {}) =>
    t.request({
      method: 'POST',
      url: `/v1/connectors/shopify/${options.channel ?? shop.channel}/fulfilments/${shipmentId}/retry`,
      key: options.key,
    });
  /** A shipped shipment whose fulfilment failed: Shopify did not know its order (yet). */
  async function failedFulfilment() {
    const skus = [uniq('FUL')];
    const made = await shippableOrder(skus, false);
    await ship(made.shipment.id, uniq('TRK'));
    await sync();
    expect(await rowOf(made.shipment.id)).toMatchObject({ status: 'failed' });
    return { ...made, skus };
  }

  it('lists failed fulfilments with the reason, and retries one once its cause is fixed', async () => {
    const { id, shipment, skus } = await failedFulfilment();
    const failed = await queue('?status=failed');
    expect(failed.statusCode, failed.body).toBe(200);
    expect(failed.json().data).toContainEqual({
      shipment_id: shipment.id,
      order_id: shipment.order_id,
      shopify_order_id: id,
      status: 'failed',
      attempts: 1,
      last_error: 'Shopify does not know the order',
      shopify_fulfillment_id: null,
      next_attempt_at: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(failed.json().data.every((row: { status: string }) => row.status === 'failed')).toBe(true);

    // The order reached Shopify after all: retry it.
    fake.orders.set(id, fakeOrder(Number(id) % 100_000, skus));
    const res = await retry(shipment.id);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      shipment_id: shipment.id,
      status: 'pending',
      attempts: 0,
      next_attempt_at: expect.any(String),
    });
    expect(
      (await queue('?status=pending')).json().data.map((row: { shipment_id: string }) => row.shipment_id),
    ).toContain(shipment.id);
    expect((await sync()).created).toBe(1);
    expect(await rowOf(shipment.id)).toMatchObject({ status: 'created', last_error: null });
    expectProblem(await retry(shipment.id), 409, 'conflict');
    expectProblem(await retry(randomUUID()), 404, 'not_found');
  });

  it('pages through the queue newest first', async () => {
    const all = (await queue('?status=created')).json().data as Array<{
      shipment_id: string;
      created_at: string;
    }>;
    expect(all.length).toBeGreaterThan(2);
    const times = all.map((row) => row.created_at);
    expect([...times].sort().reverse()).toEqual(times);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await queue(`?status=created&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.statusCode, page.body).toBe(200);
      paged.push(...page.json().data.map((row: { shipment_id: string }) => row.shipment_id));
      cursor = page.json().next_cursor;
    } while (cursor !== null);
    expect(paged).toEqual(all.map((row) => row.shipment_id));
    // Every status when none is asked for.
    const everything = (await queue('?limit=500')).json().data;
    expect(everything.length).toBeGreaterThan(all.length);
  });

  it('refuses bad input with a 422', async () => {
    expectProblem(await queue('?status=lost'), 422, 'validation_failed');
    expectProblem(await queue('?cursor=not-a-cursor'), 422, 'validation_failed');
    expectProblem(await retry('not-a-uuid'), 422, 'validation_failed');
  });

  it('needs a key, orders:write to retry, and hides other channels’ fulfilments', async () => {
    const { shipment } = await failedFulfilment();
    expectProblem(await queue('', null), 401, 'unauthorized');
    expectProblem(await retry(shipment.id, { key: null }), 401, 'unauthorized');
    const reader = await t.keyWith(['orders:read']);
    expect((await queue('', reader)).statusCode).toBe(200);
    expectProblem(await retry(shipment.id, { key: reader }), 403, 'forbidden');
    const other = (await makeChannel(t)).code;
    const bound = await t.keyWith(['orders:read', 'orders:write'], other);
    expectProblem(await queue('', bound), 404, 'not_found');
    expectProblem(await retry(shipment.id, { key: bound }), 404, 'not_found');
    // Another connected channel cannot reach this channel's fulfilment through its own path.
    const otherShop = await connectShop(t, { access_token: token });
    expectProblem(await retry(shipment.id, { channel: otherShop.channel }), 404, 'not_found');
    expect((await rowOf(shipment.id)).status).toBe('failed');
    const own = await t.keyWith(['orders:read', 'orders:write'], shop.channel);
    expect((await retry(shipment.id, { key: own })).statusCode).toBe(200);
  });
});
