import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, orderBody, receive, stocked } from '../../helpers/factories.js';
import { captureOrder, eventsOf } from '../../helpers/orders.js';
import { brokenInvariants } from '../../helpers/stock.js';

let t: TestApp;
let channel: string;
let backorders: string;
let location: string;

beforeAll(async () => {
  t = await createTestApp();
  channel = (await makeChannel(t, { release_delay_minutes: 60 })).code;
  backorders = (await makeChannel(t, { release_delay_minutes: 60, allow_backorders: true })).code;
  location = (await makeLocation(t)).code;
});
afterAll(() => t.close());

describe('releasing a hold re-runs the remaining checks', () => {
  it('resolves a payment hold whose payment was settled meanwhile, then allocates', async () => {
    const sku = await stocked(t, { [location]: 5 }, { settle: true });
    const body = orderBody(channel, [{ sku, quantity: 1 }]);
    const order = await captureOrder(t, {
      ...body,
      ship_to: { ...body.ship_to, postal_code: 'ABCDE' },
      payment: { ...body.payment, status: 'pending' },
    });
    expect(order.holds.map((h: { kind: string }) => h.kind).sort()).toEqual(['address', 'payment']);
    // The payment settled without the payment endpoint (e.g. fixed in the payment system's record).
    await t.pool.query(
      "UPDATE orders SET payment = jsonb_set(payment, '{status}', '\"captured\"') WHERE id = $1",
      [order.id],
    );
    const address = order.holds.find((h: { kind: string }) => h.kind === 'address');
    const res = await t.request({
      method: 'POST',
      url: `/v1/holds/${address.id}/release`,
      payload: { note: 'address confirmed' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'allocated' });
    expect(
      res
        .json()
        .holds.map((h: { kind: string; status: string }) => [h.kind, h.status])
        .sort(),
    ).toEqual([
      ['address', 'released'],
      ['payment', 'released'],
    ]);
  });

  it('keeps a kind someone released decided, even if its check would still fail', async () => {
    const sku = await stocked(t, { [location]: 5 }, { settle: true });
    const body = orderBody(channel, [{ sku, quantity: 1 }]);
    const order = await captureOrder(t, {
      ...body,
      ship_to: { ...body.ship_to, postal_code: 'ABCDE' },
      payment: { ...body.payment, status: 'pending' },
    });
    const hold = (kind: string) => order.holds.find((h: { kind: string }) => h.kind === kind).id;
    await t.request({ method: 'POST', url: `/v1/holds/${hold('address')}/release`, payload: {} });
    const res = await t.request({ method: 'POST', url: `/v1/holds/${hold('payment')}/release`, payload: {} });
    expect(res.json()).toMatchObject({ status: 'allocated' });
    expect(res.json().holds.every((h: { status: string }) => h.status === 'released')).toBe(true);
  });
});

describe('partial progress is announced', () => {
  it('appends order.updated when a backorder is partly filled', async () => {
    const sku = await stocked(t, { [location]: 1 }, { settle: true });
    const order = await captureOrder(t, orderBody(backorders, [{ sku, quantity: 4 }]));
    expect(order).toMatchObject({ status: 'backordered', lines: [{ allocated: 1, backordered: 3 }] });
    await receive(t, [{ sku, location, delta: 2 }]);
    await t.app.services.backorders.idle();
    await t.app.services.backorders.run();
    const events = await eventsOf(t, order.id);
    const update = events.find((e) => e.type === 'order.updated');
    expect(update?.data).toMatchObject({
      change: 'allocation',
      order: { status: 'backordered', lines: [{ allocated: 3, backordered: 1 }] },
    });
  });
});

describe('editing lines keeps what still applies', () => {
  it('releases only the units a smaller quantity no longer needs (and re-checks the payment)', async () => {
    const sku = await stocked(t, { [location]: 10 }, { settle: true });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 6 }]));
    const res = await t.request({
      method: 'PATCH',
      url: `/v1/orders/${order.id}`,
      payload: { lines: [{ sku, quantity: 4, unit_price: 1000 }] },
    });
    expect(res.statusCode, res.body).toBe(200);
    // The captured payment now exceeds the total: the payment check holds the order for a refund decision.
    expect(res.json()).toMatchObject({ status: 'on_hold', lines: [{ quantity: 4, allocated: 4 }] });
    expect(res.json().holds.map((h: { kind: string }) => h.kind)).toEqual(['payment']);
    const reservations = await t.pool.query(
      'SELECT status, quantity FROM reservations WHERE order_line_id = $1 ORDER BY id',
      [order.lines[0].id],
    );
    expect(reservations.rows).toEqual([{ status: 'active', quantity: 4 }]);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });
});
