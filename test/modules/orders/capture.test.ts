import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, makeProduct, orderBody, receive } from '../../helpers/factories.js';

let t: TestApp;
let channel: string;
let sku: string;
let location: string;

beforeAll(async () => {
  t = await createTestApp();
  channel = (await makeChannel(t, { priority: 5 })).code;
  sku = (await makeProduct(t)).sku;
  location = (await makeLocation(t)).code;
  await receive(t, [{ sku, location, delta: 100 }]);
});
afterAll(() => t.close());

const capture = (body: object, key?: string) => t.request({ method: 'POST', url: '/v1/orders', payload: body, key });

describe('POST /v1/orders', () => {
  it('captures, validates and reserves an order in one request', async () => {
    const res = await capture(orderBody(channel, [{ sku, quantity: 2, unit_price: 1999 }]));
    expect(res.statusCode, res.body).toBe(201);
    const order = res.json();
    expect(order).toMatchObject({
      channel,
      status: 'allocated',
      totals: { subtotal: 3998, discount_total: 0, shipping: 500, tax_total: 0, total: 4498 },
      risk: { score: 0, version: 0, decision: 'accept', reasons: [] },
      priority: 5,
      holds: [],
      lines: [{ line_number: 1, sku, quantity: 2, allocated: 2, backordered: 0 }],
      reservations: [{ location, items: [{ sku, quantity: 2 }] }],
    });
    expect(order.number).toBeGreaterThan(100000);
    const events = await t.pool.query("SELECT type FROM events WHERE resource_id = $1 ORDER BY sequence", [order.id]);
    expect(events.rows.map((r) => r.type)).toEqual(['order.created', 'order.allocated']);
  });
});
