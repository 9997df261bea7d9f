import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplaceFraudRules } from '../../../src/modules/fraud/fraud.schemas.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, orderBody, stocked, uniq } from '../../helpers/factories.js';
import { captureOrder, eventTypes } from '../../helpers/orders.js';
import { brokenInvariants, reservedOf } from '../../helpers/stock.js';

// The fraud rule set is global: every test saves the rules it needs before it captures.
let t: TestApp;
let channel: string;
let location: string;

beforeAll(async () => {
  t = await createTestApp();
  channel = (await makeChannel(t)).code;
  location = (await makeLocation(t)).code;
});
afterAll(() => t.close());

async function rules(set: ReplaceFraudRules): Promise<number> {
  const res = await t.request({ method: 'PUT', url: '/v1/rules/fraud', payload: set });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().version;
}

/** A delivery address of its own, so address velocity counts only this test's orders. */
const ownAddress = () => ({
  line1: `${Math.floor(Math.random() * 9000) + 100} ${uniq('Elm')} St`,
  city: 'Edison',
  region: 'NJ',
  postal_code: '08837',
  country: 'US',
});

/**
 * Saves one rule on address velocity (`condition`, `weight`; review at 50, reject at 100) and captures
 * a first order to an address of the test's own.
 */
async function addressVelocity(condition: unknown, weight: number) {
  await rules({
    rules: [{ condition, weight, reason: 'Address velocity' }],
    review_threshold: 50,
    reject_threshold: 100,
  });
  const sku = await stocked(t, { [location]: 50 });
  const address = ownAddress();
  const first = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }], { ship_to: address }));
  return { sku, address, first };
}

const large = { '>': [{ var: 'total' }, 10_000] };

