import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accountOf,
  accountOrder,
  expectAccountEventsValid,
  makeAccount,
  pay,
} from '../../helpers/accounts.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { makeCarrier, makeChannel, makeLocation, orderBody, stocked } from '../../helpers/factories.js';
import {
  captureOrder,
  eventTypes,
  orderOf,
  postOrder,
  releaseAndShip,
  settleReleaser,
  shipmentsOf,
} from '../../helpers/orders.js';
import { expectInvalid } from '../../helpers/problems.js';

let t: TestApp;
const clock = testClock(new Date());
let channel: string;
let location: string;
let sku: string;

beforeAll(async () => {
  t = await createTestApp({ clock, poolSize: 12 });
  channel = (await makeChannel(t)).code;
  location = (await makeLocation(t)).code;
  await makeCarrier(t);
  sku = await stocked(t, { [location]: 1000 });
});
afterAll(() => t.close());

/** An order of `units` × 10.00 plus 5.00 shipping for the account. */
const order = (
  account: Parameters<typeof accountOrder>[0],
  units: number,
  fields: Record<string, unknown> = {},
) => accountOrder(account, channel, [{ sku, quantity: units, unit_price: 1000 }], fields);

const creditHolds = (o: { holds: Array<{ kind: string; status: string }> }) =>
  o.holds.filter((h) => h.kind === 'credit' && h.status === 'open');

const ship = (orderId: string) => releaseAndShip(t, orderId);

describe('capture for an account', () => {
  it('captures an order on terms with its payment pending and no payment hold; it counts as an open order', async () => {
    const account = await makeAccount(t, { credit_limit: 100_000 });
    const captured = await captureOrder(t, order(account, 2));
    expect(captured).toMatchObject({
      status: 'allocated',
      account_id: account.id,
      payment_terms: 'net_30',
      payment: { status: 'pending', amount: 0, method: 'terms' },
      holds: [],
    });
    const byCode = await captureOrder(
      t,
      order(account, 1, {
        account: account.code,
        payment: { status: 'captured', amount: 1500, method: 'card' },
      }),
    );
    expect(byCode.payment).toEqual({ status: 'pending', amount: 0, method: 'terms' });
    expect(byCode).toMatchObject({ status: 'allocated', account_id: account.id, holds: [] });
    const { exposure } = await accountOf(t, account.id);
    expect(exposure).toMatchObject({
      open_orders: 2500 + 1500,
      invoiced_unpaid: 0,
      total: 4000,
      available_credit: 96_000,
    });
  });

  it('refuses an unknown or inactive account, another currency and a customer who is not a buyer', async () => {
    const account = await makeAccount(t);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expectInvalid(await postOrder(t, order(account, 1, { account: unknown })), ['/account']);
    expectInvalid(await postOrder(t, order(account, 1, { account: 'NO-SUCH-CODE' })), ['/account']);
    expectInvalid(await postOrder(t, order(account, 1, { currency: 'EUR' })), ['/currency']);
    expectInvalid(await postOrder(t, order(account, 1, { customer: { email: 'stranger@example.com' } })), [
      '/customer/email',
    ]);
    const { payment: _p, ...noPayment } = orderBody(channel, [{ sku, quantity: 1 }]);
    expectInvalid(await postOrder(t, noPayment), ['/payment']);
    const inactive = await makeAccount(t, { active: false });
    expectInvalid(await postOrder(t, order(inactive, 1)), ['/account']);
    const count = await t.pool.query('SELECT count(*) FROM orders WHERE account_id = ANY($1)', [
      [account.id, inactive.id],
    ]);
    expect(Number(count.rows[0].count)).toBe(0);
  });

  it('takes orders from anyone for an account that lists no buyers', async () => {
    const account = await makeAccount(t, { buyers: [] });
    expect((await captureOrder(t, order(account, 1))).status).toBe('allocated');
  });

  it('puts a prepaid account through the normal payment rules', async () => {
    const account = await makeAccount(t, { payment_terms: 'prepaid' });
    expectInvalid(await postOrder(t, order(account, 1)), ['/payment']);
    const pending = await captureOrder(t, order(account, 1, { payment: { status: 'pending', amount: 0 } }));
    expect(pending.holds.map((h: { kind: string }) => h.kind)).toEqual(['payment']);
    const paid = await captureOrder(
      t,
      order(account, 100, { payment: { status: 'captured', amount: 100_500 } }),
    );
    expect(paid).toMatchObject({ status: 'allocated', payment_terms: 'prepaid', holds: [] });
  });

  it('ranks an account order by the higher of channel and account priority', async () => {
    const account = await makeAccount(t, { priority: 40 });
    const captured = await captureOrder(t, order(account, 1));
    const plain = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    expect(captured.priority).toBe(plain.priority + 40);
  });
});

