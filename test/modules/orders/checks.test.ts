import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, orderBody, stocked } from '../../helpers/factories.js';
import { captureOrder, reservationsOf } from '../../helpers/orders.js';
import { brokenInvariants } from '../../helpers/stock.js';

const now = new Date('2031-03-04T05:06:07.000Z');
let t: TestApp;
let channel: string;
let location: string;

beforeAll(async () => {
  t = await createTestApp({ clock: { now: () => now } });
  channel = (await makeChannel(t, { held_reservation_minutes: 90 })).code;
  location = (await makeLocation(t)).code;
});
afterAll(() => t.close());

const usAddress = {
  name: 'Ada',
  line1: '350 5th Ave',
  city: 'New York',
  region: 'NY',
  postal_code: '10118',
  country: 'US',
};

const holdsOf = async (orderId: string) =>
  (
    await t.pool.query(
      'SELECT kind, queue, status, reason, details FROM holds WHERE order_id = $1 ORDER BY id',
      [orderId],
    )
  ).rows;

describe('address checks', () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    [
      'a postal code that is not one of the country',
      { ...usAddress, postal_code: '1234' },
      'standard',
      '/ship_to/postal_code',
    ],
    ['a missing postal code', { ...usAddress, postal_code: undefined }, 'standard', '/ship_to/postal_code'],
    [
      'a missing region where the country needs one',
      { ...usAddress, region: undefined },
      'standard',
      '/ship_to/region',
    ],
    ['a missing city', { ...usAddress, city: undefined }, 'standard', '/ship_to/city'],
    ['a country that does not exist', { ...usAddress, country: 'ZZ' }, 'standard', '/ship_to/country'],
    ['a PO box for express', { ...usAddress, line1: 'PO Box 123' }, 'express', '/ship_to/line1'],
    ['a P.O. box for same-day', { ...usAddress, line1: 'P.O. Box 77' }, 'same_day', '/ship_to/line1'],
    [
      'a PO box in line2 for express',
      { ...usAddress, line2: 'Post Office Box 9' },
      'express',
      '/ship_to/line1',
    ],
  ];

  it.each(cases)(
    'holds %s in the address queue, still reserving the stock',
    async (_, shipTo, level, pointer) => {
      const sku = await stocked(t, { [location]: 5 });
      const order = await captureOrder(
        t,
        orderBody(channel, [{ sku, quantity: 2 }], {
          ship_to: JSON.parse(JSON.stringify(shipTo)),
          shipping: { service_level: level, amount: 500 },
        }),
      );
      expect(order.status).toBe('on_hold');
      expect(order.holds).toEqual([
        expect.objectContaining({
          kind: 'address',
          queue: 'address_review',
          status: 'open',
          resolved_at: null,
        }),
      ]);
      expect(order.holds[0].details.problems).toEqual(
        expect.arrayContaining([expect.objectContaining({ pointer })]),
      );
      expect(order.lines[0]).toMatchObject({ allocated: 2, backordered: 0 });
      expect(await holdsOf(order.id)).toEqual([expect.objectContaining({ kind: 'address', status: 'open' })]);
    },
  );

  it('lets a PO box through for standard delivery', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(
      t,
      orderBody(channel, [{ sku, quantity: 1 }], { ship_to: { ...usAddress, line1: 'PO Box 123' } }),
    );
    expect(order).toMatchObject({ status: 'allocated', holds: [] });
  });

  it('accepts a valid foreign address with that country’s rules', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(
      t,
      orderBody(channel, [{ sku, quantity: 1 }], {
        ship_to: { line1: '10 Downing St', city: 'London', postal_code: 'SW1A 2AA', country: 'GB' },
      }),
    );
    expect(order).toMatchObject({ status: 'allocated', holds: [] });
  });
});

