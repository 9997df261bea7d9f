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
import {
  makeCarrier,
  makeChannel,
  makeLocation,
  orderBody,
  receive,
  stocked,
  uniq,
} from '../../helpers/factories.js';
import { captureOrder, orderOf, releaseAndShip } from '../../helpers/orders.js';
import { expectInvalid, expectProblem } from '../../helpers/problems.js';

let t: TestApp;
const clock = testClock('2026-03-10T15:00:00.000Z');
let channel: string;
let location: string;
let sku: string;

beforeAll(async () => {
  t = await createTestApp({ clock });
  channel = (await makeChannel(t)).code;
  location = (await makeLocation(t)).code;
  await makeCarrier(t);
  sku = await stocked(t, { [location]: 1000 });
});
afterAll(() => t.close());

const order = (
  account: Parameters<typeof accountOrder>[0],
  units: number,
  fields: Record<string, unknown> = {},
) => accountOrder(account, channel, [{ sku, quantity: units, unit_price: 1000 }], fields);

const ship = (orderId: string) => releaseAndShip(t, orderId);

const invoicesOf = async (accountId: string, query = '') => {
  const res = await t.request({ method: 'GET', url: `/v1/accounts/${accountId}/invoices${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
};

describe('invoices', () => {
  it.each([
    ['net_7', '2026-03-17'],
    ['net_30', '2026-04-09'],
    ['net_90', '2026-06-08'],
    ['due_on_fulfillment', '2026-03-10'],
  ])('shipping an order on %s raises an invoice due %s, with invoice.due for the ERP', async (terms, due) => {
    const account = await makeAccount(t, { payment_terms: terms, credit_limit: 1_000_000 });
    const placed = await captureOrder(t, order(account, 2));
    await ship(placed.id);
    const [invoice] = await invoicesOf(account.id);
    expect(invoice).toMatchObject({
      account_id: account.id,
      order_id: placed.id,
      order_number: placed.number,
      payment_terms: terms,
      amount: 2500,
      paid_amount: 0,
      balance: 2500,
      currency: 'USD',
      status: 'open',
      due_date: due,
      paid_at: null,
    });
    const events = await t.pool.query(
      "SELECT data FROM events WHERE type = 'invoice.due' AND resource_id = $1",
      [invoice.id],
    );
    expect(events.rows).toEqual([{ data: { invoice, account_code: account.code } }]);
    expect((await accountOf(t, account.id)).exposure).toMatchObject({
      invoiced_unpaid: 2500,
      open_orders: 0,
      total: 2500,
    });
  });

  it('invoices what shipped: cancelled units are neither invoiced nor open, a cancelled order counts nothing', async () => {
    const account = await makeAccount(t, { credit_limit: 1_000_000 });
    const placed = await captureOrder(t, order(account, 3)); // 3500
    const cancel = (id: string, payload: object) =>
      t.request({ method: 'POST', url: `/v1/orders/${id}/cancel`, payload });
    const partial = await cancel(placed.id, {
      reason: 'short',
      lines: [{ line_id: placed.lines[0].id, quantity: 1 }],
    });
    expect(partial.statusCode, partial.body).toBe(200);
    expect((await accountOf(t, account.id)).exposure.open_orders).toBe(2333); // two thirds of 3500
    await ship(placed.id);
    const [invoice] = await invoicesOf(account.id);
    expect(invoice).toMatchObject({ order_id: placed.id, amount: 2333 });
    expect((await accountOf(t, account.id)).exposure).toMatchObject({
      invoiced_unpaid: 2333,
      open_orders: 0,
    });
    const other = await captureOrder(t, order(account, 1));
    expect((await cancel(other.id, { reason: 'changed their mind' })).statusCode).toBe(200);
    expect((await accountOf(t, account.id)).exposure).toMatchObject({ open_orders: 0, total: 2333 });
  });

  it('raises no invoice for a prepaid account or an order without one', async () => {
    const account = await makeAccount(t, { payment_terms: 'prepaid' });
    const placed = await captureOrder(
      t,
      order(account, 1, { payment: { status: 'captured', amount: 1500 } }),
    );
    const plain = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    await ship(placed.id);
    await ship(plain.id);
    const { rows } = await t.pool.query('SELECT count(*) FROM invoices WHERE order_id = ANY($1)', [
      [placed.id, plain.id],
    ]);
    expect(Number(rows[0].count)).toBe(0);
  });
});

describe('payments', () => {
  it('pays the oldest due invoices first; what is left pays the next invoice raised', async () => {
    const account = await makeAccount(t, { credit_limit: 1_000_000 });
    const a = await captureOrder(t, order(account, 1)); // 1500
    await ship(a.id);
    const b = await captureOrder(t, order(account, 2)); // 2500
    await ship(b.id);
    const paid = await pay(t, account.id, { amount: 5000 });
    expect(paid.payment).toMatchObject({ amount: 5000, unapplied: 1000 });
    expect(paid.payment.applied.map((x: { amount: number }) => x.amount)).toEqual([1500, 2500]);
    expect(paid.exposure).toMatchObject({ invoiced_unpaid: 0, unapplied_credit: 1000, total: 0 });
    expect((await invoicesOf(account.id, '?status=paid')).length).toBe(2);
    const c = await captureOrder(t, order(account, 1)); // 1500
    await ship(c.id);
    const [latest] = await invoicesOf(account.id);
    expect(latest).toMatchObject({
      order_id: c.id,
      amount: 1500,
      paid_amount: 1000,
      balance: 500,
      status: 'open',
    });
    const types = await t.pool.query(
      "SELECT type FROM events WHERE type IN ('invoice.paid', 'account.payment_recorded') AND (resource_id = $1 OR data->'invoice'->>'account_id' = $1)",
      [account.id],
    );
    expect(types.rows.map((r) => r.type).sort()).toEqual([
      'account.payment_recorded',
      'invoice.paid',
      'invoice.paid',
    ]);
  });

  it('pays the invoices named, in their order; refuses invoices of another account', async () => {
    const account = await makeAccount(t, { credit_limit: 1_000_000 });
    const other = await makeAccount(t, { credit_limit: 1_000_000 });
    const a = await captureOrder(t, order(account, 1));
    await ship(a.id);
    const b = await captureOrder(t, order(account, 1));
    await ship(b.id);
    const c = await captureOrder(t, order(other, 1));
    await ship(c.id);
    const [newest, oldest] = await invoicesOf(account.id);
    const [foreign] = await invoicesOf(other.id);
    const url = `/v1/accounts/${account.id}/payments`;
    const bad = await t.request({
      method: 'POST',
      url,
      payload: {
        reference: uniq('P'),
        amount: 100,
        currency: 'USD',
        invoices: [newest.number, foreign.number],
      },
    });
    expectInvalid(bad, ['/invoices/1']);
    const paid = await pay(t, account.id, { amount: 1500, invoices: [newest.number] });
    expect(paid.payment.applied).toEqual([
      { invoice_id: newest.id, invoice_number: newest.number, amount: 1500 },
    ]);
    expect((await invoicesOf(account.id, '?status=open')).map((i: { id: string }) => i.id)).toEqual([
      oldest.id,
    ]);
  });

  it('refuses bad payments with a 422 naming the field; a reference is unique per account', async () => {
    const account = await makeAccount(t);
    const post = (payload: Record<string, unknown>) =>
      t.request({ method: 'POST', url: `/v1/accounts/${account.id}/payments`, payload });
    expectInvalid(await post({ reference: 'R', amount: 0, currency: 'USD' }), ['/amount']);
    expectInvalid(await post({ reference: 'R', amount: -5, currency: 'USD' }), ['/amount']);
    expectInvalid(await post({ reference: 'R', amount: 5, currency: 'EUR' }), ['/currency']);
    expectInvalid(await post({ amount: 5, currency: 'USD' }), ['/reference']);
    const first = await post({ reference: 'WIRE-1', amount: 700, currency: 'USD' });
    expect(first.statusCode, first.body).toBe(201);
    const again = await post({ reference: 'WIRE-1', amount: 700, currency: 'USD' });
    expect(again.statusCode).toBe(200);
    expect(again.json().payment.id).toBe(first.json().payment.id);
    expectProblem(await post({ reference: 'WIRE-1', amount: 800, currency: 'USD' }), 409, 'conflict');
    const other = await makeAccount(t);
    await pay(t, other.id, { reference: 'WIRE-1', amount: 800 });
    const list = await t.request({ method: 'GET', url: `/v1/accounts/${account.id}/payments` });
    expect(list.json().data.map((p: { reference: string }) => p.reference)).toEqual(['WIRE-1']);
    expectProblem(
      await t.request({
        method: 'POST',
        url: '/v1/accounts/00000000-0000-4000-8000-000000000000/payments',
        payload: { reference: 'X', amount: 5, currency: 'USD' },
      }),
      404,
      'not_found',
    );
  });

  it('replays a payment sent again with its Idempotency-Key', async () => {
    const account = await makeAccount(t);
    const request = () =>
      t.request({
        method: 'POST',
        url: `/v1/accounts/${account.id}/payments`,
        headers: { 'idempotency-key': `k-${account.id}` },
        payload: { reference: 'CHK-9', amount: 300, currency: 'USD' },
      });
    const first = await request();
    const second = await request();
    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    expect(second.json()).toEqual(first.json());
  });
});

describe('account priority', () => {
  it('an account order outranks an earlier plain order for backordered stock', async () => {
    const backorders = (await makeChannel(t, { allow_backorders: true })).code;
    const scarce = await stocked(t, {});
    const account = await makeAccount(t, { priority: 50, credit_limit: 1_000_000 });
    const plain = await captureOrder(t, orderBody(backorders, [{ sku: scarce, quantity: 1 }]));
    const b2b = await captureOrder(
      t,
      accountOrder(account, backorders, [{ sku: scarce, quantity: 1, unit_price: 1000 }]),
    );
    expect([plain.status, b2b.status]).toEqual(['backordered', 'backordered']);
    await receive(t, [{ sku: scarce, location, delta: 1 }]);
    await t.app.services.backorders.idle();
    expect((await orderOf(t, b2b.id)).status).toBe('allocated');
    expect((await orderOf(t, plain.id)).status).toBe('backordered');
  });
});

describe('the events', () => {
  it('every account and invoice event written above matches its schema in the event catalog', async () => {
    await expectAccountEventsValid(t, [
      'account.created',
      'account.payment_recorded',
      'invoice.due',
      'invoice.paid',
    ]);
  });
});