describe('credit limit', () => {
  it('enforce: an order past the limit is held in the credit queue, reserving stock like any held order', async () => {
    const account = await makeAccount(t, { credit_limit: 5000 });
    const first = await captureOrder(t, order(account, 3)); // 3500
    expect(first.status).toBe('allocated');
    const second = await captureOrder(t, order(account, 2)); // 2500: 6000 > 5000
    expect(second.status).toBe('on_hold');
    expect(creditHolds(second)).toEqual([
      expect.objectContaining({
        kind: 'credit',
        queue: 'credit',
        reason: expect.stringContaining('credit limit'),
      }),
    ]);
    const queue = await t.request({ method: 'GET', url: '/v1/holds?queue=credit&status=open' });
    expect(queue.json().data.map((h: { order: { id: string } }) => h.order.id)).toContain(second.id);
    expect(await eventTypes(t, second.id)).toEqual(expect.arrayContaining(['order.created', 'order.held']));
    expect((await accountOf(t, account.id)).exposure).toMatchObject({
      open_orders: 3500,
      held_orders: 2500,
      total: 3500,
    });
  });

  it('warn: the order is captured with an account.credit_limit_exceeded event and no hold', async () => {
    const account = await makeAccount(t, { credit_limit: 1000, credit_limit_mode: 'warn' });
    const captured = await captureOrder(t, order(account, 2));
    expect(captured).toMatchObject({ status: 'allocated', holds: [] });
    const events = await t.pool.query(
      "SELECT data FROM events WHERE resource_id = $1 AND type = 'account.credit_limit_exceeded'",
      [account.id],
    );
    expect(events.rows).toHaveLength(1);
    expect(events.rows[0].data).toMatchObject({
      credit_limit: 1000,
      order_value: 2500,
      order: { id: captured.id },
    });
  });

  it('ignore: no check at all', async () => {
    const account = await makeAccount(t, { credit_limit: 0, credit_limit_mode: 'ignore' });
    expect((await captureOrder(t, order(account, 5))).holds).toEqual([]);
  });

  it('a payment releases credit holds by themselves, oldest first while they fit, and the orders go on to allocation', async () => {
    const account = await makeAccount(t, { credit_limit: 5000 });
    const shipped = await captureOrder(t, order(account, 4)); // 4500
    await ship(shipped.id);
    expect((await accountOf(t, account.id)).exposure).toMatchObject({
      invoiced_unpaid: 4500,
      open_orders: 0,
    });
    const held1 = await captureOrder(t, order(account, 3)); // 3500
    const held2 = await captureOrder(t, order(account, 3)); // 3500
    expect([creditHolds(held1).length, creditHolds(held2).length]).toEqual([1, 1]);
    const partial = await pay(t, account.id, { amount: 1000 }); // 3500 + 3500 > 5000
    expect(partial.released_holds).toEqual([]);
    const paid = await pay(t, account.id, { amount: 3500 });
    expect(paid.payment.applied).toEqual([expect.objectContaining({ amount: 3500 })]);
    expect(paid.released_holds).toEqual([expect.objectContaining({ order_id: held1.id })]);
    const released = await orderOf(t, held1.id);
    expect(released.status).toBe('allocated');
    expect(released.holds[0]).toMatchObject({ kind: 'credit', status: 'released' });
    expect((await orderOf(t, held2.id)).status).toBe('on_hold');
    expect(paid.exposure).toMatchObject({
      invoiced_unpaid: 0,
      open_orders: 3500,
      held_orders: 3500,
      total: 3500,
    });
    await settleReleaser(t);
    expect((await shipmentsOf(t, held1.id)).length).toBe(1);
  });

  it('raising the limit releases the holds it makes moot', async () => {
    const account = await makeAccount(t, { credit_limit: 1000 });
    const held = await captureOrder(t, order(account, 1));
    expect(creditHolds(held)).toHaveLength(1);
    const res = await t.request({
      method: 'PATCH',
      url: `/v1/accounts/${account.id}`,
      payload: { credit_limit: 2000 },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect((await orderOf(t, held.id)).status).toBe('allocated');
  });

  it('cancelling an order frees its credit: a held order that fits now is released', async () => {
    const account = await makeAccount(t, { credit_limit: 4000 });
    const open = await captureOrder(t, order(account, 3)); // 3500
    const held = await captureOrder(t, order(account, 2)); // 2500
    expect(creditHolds(held)).toHaveLength(1);
    const res = await t.request({
      method: 'POST',
      url: `/v1/orders/${open.id}/cancel`,
      payload: { reason: 'x' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect((await orderOf(t, held.id)).status).toBe('allocated');
    expect((await accountOf(t, account.id)).exposure).toMatchObject({ open_orders: 2500, held_orders: 0 });
  });

  it('two concurrent orders cannot both pass a limit only one fits', async () => {
    const account = await makeAccount(t, { credit_limit: 10_000 });
    const bodies = Array.from({ length: 4 }, () => order(account, 6)); // 6500 each
    const results = await Promise.all(bodies.map((body) => postOrder(t, body)));
    expect(results.map((r) => r.statusCode)).toEqual([201, 201, 201, 201]);
    const { rows } = await t.pool.query(
      `SELECT o.status, EXISTS (SELECT 1 FROM holds h WHERE h.order_id = o.id AND h.kind = 'credit' AND h.status = 'open') AS held
         FROM orders o WHERE o.account_id = $1`,
      [account.id],
    );
    expect(rows.filter((r) => !r.held)).toEqual([
      { status: expect.stringMatching(/^(allocated|released)$/), held: false },
    ]);
    expect(rows.filter((r) => r.held && r.status === 'on_hold')).toHaveLength(3);
  });
});

describe('overdue invoices', () => {
  it('holds new orders once an invoice is overdue past the grace period, until it is paid', async () => {
    const account = await makeAccount(t, { payment_terms: 'net_7', grace_days: 3, credit_limit: 1_000_000 });
    const first = await captureOrder(t, order(account, 1));
    await ship(first.id);
    try {
      clock.advance(10 * 86_400_000); // 10 days: overdue, but within 7 + 3
      expect((await captureOrder(t, order(account, 1))).holds).toEqual([]);
      expect((await accountOf(t, account.id)).exposure).toMatchObject({
        overdue: 1500,
        overdue_past_grace: 0,
      });
      clock.advance(86_400_000); // 11 days: past the grace period
      const held = await captureOrder(t, order(account, 1));
      expect(creditHolds(held)).toEqual([
        expect.objectContaining({ reason: expect.stringContaining('overdue') }),
      ]);
      const invoices = await t.request({
        method: 'GET',
        url: `/v1/accounts/${account.id}/invoices?status=overdue`,
      });
      expect(invoices.json().data).toHaveLength(1);
      const paid = await pay(t, account.id, { amount: 1500, invoices: [invoices.json().data[0].number] });
      expect(paid.released_holds.map((h: { order_id: string }) => h.order_id)).toEqual([held.id]);
      expect((await orderOf(t, held.id)).status).toBe('allocated');
    } finally {
      clock.reset();
    }
  });
});

describe('the events', () => {
  it('every account event written above matches its schema in the event catalog', async () => {
    await expectAccountEventsValid(t, [
      'account.created',
      'account.updated',
      'account.credit_limit_exceeded',
      'account.payment_recorded',
      'invoice.due',
      'invoice.paid',
    ]);
  });
});