describe('payment checks', () => {
  it('holds a pending payment in the payments queue', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(
      t,
      orderBody(channel, [{ sku, quantity: 1 }], { payment: { status: 'pending', amount: 1500 } }),
    );
    expect(order.status).toBe('on_hold');
    expect(order.holds).toEqual([
      expect.objectContaining({
        kind: 'payment',
        queue: 'payments',
        status: 'open',
        reason: 'payment is pending',
      }),
    ]);
  });

  it('holds a failed payment', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(
      t,
      orderBody(channel, [{ sku, quantity: 1 }], { payment: { status: 'failed', amount: 1500 } }),
    );
    expect(order.status).toBe('on_hold');
    expect(order.holds).toEqual([
      expect.objectContaining({ kind: 'payment', details: { status: 'failed' } }),
    ]);
  });

  it.each([
    ['less', 1499],
    ['more', 1501],
  ])('holds a payment of %s than the total', async (_, amount) => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(
      t,
      orderBody(channel, [{ sku, quantity: 1 }], { payment: { status: 'captured', amount } }),
    );
    expect(order.status).toBe('on_hold');
    expect(order.totals.total).toBe(1500);
    expect(order.holds).toEqual([
      expect.objectContaining({ kind: 'payment', queue: 'payments', details: { paid: amount, total: 1500 } }),
    ]);
  });

  it('accepts an authorized payment of exactly the total', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(
      t,
      orderBody(channel, [{ sku, quantity: 1 }], { payment: { status: 'authorized', amount: 1500 } }),
    );
    expect(order).toMatchObject({ status: 'allocated', holds: [] });
  });
});

describe('a held order', () => {
  it('opens one hold per failing check and appends order.held for each, but no order.allocated', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(
      t,
      orderBody(channel, [{ sku, quantity: 1 }], {
        ship_to: { ...usAddress, postal_code: 'ABCDE' },
        payment: { status: 'pending', amount: 1500 },
      }),
    );
    expect(order.status).toBe('on_hold');
    expect(order.holds.map((h: { kind: string }) => h.kind).sort()).toEqual(['address', 'payment']);
    const events = (
      await t.pool.query('SELECT type, data FROM events WHERE resource_id = $1 ORDER BY sequence', [order.id])
    ).rows;
    expect(events.map((e) => e.type)).toEqual(['order.created', 'order.routed', 'order.held', 'order.held']);
    expect(
      events
        .slice(2)
        .map((e) => e.data.hold.kind)
        .sort(),
    ).toEqual(['address', 'payment']);
    for (const event of events.filter((e) => e.type !== 'order.routed')) {
      expect(event.data.order).toMatchObject({ id: order.id, status: 'on_hold' });
    }
  });

  it('reserves its stock until now + the channel’s held_reservation_minutes', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(
      t,
      orderBody(channel, [{ sku, quantity: 3 }], { payment: { status: 'pending', amount: 3500 } }),
    );
    expect(order.reservations).toEqual([
      { location, items: [{ line_id: order.lines[0].id, sku, quantity: 3 }] },
    ]);
    expect(await reservationsOf(t, order.id)).toEqual([
      { quantity: 3, status: 'active', expires_at: new Date(now.getTime() + 90 * 60_000) },
    ]);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('uses the default of 24 hours for a channel that did not set one', async () => {
    const plain = (await makeChannel(t)).code;
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(
      t,
      orderBody(plain, [{ sku, quantity: 1 }], { payment: { status: 'failed', amount: 0 } }),
    );
    expect(await reservationsOf(t, order.id)).toEqual([
      { quantity: 1, status: 'active', expires_at: new Date(now.getTime() + 24 * 60 * 60_000) },
    ]);
  });

  it('an order with no hold reserves without expiry', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    expect(await reservationsOf(t, order.id)).toEqual([{ quantity: 1, status: 'active', expires_at: null }]);
  });

  it('lists its holds and placed_at from the clock', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(
      t,
      orderBody(channel, [{ sku, quantity: 1 }], { payment: { status: 'pending', amount: 1500 } }),
    );
    expect(order.placed_at).toBe(now.toISOString());
    const res = await t.request({ method: 'GET', url: `/v1/orders/${order.id}` });
    expect(res.json().holds).toEqual(order.holds);
  });
});
