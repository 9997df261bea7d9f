import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeProduct, receive } from '../../helpers/factories.js';
import { expectProblem } from '../../helpers/problems.js';
import { connectShop, deliver, fixtureOrder, type Shop, shopifyOrder, sign } from './shopify.js';

let t: TestApp;
let shop: Shop;
let nextId = 7_000_000_000_000;
const newId = () => nextId++;

beforeAll(async () => {
  t = await createTestApp();
  shop = await connectShop(t);
  // The fixture's SKU is global (unique): one product, stocked where the shop's channel sells.
  await makeProduct(t, { sku: 'TEE-BLK-M', name: 'Tee' });
  await receive(t, [{ sku: 'TEE-BLK-M', location: shop.location, delta: 1000 }]);
});
afterAll(() => t.close());

const orderOf = async (externalId: string | number) => {
  const rows = await t.pool.query(
    `SELECT o.* FROM orders o JOIN channels c ON c.id = o.channel_id WHERE c.code = $1 AND o.external_id = $2`,
    [shop.channel, String(externalId)],
  );
  return rows.rows[0];
};
const countOrders = async () => Number((await t.pool.query('SELECT count(*) FROM orders')).rows[0].count);

describe('the webhook signature', () => {
  it('refuses a wrong or missing X-Shopify-Hmac-Sha256 with a 401 and stores nothing', async () => {
    const body = JSON.stringify({ ...fixtureOrder(), id: newId() });
    const before = await countOrders();
    for (const hmac of [null, sign('not-the-secret', body), 'garbage', '']) {
      const res = await deliver(t, shop, 'orders/create', body, { hmac });
      expectProblem(res, 401, 'unauthorized');
    }
    // A body changed after signing fails too.
    const tampered = await deliver(t, shop, 'orders/create', body.replace('54.70', '0.01'), {
      hmac: sign(shop.secret, body),
    });
    expectProblem(tampered, 401, 'unauthorized');
    expect(await countOrders()).toBe(before);
    const deliveries = await t.pool.query('SELECT count(*) FROM shopify_deliveries');
    const inbox = await t.pool.query('SELECT count(*) FROM shopify_inbox');
    expect(Number(deliveries.rows[0].count) + Number(inbox.rows[0].count)).toBe(0);
  });

  it('answers 401 for a channel with no connector (nothing says whether it exists)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/connectors/shopify/no-such-channel/webhooks',
      payload: '{}',
      headers: { 'content-type': 'application/json', 'x-shopify-hmac-sha256': sign('x', '{}') },
    });
    expectProblem(res, 401, 'unauthorized');
  });

  it('needs no API key, and ignores one', async () => {
    const res = await deliver(
      t,
      shop,
      'orders/create',
      { ...fixtureOrder(), id: newId() },
      {
        headers: { authorization: 'Bearer nonsense' },
      },
    );
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe('orders/create', () => {
  it('captures the fixture through the normal capture path with exact totals', async () => {
    const id = newId();
    const res = await deliver(t, shop, 'orders/create', { ...fixtureOrder(), id });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ outcome: 'created', order_id: expect.any(String) });
    const order = await t.request({ method: 'GET', url: `/v1/orders/${res.json().order_id}` });
    expect(order.json()).toMatchObject({
      channel: shop.channel,
      external_id: String(id),
      status: 'allocated',
      currency: 'USD',
      customer: { email: 'ana@example.com', name: 'Ana Diaz' },
      ship_to: {
        name: 'Ana Diaz',
        line1: '92 Chestnut St',
        city: 'Louisville',
        region: 'KY',
        postal_code: '40202',
        country: 'US',
      },
      billing_address: { line1: '92 Chestnut St', region: 'KY', postal_code: '40202', country: 'US' },
      totals: { subtotal: 5000, discount_total: 500, shipping: 700, tax_total: 270, total: 5470 },
      discounts: [{ code: 'WELCOME5', amount: 500 }],
      payment: { status: 'captured', amount: 5470 },
      lines: [{ sku: 'TEE-BLK-M', quantity: 2, unit_price: 2500, tax_amount: 270 }],
      holds: [],
    });
    // The connector is the actor of every event of the capture (the releaser worker, a system actor,
    // may release the order in the background meanwhile: its events are not the capture's).
    const actors = await t.pool.query(
      "SELECT DISTINCT actor FROM events WHERE resource_id = $1 AND actor->>'type' <> 'system'",
      [res.json().order_id],
    );
    expect(actors.rows.map((row) => row.actor)).toEqual([
      {
        type: 'connector',
        id: expect.any(String),
        name: 'shopify:acme-store.myshopify.com',
        request_id: expect.any(String),
      },
    ]);
  });

  it('changes nothing on a repeated delivery (same event id), or a new delivery of the same order', async () => {
    const body = { ...fixtureOrder(), id: newId() };
    const first = await deliver(t, shop, 'orders/create', body, { eventId: 'ev-repeat-1' });
    const before = await countOrders();
    const again = await deliver(t, shop, 'orders/create', body, { eventId: 'ev-repeat-1' });
    expect(again.json()).toEqual({ outcome: 'duplicate', order_id: null });
    const other = await deliver(t, shop, 'orders/create', body);
    expect(other.json()).toEqual({ outcome: 'duplicate', order_id: first.json().order_id });
    expect(await countOrders()).toBe(before);
  });

  it('maps financial_status to the payment status (pending holds the order)', async () => {
    const id = newId();
    await deliver(t, shop, 'orders/create', { ...fixtureOrder(), id, financial_status: 'pending' });
    const order = await orderOf(id);
    expect(order.status).toBe('on_hold');
    expect(order.payment).toMatchObject({ status: 'pending' });
  });

  it('holds an order with an unknown SKU, with the reason, instead of dropping it', async () => {
    const id = newId();
    const body = shopifyOrder(id, ['TEE-BLK-M', 'NOT-IN-ORDO-1']);
    const res = await deliver(t, shop, 'orders/create', body);
    expect(res.json()).toEqual({ outcome: 'held', order_id: expect.any(String) });
    const order = (await t.request({ method: 'GET', url: `/v1/orders/${res.json().order_id}` })).json();
    expect(order.status).toBe('on_hold');
    expect(order.holds).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'manual',
          status: 'open',
          reason: expect.stringContaining('"NOT-IN-ORDO-1" is not a known SKU'),
          details: { missing_lines: [{ sku: 'NOT-IN-ORDO-1', quantity: 1, unit_price: 2500 }] },
        }),
      ]),
    );
  });

  it('holds an order whose address Ordo cannot use, with the reason', async () => {
    const body = {
      ...fixtureOrder(),
      id: newId(),
      shipping_address: { name: 'Ana', city: 'Louisville', country_code: 'US' },
    };
    const res = await deliver(t, shop, 'orders/create', body);
    expect(res.json().outcome).toBe('held');
    const order = (await t.request({ method: 'GET', url: `/v1/orders/${res.json().order_id}` })).json();
    expect(order.status).toBe('on_hold');
    expect(order.holds.map((hold: { kind: string }) => hold.kind)).toEqual(
      expect.arrayContaining(['manual']),
    );
    expect(JSON.stringify(order.holds)).toContain('no street line');
  });

  it('keeps an unreadable body in the inbox, answers 200, and lists it', async () => {
    const res = await deliver(t, shop, 'orders/create', '{"id": 1, "line_items": [');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ outcome: 'inbox', order_id: null });
    const noLines = await deliver(t, shop, 'orders/create', {
      id: newId(),
      currency: 'USD',
      updated_at: '2025-03-01T10:00:00Z',
      line_items: [],
    });
    expect(noLines.json().outcome).toBe('inbox');
    const badMoney = await deliver(t, shop, 'orders/create', {
      ...fixtureOrder(),
      id: newId(),
      total_price: '54.701',
    });
    expect(badMoney.json().outcome).toBe('inbox');
    const inbox = await t.request({ method: 'GET', url: `/v1/connectors/shopify/${shop.channel}/inbox` });
    expect(inbox.statusCode, inbox.body).toBe(200);
    const reasons = inbox.json().data.map((entry: { reason: string }) => entry.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        'the body is not valid JSON',
        'the order has no line items (or more than 500)',
        expect.stringContaining('has more decimals than USD allows'),
      ]),
    );
    expect(inbox.json().data.at(-1)).toMatchObject({
      topic: 'orders/create',
      body: '{"id": 1, "line_items": [',
    });
  });
});

