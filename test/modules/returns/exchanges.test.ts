import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Caller } from '../../../src/http/caller.js';
import { createOrderTransitions } from '../../../src/modules/orders/index.js';
import { openReturn as openReturnAlone } from '../../../src/modules/returns/request.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { makeCarrier, makeChannel, makeLocation, stocked } from '../../helpers/factories.js';
import { eventTypes, orderOf, settleReleaser, shipmentsOf } from '../../helpers/orders.js';
import { deliveredOrder, lineOf, openReturn, replacementsOf } from '../../helpers/returns.js';
import { brokenInvariants, reservedOf } from '../../helpers/stock.js';

/**
 * Exchanges: the replacement is never also refunded, and a crash between the return's commit and the
 * replacement's capture loses nothing (the return is the durable marker; the worker or the next receipt
 * creates the order, exactly once).
 */

let t: TestApp;
const clock = testClock(new Date());
let channel: string;
let location: string;
let backOffice: Caller;

const policy = {
  return_window_days: 30,
  non_returnable_tags: [],
  review_reasons: ['damaged'],
  restocking_fee_percent: {},
  refund_shipping: 'full_return',
  exchange_release: 'on_receipt',
};

beforeAll(async () => {
  t = await createTestApp({ clock });
  channel = (await makeChannel(t, { return_policy: policy })).code;
  location = (await makeLocation(t)).code;
  await makeCarrier(t, {}, ['standard', 'express', 'same_day']);
  const [bootstrap] = (await t.pool.query('SELECT id FROM api_keys ORDER BY created_at LIMIT 1')).rows;
  backOffice = {
    keyId: bootstrap.id,
    keyName: 'bootstrap',
    scopes: ['admin'],
    channel: null,
    rateLimit: null,
  };
});
afterEach(() => {
  vi.restoreAllMocks();
  clock.reset();
});
afterAll(() => t.close());

const post = (url: string, payload: object = {}) => t.request({ method: 'POST', url, payload });
const product = () => stocked(t, { [location]: 50 });
const receive = (id: string, sku: string, quantity = 1) =>
  post(`/v1/returns/${id}/receive`, { location, lines: [{ sku, quantity, condition: 'sellable' }] });
const returnOf = async (id: string) => (await t.request({ method: 'GET', url: `/v1/returns/${id}` })).json();

/** What the exchange worker does on its next pass, the grace for in-flight requests having passed. */
async function workerPass(): Promise<number> {
  clock.advance(61_000);
  return t.app.services.returns.redriveExchanges();
}

describe('refunding an exchange', () => {
  it('refunds only the units the replacement does not stand for, and no shipping', async () => {
    const medium = await product();
    const large = await product();
    // 2 × 1000 + 500 shipping, paid 2500.
    const order = await deliveredOrder(t, channel, [{ sku: medium, quantity: 2 }]);
    const ret = await openReturn(t, order.id, {
      lines: [{ line_id: lineOf(order, medium), quantity: 2, reason: 'size_or_fit' }],
      replacement_lines: [{ sku: large, quantity: 1 }],
    });
    expect(ret.replacement_order_id).toBeTruthy();

    // The first unit back is the exchanged one: nothing to refund yet, but the replacement may ship.
    expect((await receive(ret.id, medium)).statusCode).toBe(200);
    const early = await post(`/v1/returns/${ret.id}/refund`);
    expect(early.statusCode).toBe(409);
    expect(early.json().detail).toContain('refunded or replaced by its exchange');
    await settleReleaser(t);
    expect(await shipmentsOf(t, ret.replacement_order_id as string)).toHaveLength(1);

    // Every shipped unit is back, but one was exchanged: one unit refunded, and no shipping.
    expect((await receive(ret.id, medium)).statusCode).toBe(200);
    const refunded = await post(`/v1/returns/${ret.id}/refund`);
    expect(refunded.statusCode, refunded.body).toBe(200);
    const [refund] = refunded.json().refunds;
    expect(refund).toMatchObject({
      amount: 1000,
      breakdown: { shipping: 0, lines: [{ sku: medium, quantity: 1, amount: 1000 }] },
    });
    expect((await post(`/v1/returns/${ret.id}/refund`)).statusCode).toBe(409);
    const confirmed = await post(`/v1/refunds/${refund.id}/confirm`, {});
    expect(confirmed.json()).toMatchObject({ status: 'refunded', lines: [{ refunded: 1, restocked: 2 }] });
    expect(await orderOf(t, order.id)).toMatchObject({ status: 'returned', totals: { refunded: 1000 } });
  });

  it('refunds nothing for a plain swap; the return ends by closing it and the replacement stands', async () => {
    const small = await product();
    const large = await product();
    const order = await deliveredOrder(t, channel, [{ sku: small, quantity: 1 }]);
    const ret = await openReturn(t, order.id, {
      lines: [{ line_id: lineOf(order, small), quantity: 1, reason: 'size_or_fit' }],
      replacement_lines: [{ sku: large, quantity: 1 }],
    });
    await receive(ret.id, small);
    const nothing = await post(`/v1/returns/${ret.id}/refund`);
    expect(nothing.statusCode).toBe(409);
    expect(nothing.json().detail).toContain('close the return');
    const closed = await post(`/v1/returns/${ret.id}/close`, { reason: 'exchanged' });
    expect(closed.json()).toMatchObject({ status: 'closed', refunds: [] });
    await settleReleaser(t);
    expect((await orderOf(t, ret.replacement_order_id as string)).status).toBe('released');
  });
});