describe('fraud rules at capture', () => {
  it('holds an order scoring at the review threshold, recording score, version and reasons', async () => {
    const version = await rules({
      rules: [
        { condition: large, weight: 60, reason: 'Large order' },
        { condition: { '==': [{ var: 'currency' }, 'JPY'] }, weight: 30, reason: 'Yen' },
      ],
      review_threshold: 50,
      reject_threshold: 100,
    });
    const sku = await stocked(t, { [location]: 50 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 20 }]));
    expect(order.status).toBe('on_hold');
    expect(order.risk).toEqual({ score: 60, version, decision: 'review', reasons: ['Large order'] });
    expect(order.holds).toEqual([
      expect.objectContaining({
        kind: 'fraud',
        queue: 'fraud_review',
        status: 'open',
        reason: expect.stringContaining('Large order'),
        details: expect.objectContaining({ score: 60, version, reasons: ['Large order'] }),
      }),
    ]);
    // A held order keeps its stock (until the hold time runs out).
    expect(order.lines[0]).toMatchObject({ allocated: 20 });
    const row = (await t.pool.query('SELECT risk FROM orders WHERE id = $1', [order.id])).rows[0];
    expect(row.risk).toEqual(order.risk);
    expect(await eventTypes(t, order.id)).toEqual(['order.created', 'order.routed', 'order.held']);
  });

  it('accepts an order below the review threshold, still recording the score', async () => {
    const version = await rules({
      rules: [{ condition: large, weight: 49, reason: 'Large order' }],
      review_threshold: 50,
      reject_threshold: 100,
    });
    const sku = await stocked(t, { [location]: 50 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 20 }]));
    expect(order).toMatchObject({
      status: 'allocated',
      holds: [],
      risk: { score: 49, version, decision: 'accept', reasons: ['Large order'] },
    });
  });

  it('cancels an order at the reject threshold: nothing reserved, order.cancelled appended', async () => {
    const version = await rules({
      rules: [
        { condition: large, weight: 60, reason: 'Large order' },
        { condition: { '>=': [{ var: 'max_sku_quantity' }, 10] }, weight: 40, reason: 'Bulk quantity' },
      ],
      review_threshold: 50,
      reject_threshold: 100,
    });
    const sku = await stocked(t, { [location]: 50 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 20 }]));
    expect(order).toMatchObject({
      status: 'cancelled',
      risk: { score: 100, version, decision: 'reject', reasons: ['Large order', 'Bulk quantity'] },
      holds: [],
      reservations: [],
      lines: [{ sku, quantity: 20, allocated: 0, backordered: 0, cancelled: 20 }],
    });
    expect(order.cancel_reason).toMatch(/^fraud/);
    expect(await reservedOf(t, sku)).toBe(0);
    const reservations = await t.pool.query('SELECT 1 FROM reservations WHERE order_line_id = $1', [
      order.lines[0].id,
    ]);
    expect(reservations.rowCount).toBe(0);
    const events = (
      await t.pool.query('SELECT type, data FROM events WHERE resource_id = $1 ORDER BY sequence', [order.id])
    ).rows;
    expect(events.map((e) => e.type)).toEqual(['order.created', 'order.cancelled']);
    expect(events[1].data).toMatchObject({ reason: 'fraud', order: { id: order.id, status: 'cancelled' } });
    expect(await brokenInvariants(t.pool)).toEqual([]);

    // A cancelled order stays cancelled: a repeat returns it, and it cannot be cancelled again.
    const again = await t.request({
      method: 'POST',
      url: `/v1/orders/${order.id}/cancel`,
      payload: { reason: 'x' },
    });
    expect(again.statusCode).toBe(409);
  });

  it('lowers the score with a negative weight', async () => {
    await rules({
      rules: [
        { condition: large, weight: 60, reason: 'Large order' },
        { condition: { in: ['vip', { var: 'tags' }] }, weight: -30, reason: 'VIP' },
      ],
      review_threshold: 50,
      reject_threshold: 100,
    });
    const sku = await stocked(t, { [location]: 50 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 20 }], { tags: ['vip'] }));
    expect(order).toMatchObject({ status: 'allocated', risk: { score: 30, decision: 'accept' } });
  });

  it('reads payment results, countries and quantities', async () => {
    await rules({
      rules: [
        { condition: { in: [{ var: 'avs_result' }, ['N', 'U']] }, weight: 20, reason: 'AVS failed' },
        { condition: { '==': [{ var: 'cvv_result' }, 'N'] }, weight: 20, reason: 'CVV failed' },
        { condition: { var: 'countries_differ' }, weight: 15, reason: 'Countries differ' },
        { condition: { '==': [{ var: 'unit_count' }, 3] }, weight: 1, reason: 'Three units' },
        { condition: { '==': [{ var: 'line_count' }, 2] }, weight: 1, reason: 'Two lines' },
      ],
      review_threshold: 50,
      reject_threshold: 100,
    });
    const sku = await stocked(t, { [location]: 50 });
    const other = await stocked(t, { [location]: 50 });
    const body = orderBody(channel, [
      { sku, quantity: 2 },
      { sku: other, quantity: 1 },
    ]);
    const order = await captureOrder(t, {
      ...body,
      billing_address: { line1: '1 Rue de Rivoli', city: 'Paris', postal_code: '75001', country: 'FR' },
      payment: { ...body.payment, avs_result: 'N', cvv_result: 'N' },
    });
    expect(order.risk).toMatchObject({
      score: 57,
      decision: 'review',
      reasons: ['AVS failed', 'CVV failed', 'Countries differ', 'Three units', 'Two lines'],
    });
    expect(order.holds.map((h: { kind: string }) => h.kind)).toEqual(['fraud']);
  });

  it('counts orders from the same email in the last hour across orders', async () => {
    await rules({
      rules: [
        {
          condition: { '>=': [{ var: 'orders_from_email_last_hour' }, 2] },
          weight: 60,
          reason: 'Email velocity',
        },
      ],
      review_threshold: 50,
      reject_threshold: 100,
    });
    const sku = await stocked(t, { [location]: 50 });
    const email = `${uniq('fast')}@example.com`;
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    const decisions = [];
    // Older than an hour: does not count.
    for (const [placedAt, mail] of [
      [at(180), email],
      [at(30), email.toUpperCase()],
      [at(20), email],
    ] as const) {
      const order = await captureOrder(
        t,
        orderBody(channel, [{ sku, quantity: 1 }], { customer: { email: mail }, placed_at: placedAt }),
      );
      decisions.push(order.risk.decision);
    }
    expect(decisions).toEqual(['accept', 'accept', 'accept']);
    const fourth = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }], { customer: { email } }));
    expect(fourth.risk).toMatchObject({ score: 60, decision: 'review', reasons: ['Email velocity'] });
    // Another email is unaffected.
    const other = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    expect(other.risk.decision).toBe('accept');
  });

  it('knows the first order of an email', async () => {
    await rules({
      rules: [{ condition: { var: 'first_order_of_email' }, weight: 50, reason: 'First order' }],
      review_threshold: 50,
      reject_threshold: 100,
    });
    const sku = await stocked(t, { [location]: 50 });
    const email = `${uniq('new')}@example.com`;
    const first = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }], { customer: { email } }));
    expect(first.risk).toMatchObject({ decision: 'review', reasons: ['First order'] });
    const second = await captureOrder(
      t,
      orderBody(channel, [{ sku, quantity: 1 }], { customer: { email: email.toUpperCase() } }),
    );
    expect(second.risk).toMatchObject({ score: 0, decision: 'accept', reasons: [] });
  });

  it('counts orders to the same address however it was typed', async () => {
    const { sku, address, first } = await addressVelocity(
      { '>=': [{ var: 'orders_from_address_last_hour' }, 2] },
      100,
    );
    const second = await captureOrder(
      t,
      orderBody(channel, [{ sku, quantity: 1 }], {
        ship_to: { ...address, line1: `${address.line1.toUpperCase()}.` },
      }),
    );
    expect([first.status, second.status]).toEqual(['allocated', 'allocated']);
    const third = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }], { ship_to: address }));
    expect(third).toMatchObject({
      status: 'cancelled',
      risk: { decision: 'reject', reasons: ['Address velocity'] },
    });
  });

  it('counts at most 100 earlier orders to one address, so a busy address costs no more than that', async () => {
    const { sku, address, first } = await addressVelocity(
      { '==': [{ var: 'orders_from_address_last_hour' }, 100] },
      60,
    );
    // 150 more orders to that address this hour, written straight to the table.
    await t.pool.query(
      `INSERT INTO orders (channel_id, external_id, status, customer, customer_email, ship_to, address_key, currency,
                           service_level, shipping_amount, discounts, subtotal, discount_total, tax_total, total,
                           payment, priority, tags, metadata, placed_at)
       SELECT channel_id, external_id || '-' || n, status, customer, n || customer_email, ship_to, address_key, currency,
              service_level, shipping_amount, discounts, subtotal, discount_total, tax_total, total,
              payment, priority, tags, metadata, placed_at
         FROM orders, generate_series(1, 150) AS n WHERE id = $1`,
      [first.id],
    );
    const next = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }], { ship_to: address }));
    expect(next.risk).toMatchObject({ decision: 'review', reasons: ['Address velocity'] });
  });

  it('scores with the newest version after the rules change', async () => {
    const sku = await stocked(t, { [location]: 50 });
    const v1 = await rules({ rules: [], review_threshold: 50, reject_threshold: 100 });
    const before = await captureOrder(t, orderBody(channel, [{ sku, quantity: 20 }]));
    expect(before.risk).toEqual({ score: 0, version: v1, decision: 'accept', reasons: [] });
    const v2 = await rules({
      rules: [{ condition: large, weight: 10, reason: 'Large order' }],
      review_threshold: 10,
      reject_threshold: 20,
    });
    const after = await captureOrder(t, orderBody(channel, [{ sku, quantity: 20 }]));
    expect(after.risk).toEqual({ score: 10, version: v2, decision: 'review', reasons: ['Large order'] });
    // The earlier order keeps the version it was scored with.
    const stored = await t.request({ method: 'GET', url: `/v1/orders/${before.id}` });
    expect(stored.json().risk.version).toBe(v1);
  });

  it('releasing a fraud hold lets the order go on to allocated', async () => {
    await rules({
      rules: [{ condition: true, weight: 60, reason: 'Always review' }],
      review_threshold: 50,
      reject_threshold: 100,
    });
    const sku = await stocked(t, { [location]: 5 });
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 2 }]));
    expect(order.status).toBe('on_hold');
    const res = await t.request({
      method: 'POST',
      url: `/v1/holds/${order.holds[0].id}/release`,
      payload: { note: 'Called the customer' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'allocated',
      holds: [{ kind: 'fraud', status: 'released', note: 'Called the customer' }],
      lines: [{ allocated: 2 }],
    });
    await rules({ rules: [], review_threshold: 50, reject_threshold: 100 });
  });
});
