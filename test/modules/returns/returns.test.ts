import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReturnView } from '../../../src/modules/returns/returns.schemas.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { makeCarrier, makeChannel, makeLocation, orderBody, stocked } from '../../helpers/factories.js';
import { eventTypes, orderOf } from '../../helpers/orders.js';
import { deliveredOrder as delivered, lineOf, openReturn as open } from '../../helpers/returns.js';
import { brokenInvariants, levelOf } from '../../helpers/stock.js';

let t: TestApp;
const clock = testClock(new Date());
let channel: string;
let location: string;
let storefront: string;

const policy = {
  return_window_days: 30,
  non_returnable_tags: ['final_sale'],
  review_reasons: ['damaged'],
  restocking_fee_percent: { no_longer_needed: 10 },
  refund_shipping: 'full_return',
  exchange_release: 'on_receipt',
};

beforeAll(async () => {
  t = await createTestApp({ clock });
  channel = (await makeChannel(t, { return_policy: policy })).code;
  location = (await makeLocation(t)).code;
  storefront = await t.keyWith(['orders:read', 'orders:write', 'returns:write'], channel);
  await makeCarrier(t, {}, ['standard', 'express', 'same_day']);
});
afterAll(() => t.close());

const post = (url: string, payload: object = {}, key: string = t.adminKey) =>
  t.request({ method: 'POST', url, payload, key });

/** A product with 50 units received at the test's location. */
const product = (fields: Record<string, unknown> = {}) => stocked(t, { [location]: 50 }, { product: fields });

/** An order of the test channel, delivered over HTTP. */
const deliveredOrder = (
  lines: Array<{ sku: string; quantity: number; unit_price?: number; tax_amount?: number }>,
  fields: Record<string, unknown> = {},
) => delivered(t, channel, lines, fields);

const openReturn = (orderId: string, payload: object, key = t.adminKey): Promise<ReturnView> =>
  open(t, orderId, payload, key);

const onHand = async (sku: string) => (await levelOf(t, sku, location)).on_hand;