describe('ways out of a return before its units arrive', () => {
  it('closing an authorized return with nothing back cancels its waiting exchange and frees its stock', async () => {
    const small = await product();
    const large = await product();
    const order = await deliveredOrder(t, channel, [{ sku: small, quantity: 1 }]);
    const reservedBefore = await reservedOf(t, large);
    const ret = await openReturn(t, order.id, {
      lines: [{ line_id: lineOf(order, small), quantity: 1, reason: 'size_or_fit' }],
      replacement_lines: [{ sku: large, quantity: 1 }],
    });
    expect(await reservedOf(t, large)).toBe(reservedBefore + 1);
    const closed = await post(`/v1/returns/${ret.id}/close`, { reason: 'never sent back' });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json().status).toBe('closed');
    expect((await orderOf(t, ret.replacement_order_id as string)).status).toBe('cancelled');
    expect(await reservedOf(t, large)).toBe(reservedBefore);
    // Nothing is owed any more: the worker leaves it alone.
    await workerPass();
    expect(await replacementsOf(t, ret.number)).toHaveLength(1);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('a replacement whose cancellation was lost after the return was rejected is cancelled by the worker', async () => {
    const small = await product();
    const large = await product();
    const order = await deliveredOrder(t, channel, [{ sku: small, quantity: 1 }]);
    const reservedBefore = await reservedOf(t, large);
    const ret = await openReturn(t, order.id, {
      lines: [{ line_id: lineOf(order, small), quantity: 1, reason: 'size_or_fit' }],
      replacement_lines: [{ sku: large, quantity: 1 }],
    });
    vi.spyOn(t.app.services.orders, 'cancel').mockRejectedValueOnce(new Error('connection terminated'));
    const rejected = await post(`/v1/returns/${ret.id}/reject`, { reason: 'outside the policy' });
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(rejected.json().status).toBe('rejected');
    expect((await orderOf(t, ret.replacement_order_id as string)).status).toBe('allocated');

    expect(await workerPass()).toBeGreaterThanOrEqual(1);
    expect((await orderOf(t, ret.replacement_order_id as string)).status).toBe('cancelled');
    expect(await reservedOf(t, large)).toBe(reservedBefore);
    expect(await replacementsOf(t, ret.number)).toHaveLength(1);
  });

  it('a return waiting for review can be withdrawn: closed, its hold cancelled', async () => {
    const sku = await product();
    const order = await deliveredOrder(t, channel, [{ sku, quantity: 1 }]);
    const ret = await openReturn(t, order.id, {
      lines: [{ line_id: lineOf(order, sku), quantity: 1, reason: 'damaged' }],
    });
    expect(ret.status).toBe('requested');
    const withdrawn = await post(`/v1/returns/${ret.id}/close`, { reason: 'customer keeps it' });
    expect(withdrawn.json()).toMatchObject({ status: 'closed', decision: 'customer keeps it' });
    const holds = await t.pool.query(`SELECT status FROM holds WHERE details->>'return_id' = $1`, [ret.id]);
    expect(holds.rows).toEqual([{ status: 'cancelled' }]);
    expect(await eventTypes(t, ret.id)).toEqual(['return.requested', 'return.closed']);
    expect((await orderOf(t, order.id)).holds.filter((h: { status: string }) => h.status === 'open')).toEqual(
      [],
    );
  });
});

describe('an exchange interrupted between the return and the replacement', () => {
  it('is created exactly once by the worker after a crash right after the return committed', async () => {
    const small = await product();
    const large = await product();
    const order = await deliveredOrder(t, channel, [{ sku: small, quantity: 1 }]);
    // The process dies after the return's transaction: only the first step ran.
    const transitions = createOrderTransitions({ clock, routing: t.app.services.routing });
    const state = await openReturnAlone(
      { db: t.db, clock, orders: transitions },
      order.id,
      {
        lines: [{ line_id: lineOf(order, small), quantity: 1, reason: 'size_or_fit' }],
        replacement_lines: [{ sku: large, quantity: 1 }],
      },
      backOffice,
    );
    expect(state.ret).toMatchObject({ status: 'authorized', replacementOrderId: null });
    expect(await replacementsOf(t, state.ret.number)).toEqual([]);

    // A request may still be creating it: the worker leaves it alone for a minute.
    expect(await t.app.services.returns.redriveExchanges()).toBe(0);
    expect(await replacementsOf(t, state.ret.number)).toEqual([]);

    // Two replicas' workers at once.
    clock.advance(61_000);
    await Promise.all([t.app.services.returns.redriveExchanges(), t.app.services.returns.redriveExchanges()]);
    const [replacement, ...more] = await replacementsOf(t, state.ret.number);
    expect(more).toEqual([]);
    expect((await returnOf(state.ret.id)).replacement_order_id).toBe(replacement?.id);
    expect(await orderOf(t, replacement?.id as string)).toMatchObject({
      status: 'allocated',
      tags: ['exchange'],
      totals: { total: 0 },
      lines: [{ sku: large, quantity: 1, allocated: 1 }],
    });
    // It still waits for the return (exchange_release: on_receipt).
    await settleReleaser(t);
    expect(await shipmentsOf(t, replacement?.id as string)).toEqual([]);

    // Later passes and the receipt find nothing left to create; the receipt releases it.
    await workerPass();
    expect((await receive(state.ret.id, small)).statusCode).toBe(200);
    await settleReleaser(t);
    expect(await replacementsOf(t, state.ret.number)).toHaveLength(1);
    expect(await shipmentsOf(t, replacement?.id as string)).toHaveLength(1);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('is created by the return’s next receipt, racing the worker, once, and released at once', async () => {
    const small = await product();
    const large = await product();
    const order = await deliveredOrder(t, channel, [{ sku: small, quantity: 1 }]);
    const transitions = createOrderTransitions({ clock, routing: t.app.services.routing });
    const state = await openReturnAlone(
      { db: t.db, clock, orders: transitions },
      order.id,
      {
        lines: [{ line_id: lineOf(order, small), quantity: 1, reason: 'size_or_fit' }],
        replacement_lines: [{ sku: large, quantity: 1 }],
      },
      backOffice,
    );
    const [received] = await Promise.all([receive(state.ret.id, small), workerPass()]);
    expect(received.statusCode, received.body).toBe(200);
    const replacements = await replacementsOf(t, state.ret.number);
    expect(replacements).toHaveLength(1);
    expect((await returnOf(state.ret.id)).replacement_order_id).toBe(replacements[0]?.id);
    await settleReleaser(t);
    expect(await shipmentsOf(t, replacements[0]?.id as string)).toHaveLength(1);
  });

  it('leaves the exchange pending, not the request failed, when the capture fails after the return committed', async () => {
    const small = await product();
    const large = await product();
    const order = await deliveredOrder(t, channel, [{ sku: small, quantity: 1 }]);
    vi.spyOn(t.app.services.orders, 'capture').mockRejectedValueOnce(new Error('connection terminated'));
    const ret = await openReturn(t, order.id, {
      lines: [{ line_id: lineOf(order, small), quantity: 1, reason: 'size_or_fit' }],
      replacement_lines: [{ sku: large, quantity: 1 }],
    });
    expect(ret).toMatchObject({ status: 'authorized', replacement_order_id: null });
    expect(await replacementsOf(t, ret.number)).toEqual([]);
    expect(await workerPass()).toBeGreaterThanOrEqual(1);
    const replacements = await replacementsOf(t, ret.number);
    expect(replacements).toHaveLength(1);
    expect((await returnOf(ret.id)).replacement_order_id).toBe(replacements[0]?.id);
  });
});