describe('orders/updated and orders/cancelled', () => {
  it('applies a newer update, ignores an older one, and cancels', async () => {
    const id = newId();
    const created = {
      ...fixtureOrder(),
      id,
      financial_status: 'authorized',
      updated_at: '2025-03-01T10:00:01-05:00',
    };
    const res = await deliver(t, shop, 'orders/create', created);
    const orderId = res.json().order_id;
    const paid = { ...created, financial_status: 'paid', updated_at: '2025-03-01T10:05:00-05:00' };
    expect((await deliver(t, shop, 'orders/updated', paid)).json()).toEqual({
      outcome: 'updated',
      order_id: orderId,
    });
    expect((await orderOf(id)).payment.status).toBe('captured');
    // A late delivery of an older state is ignored.
    const late = { ...created, financial_status: 'voided', updated_at: '2025-03-01T10:02:00-05:00' };
    expect((await deliver(t, shop, 'orders/updated', late)).json()).toEqual({
      outcome: 'ignored',
      order_id: orderId,
    });
    expect((await orderOf(id)).payment.status).toBe('captured');
    const cancelled = {
      ...paid,
      cancelled_at: '2025-03-01T11:00:00-05:00',
      cancel_reason: 'customer',
      updated_at: '2025-03-01T11:00:00-05:00',
    };
    expect((await deliver(t, shop, 'orders/cancelled', cancelled)).json()).toEqual({
      outcome: 'cancelled',
      order_id: orderId,
    });
    const order = await orderOf(id);
    expect(order.status).toBe('cancelled');
    expect(order.cancel_reason).toContain('customer');
    // Cancelled again (another event): nothing changes, still 200.
    const again = await deliver(t, shop, 'orders/cancelled', cancelled);
    expect(again.statusCode).toBe(200);
    expect(again.json().outcome).toBe('ignored');
  });

  it('captures an order first seen in an update (its create was lost)', async () => {
    const id = newId();
    const res = await deliver(t, shop, 'orders/updated', { ...fixtureOrder(), id });
    expect(res.json()).toEqual({ outcome: 'created', order_id: expect.any(String) });
  });

  it('ignores topics it does not take', async () => {
    const res = await deliver(t, shop, 'products/update', { id: 1 });
    expect(res.json()).toEqual({ outcome: 'ignored', order_id: null });
  });
});

describe('throughput', () => {
  it('takes 50 deliveries at once, each answered 200 and captured once', async () => {
    const ids = Array.from({ length: 50 }, () => newId());
    const responses = await Promise.all(
      ids.map((id) => deliver(t, shop, 'orders/create', { ...fixtureOrder(), id })),
    );
    expect(responses.map((res) => res.statusCode)).toEqual(ids.map(() => 200));
    const rows = await t.pool.query(`SELECT count(*) FROM orders WHERE external_id = ANY($1::text[])`, [
      ids.map(String),
    ]);
    expect(Number(rows.rows[0].count)).toBe(50);
  });
});