describe('a return authorized at once, received and refunded', () => {
  it('restocks sellable units, refunds what was paid for them (discounts prorated, tax included), and shows it on the order', async () => {
    const shirt = await product();
    const mug = await product();
    // Subtotal 2×2000 + 1×1000 = 5000, a 500 discount (10%), tax 300 on the shirts; shipping 500.
    const order = await deliveredOrder(
      [
        { sku: shirt, quantity: 2, unit_price: 2000, tax_amount: 300 },
        { sku: mug, quantity: 1, unit_price: 1000 },
      ],
      {
        discounts: [{ code: 'TEN', amount: 500 }],
        payment: { status: 'captured', amount: 5300, method: 'card' },
      },
    );
    const before = await onHand(shirt);
    const ret = await openReturn(
      order.id,
      { lines: [{ line_id: lineOf(order, shirt), quantity: 1, reason: 'size_or_fit' }] },
      storefront,
    );
    expect(ret).toMatchObject({
      status: 'authorized',
      initiated_by: 'customer',
      number: `R${order.number}-1`,
    });

    const early = await post(`/v1/returns/${ret.id}/refund`);
    expect(early.statusCode).toBe(409);
    expect(
      (await post(`/v1/returns/${ret.id}/in-transit`, { tracking_number: 'RET123' })).json().status,
    ).toBe('in_transit');
    const received = await post(`/v1/returns/${ret.id}/receive`, {
      location,
      lines: [{ sku: shirt, quantity: 1, condition: 'sellable' }],
    });
    expect(received.statusCode, received.body).toBe(200);
    expect(received.json()).toMatchObject({ status: 'received', lines: [{ restocked: 1, unsellable: 0 }] });
    expect(await onHand(shirt)).toBe(before + 1);
    const ledger = await t.pool.query(
      `SELECT reason, quantity_change FROM inventory_movements WHERE reference = $1`,
      [`return:${ret.number}`],
    );
    expect(ledger.rows).toEqual([{ reason: 'return_restock', quantity_change: 1 }]);
    const partly = await orderOf(t, order.id);
    expect(partly.status).toBe('partially_returned');

    const refunded = await post(`/v1/returns/${ret.id}/refund`);
    expect(refunded.statusCode, refunded.body).toBe(200);
    const [refund] = refunded.json().refunds;
    // 2000 less its 10% share of the discount (200), plus half the line's tax (150); no shipping yet.
    expect(refund).toMatchObject({
      status: 'requested',
      amount: 1950,
      currency: 'USD',
      breakdown: { shipping: 0, restocking_fee: 0, lines: [{ sku: shirt, quantity: 1, amount: 1950 }] },
    });
    expect((await post(`/v1/returns/${ret.id}/refund`)).statusCode).toBe(409);

    const confirmed = await post(`/v1/refunds/${refund.id}/confirm`, { external_reference: 're_1' });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json().status).toBe('refunded');
    const again = await post(`/v1/refunds/${refund.id}/confirm`, { external_reference: 're_1' });
    expect(again.json()).toEqual(confirmed.json());
    const after = await orderOf(t, order.id);
    expect(after.totals.refunded).toBe(1950);
    expect(after.lines.find((l: { sku: string }) => l.sku === shirt)).toMatchObject({
      returned: 1,
      refunded: 1,
      refunded_amount: 1950,
    });
    expect(await eventTypes(t, ret.id)).toEqual([
      'return.requested',
      'return.authorized',
      'return.in_transit',
      'return.received',
      'return.refunded',
    ]);
    expect(await eventTypes(t, refund.id)).toEqual(['refund.requested']);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('returns the whole order: shipping refunded by policy, never more than was paid, order.returned', async () => {
    const sku = await product();
    const order = await deliveredOrder([{ sku, quantity: 3, unit_price: 999 }]);
    const ret = await openReturn(order.id, {
      lines: [{ line_id: lineOf(order, sku), quantity: 3, reason: 'defective' }],
    });
    await post(`/v1/returns/${ret.id}/receive`, {
      location,
      lines: [{ sku, quantity: 2, condition: 'sellable' }],
    });
    const part = (await post(`/v1/returns/${ret.id}/refund`)).json().refunds[0];
    expect(part.amount).toBe(1998);
    // The last unit arrives damaged: on hand as damaged, never available; the final refund adds the shipping.
    const stock = await levelOf(t, sku, location);
    const last = await post(`/v1/returns/${ret.id}/receive`, {
      location,
      lines: [{ sku, quantity: 1, condition: 'damaged' }],
    });
    expect(last.json().lines[0]).toMatchObject({ restocked: 2, unsellable: 1 });
    expect(await levelOf(t, sku, location)).toMatchObject({
      on_hand: stock.on_hand + 1,
      damaged: stock.damaged + 1,
      available: stock.available,
    });
    const final = (await post(`/v1/returns/${ret.id}/refund`)).json().refunds[1];
    expect(final.breakdown).toMatchObject({ shipping: 500 });
    expect(part.amount + final.amount).toBe(order.payment.amount);
    await post(`/v1/refunds/${part.id}/confirm`, {});
    const done = await post(`/v1/refunds/${final.id}/confirm`, {});
    expect(done.json().status).toBe('refunded');
    const returned = await orderOf(t, order.id);
    expect(returned).toMatchObject({ status: 'returned', totals: { refunded: order.payment.amount } });
    expect(await eventTypes(t, order.id)).toContain('order.returned');
    const over = await post(`/v1/returns/${ret.id}/receive`, {
      location,
      lines: [{ sku, quantity: 1, condition: 'sellable' }],
    });
    expect(over.statusCode).toBe(409);
  });

  it('keeps a restocking fee for the reasons the policy names', async () => {
    const sku = await product();
    const order = await deliveredOrder([{ sku, quantity: 2, unit_price: 1000 }]);
    const ret = await openReturn(order.id, {
      lines: [{ line_id: lineOf(order, sku), quantity: 1, reason: 'no_longer_needed' }],
    });
    await post(`/v1/returns/${ret.id}/receive`, {
      location,
      lines: [{ sku, quantity: 1, condition: 'sellable' }],
    });
    const refund = (await post(`/v1/returns/${ret.id}/refund`)).json().refunds[0];
    expect(refund).toMatchObject({ amount: 900, breakdown: { restocking_fee: 100 } });
  });
});

describe('the channel’s return policy', () => {
  it('refuses what cannot come back, naming each line and why, and stores nothing', async () => {
    const sku = await product();
    const finalSale = await product({ tags: ['final_sale'] });
    const order = await deliveredOrder([
      { sku, quantity: 1 },
      { sku: finalSale, quantity: 1 },
    ]);
    const res = await post(`/v1/orders/${order.id}/returns`, {
      lines: [
        { line_id: lineOf(order, sku), quantity: 2, reason: 'other' },
        { line_id: lineOf(order, finalSale), quantity: 1, reason: 'other' },
        { line_id: 999_999_999, quantity: 1, reason: 'other' },
      ],
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors.map((e: { pointer: string }) => e.pointer)).toEqual([
      '/lines/0/quantity',
      '/lines/1/line_id',
      '/lines/2/line_id',
    ]);
    expect(res.json().errors[1].detail).toContain('final_sale');
    const stored = await t.pool.query('SELECT count(*)::int AS n FROM returns WHERE order_id = $1', [
      order.id,
    ]);
    expect(stored.rows[0].n).toBe(0);

    clock.advance(31 * 86_400_000);
    try {
      const late = await post(`/v1/orders/${order.id}/returns`, {
        lines: [{ line_id: lineOf(order, sku), quantity: 1, reason: 'other' }],
      });
      expect(late.statusCode).toBe(422);
      expect(late.json().errors[0].detail).toContain('30-day return window');
    } finally {
      clock.set(new Date());
    }
  });

  it('holds a return for review; the hold is decided on the return, not in the hold queue', async () => {
    const sku = await product();
    const order = await deliveredOrder([{ sku, quantity: 2 }]);
    const ret = await openReturn(order.id, {
      lines: [{ line_id: lineOf(order, sku), quantity: 1, reason: 'damaged' }],
    });
    expect(ret).toMatchObject({ status: 'requested', decision: 'needs review: damaged' });
    const holds = (await t.request({ method: 'GET', url: '/v1/holds?queue=returns&status=open' })).json()
      .data;
    const hold = holds.find((h: { order: { id: string } }) => h.order.id === order.id);
    expect(hold).toMatchObject({ kind: 'return_review', queue: 'returns' });
    expect((await post(`/v1/holds/${hold.id}/release`, {})).statusCode).toBe(409);
    expect(
      (
        await post(`/v1/returns/${ret.id}/receive`, {
          location,
          lines: [{ sku, quantity: 1, condition: 'sellable' }],
        })
      ).statusCode,
    ).toBe(409);

    const authorized = await post(`/v1/returns/${ret.id}/authorize`, {});
    expect(authorized.json()).toMatchObject({ status: 'authorized', decision: null });
    const resolved = await t.pool.query('SELECT status FROM holds WHERE id = $1', [hold.id]);
    expect(resolved.rows[0].status).toBe('released');
    expect((await post(`/v1/returns/${ret.id}/authorize`, {})).statusCode).toBe(409);

    const second = await openReturn(order.id, {
      lines: [{ line_id: lineOf(order, sku), quantity: 1, reason: 'damaged' }],
    });
    const rejected = await post(`/v1/returns/${second.id}/reject`, { reason: 'Photos show wear' });
    expect(rejected.json()).toMatchObject({ status: 'rejected', decision: 'Photos show wear' });
    expect(await eventTypes(t, second.id)).toEqual(['return.requested', 'return.rejected']);
    // Rejected units may be asked for again; authorized ones may not.
    const third = await post(`/v1/orders/${order.id}/returns`, {
      lines: [{ line_id: lineOf(order, sku), quantity: 2, reason: 'other' }],
    });
    expect(third.statusCode).toBe(422);
  });
});

describe('exchanges', () => {
  it('creates the replacement order at once, reserved and routed, and releases it when the return arrives', async () => {
    const small = await product();
    const large = await product();
    const order = await deliveredOrder([{ sku: small, quantity: 1 }]);
    const ret = await openReturn(order.id, {
      lines: [{ line_id: lineOf(order, small), quantity: 1, reason: 'size_or_fit' }],
      replacement_lines: [{ sku: large, quantity: 1 }],
    });
    expect(ret.replacement_order_id).toBeTruthy();
    const replacement = (
      await t.request({ method: 'GET', url: `/v1/orders/${ret.replacement_order_id}` })
    ).json();
    expect(replacement).toMatchObject({
      status: 'allocated',
      totals: { total: 0 },
      tags: ['exchange'],
      lines: [{ sku: large, quantity: 1, allocated: 1, unit_price: 0 }],
    });
    await t.app.services.releaser.run();
    const waiting = (
      await t.request({ method: 'GET', url: `/v1/shipments?order_id=${replacement.id}` })
    ).json().data;
    expect(waiting).toEqual([]);

    await post(`/v1/returns/${ret.id}/receive`, {
      location,
      lines: [{ sku: small, quantity: 1, condition: 'sellable' }],
    });
    await t.app.services.releaser.idle();
    await t.app.services.releaser.run();
    const shipments = (
      await t.request({ method: 'GET', url: `/v1/shipments?order_id=${replacement.id}` })
    ).json().data;
    expect(shipments).toHaveLength(1);
    expect((await orderOf(t, replacement.id)).status).toBe('released');
  });
});

describe('an exchange released at once by policy', () => {
  it('ships the replacement without waiting for the return', async () => {
    const eager = (await makeChannel(t, { return_policy: { ...policy, exchange_release: 'immediately' } }))
      .code;
    const sku = await product();
    const swap = await product();
    const body = orderBody(eager, [{ sku, quantity: 1 }]);
    const placed = await post('/v1/orders', body);
    expect(placed.statusCode, placed.body).toBe(201);
    await t.app.services.releaser.idle();
    await t.app.services.releaser.run();
    const [shipment] = (
      await t.request({ method: 'GET', url: `/v1/shipments?order_id=${placed.json().id}` })
    ).json().data;
    await post(`/v1/shipments/${shipment.id}/pack`, { override: { reason: 'test' } });
    expect((await post(`/v1/shipments/${shipment.id}/ship`)).statusCode).toBe(200);
    const ret = await openReturn(placed.json().id, {
      lines: [{ line_id: placed.json().lines[0].id, quantity: 1, reason: 'wrong_item' }],
      replacement_lines: [{ sku: swap, quantity: 1 }],
    });
    await t.app.services.releaser.idle();
    await t.app.services.releaser.run();
    const replacement = (
      await t.request({ method: 'GET', url: `/v1/orders/${ret.replacement_order_id}` })
    ).json();
    expect(replacement.status).toBe('released');
    expect(replacement.metadata).toMatchObject({
      exchange_for_order: placed.json().number,
      return: ret.number,
    });
  });
});

describe('access', () => {
  it('needs the returns scope, and a channel key sees only its channel’s returns', async () => {
    const sku = await product();
    const order = await deliveredOrder([{ sku, quantity: 1 }]);
    const payload = { lines: [{ line_id: lineOf(order, sku), quantity: 1, reason: 'other' }] };
    expect(
      (await post(`/v1/orders/${order.id}/returns`, payload, await t.keyWith(['orders:read']))).statusCode,
    ).toBe(403);
    const other = (await makeChannel(t)).code;
    const outsider = await t.keyWith(['orders:read', 'returns:write'], other);
    expect((await post(`/v1/orders/${order.id}/returns`, payload, outsider)).statusCode).toBe(404);
    const ret = await openReturn(order.id, payload);
    expect((await t.request({ method: 'GET', url: `/v1/returns/${ret.id}`, key: outsider })).statusCode).toBe(
      404,
    );
    const listed = (
      await t.request({ method: 'GET', url: `/v1/returns?order_id=${order.id}`, key: storefront })
    ).json();
    expect(listed.data.map((r: { id: string }) => r.id)).toEqual([ret.id]);
    const page = await t.request({ method: 'GET', url: '/v1/returns?limit=1&status=authorized' });
    expect(page.json().data).toHaveLength(1);
    expect(page.json().next_cursor).toEqual(expect.any(String));
  });
});
