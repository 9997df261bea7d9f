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
