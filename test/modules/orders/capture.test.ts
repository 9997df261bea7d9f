import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateOrder } from '../../../src/modules/orders/orders.schemas.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import {
  makeChannel,
  makeLocation,
  makeProduct,
  orderBody,
  receive,
  stocked,
  uniq,
} from '../../helpers/factories.js';
import { eventsOf, eventTypes, postOrder } from '../../helpers/orders.js';
import { expectProblem } from '../../helpers/problems.js';
import { brokenInvariants, reservedOf } from '../../helpers/stock.js';

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

const orderCount = async () => Number((await t.pool.query('SELECT count(*) FROM orders')).rows[0].count);

describe('POST /v1/orders', () => {
  it('captures, validates and reserves an order in one request', async () => {
    const res = await postOrder(t, orderBody(channel, [{ sku, quantity: 2, unit_price: 1999 }]));
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
    expect(await eventTypes(t, order.id)).toEqual(['order.created', 'order.routed', 'order.allocated']);
  });

  it('stores the order, its lines and active reservations that raise reserved stock', async () => {
    const product = await stocked(t, { [location]: 10 });
    const billing = {
      line1: '1 Infinite Loop',
      city: 'Cupertino',
      region: 'CA',
      postal_code: '95014',
      country: 'US',
    };
    const body = orderBody(channel, [{ sku: product, quantity: 3, unit_price: 700 }], {
      customer: { email: 'Grace.Hopper@Example.com', name: 'Grace Hopper', phone: '+1 212 555 0199' },
      billing_address: billing,
      tags: ['gift', 'first-order'],
      metadata: { cart_id: 'c-42', nested: { a: 1 } },
      placed_at: '2026-01-02T03:04:05.000Z',
    });
    const res = await postOrder(t, body);
    expect(res.statusCode, res.body).toBe(201);
    const order = res.json();
    expect(order).toMatchObject({
      external_id: body.external_id,
      customer: body.customer,
      ship_to: body.ship_to,
      billing_address: billing,
      currency: 'USD',
      shipping: { service_level: 'standard', amount: 500 },
      discounts: [],
      payment: body.payment,
      tags: ['gift', 'first-order'],
      metadata: { cart_id: 'c-42', nested: { a: 1 } },
      placed_at: '2026-01-02T03:04:05.000Z',
      cancel_reason: null,
    });

    const row = (await t.pool.query('SELECT * FROM orders WHERE id = $1', [order.id])).rows[0];
    expect(row).toMatchObject({
      status: 'allocated',
      external_id: body.external_id,
      customer_email: 'grace.hopper@example.com',
      currency: 'USD',
      priority: 5,
    });
    expect(Number(row.total)).toBe(2600);
    const lines = (
      await t.pool.query(
        'SELECT id, sku, quantity, quantity_allocated FROM order_lines WHERE order_id = $1',
        [order.id],
      )
    ).rows;
    expect(lines).toEqual([
      { id: String(order.lines[0].id), sku: product, quantity: 3, quantity_allocated: 3 },
    ]);
    const reservations = (
      await t.pool.query('SELECT quantity, status, expires_at FROM reservations WHERE order_line_id = $1', [
        order.lines[0].id,
      ])
    ).rows;
    expect(reservations).toEqual([{ quantity: 3, status: 'active', expires_at: null }]);
    expect(await reservedOf(t, product)).toBe(3);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('computes totals from lines, line taxes, discounts and shipping', async () => {
    const product = await stocked(t, { [location]: 10 });
    const discounts = [
      { code: 'WELCOME10', amount: 525 },
      { description: 'loyalty', amount: 100 },
    ];
    const body = orderBody(
      channel,
      [
        { sku, quantity: 2, unit_price: 1999 },
        { sku: product, quantity: 1, unit_price: 1250 },
      ],
      { discounts, shipping: { service_level: 'standard', amount: 700 } },
    );
    const lines = body.lines as Array<Record<string, unknown>>;
    lines[0] = { ...lines[0], tax_amount: 320 };
    lines[1] = { ...lines[1], tax_amount: 100 };
    // 3998 + 1250 - 625 + 700 + 420
    body.payment = { status: 'captured', amount: 5743, method: 'card' };
    const res = await postOrder(t, body);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      status: 'allocated',
      totals: { subtotal: 5248, discount_total: 625, shipping: 700, tax_total: 420, total: 5743 },
      discounts,
      holds: [],
      lines: [
        { line_number: 1, sku, tax_amount: 320, allocated: 2 },
        { line_number: 2, sku: product, tax_amount: 100, allocated: 1 },
      ],
    });
  });

  it('derives priority from the service level, then the channel priority', async () => {
    const low = (await makeChannel(t)).code;
    const cases: Array<[string, string, number]> = [
      [channel, 'standard', 5],
      [channel, 'express', 1005],
      [channel, 'same_day', 2005],
      [low, 'standard', 0],
      [low, 'express', 1000],
    ];
    for (const [code, level, priority] of cases) {
      const body = orderBody(code, [{ sku, quantity: 1 }], {
        shipping: { service_level: level, amount: 500 },
      });
      const res = await postOrder(t, body);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ channel: code, priority, shipping: { service_level: level } });
    }
  });

  it('takes the channel from a channel-bound key', async () => {
    const key = await t.keyWith(['orders:write', 'orders:read'], channel);
    const { channel: _, ...body } = orderBody(channel, [{ sku, quantity: 1 }]);
    const res = await postOrder(t, body, { key: key });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().channel).toBe(channel);

    const same = await postOrder(t, { ...orderBody(channel, [{ sku, quantity: 1 }]) }, { key: key });
    expect(same.statusCode, same.body).toBe(201);
  });

  it('refuses another channel for a bound key, and a missing or unknown channel, with a pointer', async () => {
    const other = (await makeChannel(t)).code;
    const key = await t.keyWith(['orders:write'], channel);
    const before = await orderCount();

    const mismatch = await postOrder(t, orderBody(other, [{ sku, quantity: 1 }]), { key: key });
    expect(expectProblem(mismatch, 422).errors).toEqual([
      { in: 'body', pointer: '/channel', detail: expect.stringContaining(channel) },
    ]);

    const { channel: _, ...unnamed } = orderBody(channel, [{ sku, quantity: 1 }]);
    const missing = await postOrder(t, unnamed);
    expect(missing.statusCode).toBe(422);
    expect(missing.json().errors).toEqual([{ in: 'body', pointer: '/channel', detail: expect.any(String) }]);

    const unknown = await postOrder(t, orderBody(uniq('nochannel'), [{ sku, quantity: 1 }]));
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().errors[0].pointer).toBe('/channel');

    const inactive = (await makeChannel(t)).code;
    const off = await t.request({ method: 'POST', url: `/v1/channels/${inactive}/deactivate` });
    expect(off.statusCode, off.body).toBe(200);
    const closed = await postOrder(t, orderBody(inactive, [{ sku, quantity: 1 }]));
    expect(closed.statusCode).toBe(422);
    expect(closed.json().errors[0]).toMatchObject({
      pointer: '/channel',
      detail: expect.stringContaining('active'),
    });

    expect(await orderCount()).toBe(before);
  });

  it('needs a key with orders:write', async () => {
    const body = orderBody(channel, [{ sku, quantity: 1 }]);
    expect((await postOrder(t, body, { key: null })).statusCode).toBe(401);
    expect((await postOrder(t, body, { key: 'not-a-key' })).statusCode).toBe(401);
    const reader = await t.keyWith(['orders:read']);
    expect((await postOrder(t, body, { key: reader })).statusCode).toBe(403);
    expect(
      (await t.pool.query('SELECT 1 FROM orders WHERE external_id = $1', [body.external_id])).rowCount,
    ).toBe(0);
  });

  it('refuses unknown and inactive SKUs with a pointer per line, storing and reserving nothing', async () => {
    const retired = await stocked(t, { [location]: 5 });
    const off = await t.request({
      method: 'POST',
      url: `/v1/products/${encodeURIComponent(retired)}/deactivate`,
    });
    expect(off.statusCode, off.body).toBe(200);
    const before = await orderCount();
    const reservedBefore = await reservedOf(t, sku);
    const missing = uniq('NOPE');
    const res = await postOrder(
      t,
      orderBody(channel, [
        { sku, quantity: 1 },
        { sku: missing, quantity: 1 },
        { sku: retired, quantity: 1 },
      ]),
    );
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ status: 422, code: 'validation_failed' });
    expect(res.json().errors).toEqual([
      { in: 'body', pointer: '/lines/1/sku', detail: expect.stringContaining('not a known SKU') },
      { in: 'body', pointer: '/lines/2/sku', detail: expect.stringContaining('not an active product') },
    ]);
    expect(await orderCount()).toBe(before);
    expect(await reservedOf(t, sku)).toBe(reservedBefore);
    const lines = await t.pool.query('SELECT count(*)::int AS n FROM order_lines WHERE sku = $1', [missing]);
    expect(lines.rows[0].n).toBe(0);
  });

  const badFields: Array<[string, (body: Record<string, unknown>) => void, string]> = [
    ['a fractional unit price', (b) => setLine(b, { unit_price: 19.99 }), '/lines/0/unit_price'],
    ['a negative unit price', (b) => setLine(b, { unit_price: -1 }), '/lines/0/unit_price'],
    ['a price as a string', (b) => setLine(b, { unit_price: '1000' }), '/lines/0/unit_price'],
    ['a fractional tax', (b) => setLine(b, { tax_amount: 0.5 }), '/lines/0/tax_amount'],
    ['a zero quantity', (b) => setLine(b, { quantity: 0 }), '/lines/0/quantity'],
    ['a fractional quantity', (b) => setLine(b, { quantity: 1.5 }), '/lines/0/quantity'],
    ['an empty SKU', (b) => setLine(b, { sku: '' }), '/lines/0/sku'],
    ['an unknown line field', (b) => setLine(b, { colour: 'red' }), '/lines/0/colour'],
    ['no lines', (b) => Object.assign(b, { lines: [] }), '/lines'],
    [
      'a fractional shipping amount',
      (b) => Object.assign(b, { shipping: { service_level: 'standard', amount: 4.5 } }),
      '/shipping/amount',
    ],
    [
      'an unknown service level',
      (b) => Object.assign(b, { shipping: { service_level: 'overnight', amount: 500 } }),
      '/shipping/service_level',
    ],
    [
      'a fractional discount',
      (b) => Object.assign(b, { discounts: [{ amount: 0.25 }] }),
      '/discounts/0/amount',
    ],
    [
      'a negative discount',
      (b) => Object.assign(b, { discounts: [{ amount: -100 }] }),
      '/discounts/0/amount',
    ],
    [
      'a fractional payment',
      (b) => Object.assign(b, { payment: { status: 'captured', amount: 25.5 } }),
      '/payment/amount',
    ],
    [
      'an unknown payment status',
      (b) => Object.assign(b, { payment: { status: 'paid', amount: 1500 } }),
      '/payment/status',
    ],
    ['a lower-case currency', (b) => Object.assign(b, { currency: 'usd' }), '/currency'],
    ['a bad email', (b) => Object.assign(b, { customer: { email: 'not-an-email' } }), '/customer/email'],
    ['no customer', (b) => Reflect.deleteProperty(b, 'customer'), '/customer'],
    ['no external id', (b) => Reflect.deleteProperty(b, 'external_id'), '/external_id'],
    ['an empty external id', (b) => Object.assign(b, { external_id: '' }), '/external_id'],
    [
      'a lower-case country',
      (b) => Object.assign(b, { ship_to: { line1: '1 Main St', country: 'us' } }),
      '/ship_to/country',
    ],
    [
      'a ship-to without line1',
      (b) => Object.assign(b, { ship_to: { city: 'Paris', country: 'FR' } }),
      '/ship_to/line1',
    ],
    ['a bad placed_at', (b) => Object.assign(b, { placed_at: 'yesterday' }), '/placed_at'],
    ['an unknown top-level field', (b) => Object.assign(b, { coupon: 'X' }), '/coupon'],
    ['tags that are not strings', (b) => Object.assign(b, { tags: [1] }), '/tags/0'],
  ];

  function setLine(body: Record<string, unknown>, fields: Record<string, unknown>) {
    const lines = body.lines as Array<Record<string, unknown>>;
    lines[0] = { ...lines[0], ...fields };
  }

  it.each(badFields)(
    'refuses %s with a 422 pointing at the field, storing nothing',
    async (_, mutate, pointer) => {
      const body = orderBody(channel, [{ sku, quantity: 1 }]) as Record<string, unknown>;
      mutate(body);
      const before = await orderCount();
      const res = await postOrder(t, body);
      expect((expectProblem(res, 422).errors ?? []).map((e) => e.pointer)).toContain(pointer);
      expect(await orderCount()).toBe(before);
    },
  );

  it('refuses discounts larger than the order', async () => {
    const before = await orderCount();
    const res = await postOrder(
      t,
      orderBody(channel, [{ sku, quantity: 1, unit_price: 1000 }], { discounts: [{ amount: 2000 }] }),
    );
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([{ in: 'body', pointer: '/discounts', detail: expect.any(String) }]);
    expect(await orderCount()).toBe(before);
  });

  it('appends order.created and order.allocated with the order snapshot, in the channel', async () => {
    const res = await postOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    expect(res.statusCode, res.body).toBe(201);
    const order = res.json();
    const events = await eventsOf(t, order.id);
    expect(events.map((e) => e.type)).toEqual(['order.created', 'order.routed', 'order.allocated']);
    // order.routed carries a summary of the decision instead of the snapshot.
    expect(events[1]?.data).toMatchObject({
      order_id: order.id,
      number: order.number,
      routing: { shipments: 1 },
    });
    for (const event of events.filter((e) => e.type !== 'order.routed')) {
      expect(event.channel).toBe(channel);
      expect(event.data.order).toMatchObject({
        id: order.id,
        number: order.number,
        status: 'allocated',
        lines: [{ sku, allocated: 1 }],
      });
    }
    expect(events[0].data.order).toEqual(order);
  });

  it('accepts the documented example shape (typed body)', async () => {
    const body: CreateOrder = {
      channel,
      external_id: uniq('EX'),
      customer: { email: `${uniq('typed')}@example.com` },
      ship_to: { line1: '10 Downing St', city: 'London', postal_code: 'SW1A 2AA', country: 'GB' },
      lines: [{ sku, quantity: 1, unit_price: 100 }],
      currency: 'GBP',
      shipping: { service_level: 'express', amount: 0 },
      payment: { status: 'authorized', amount: 100 },
    };
    const res = await postOrder(t, body);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      status: 'allocated',
      currency: 'GBP',
      billing_address: null,
      holds: [],
    });
  });
});
