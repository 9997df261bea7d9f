import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { makeCarrier, makeProduct, receive, uniq } from '../../helpers/factories.js';
import { eventsOf, orderOf, settleReleaser } from '../../helpers/orders.js';
import { connectShop, deliver, fixtureOrder, type Shop } from './shopify.js';

// orders/updated: what Shopify changed is applied while Ordo may still edit the order (its channel's
// edit window, before release), and recorded on the order's timeline when it comes too late.
const clock = testClock();
let t: TestApp;
let shop: Shop;
let skus: { a: string; b: string };
let nextId = 7_200_000_000_000;

beforeAll(async () => {
  t = await createTestApp({ clock });
  // An hour to edit before release.
  shop = await connectShop(t, {}, { release_delay_minutes: 60 });
  await makeCarrier(t, {}, ['standard', 'express', 'same_day']);
  skus = {
    a: (await makeProduct(t, { sku: uniq('UPD-A') })).sku,
    b: (await makeProduct(t, { sku: uniq('UPD-B') })).sku,
  };
  await receive(t, [
    { sku: skus.a, location: shop.location, delta: 100 },
    { sku: skus.b, location: shop.location, delta: 100 },
  ]);
});
afterAll(() => t.close());
beforeEach(() => clock.reset());

type Item = [sku: string, quantity: number, price: string];

/** A paid Shopify order of these lines (no tax, shipping or discount), as of minute `minute` after 10:00. */
function shopifyBody(id: number, items: Item[], minute: number, fields: Record<string, unknown> = {}) {
  const total = items.reduce((sum, [, quantity, price]) => sum + quantity * Number(price), 0);
  return {
    ...fixtureOrder(),
    id,
    updated_at: `2025-03-01T10:${String(minute).padStart(2, '0')}:00-05:00`,
    line_items: items.map(([sku, quantity, price], i) => ({
      id: i + 1,
      sku,
      quantity,
      price,
      tax_lines: [],
    })),
    shipping_lines: [],
    discount_codes: [],
    total_price: total.toFixed(2),
    ...fields,
  };
}

async function created(items: Item[]) {
  const id = nextId++;
  const res = await deliver(t, shop, 'orders/create', shopifyBody(id, items, 0));
  expect(res.json(), res.body).toMatchObject({ outcome: 'created' });
  return { id, orderId: res.json().order_id as string };
}

const update = (id: number, items: Item[], minute: number, fields: Record<string, unknown> = {}) =>
  deliver(t, shop, 'orders/updated', shopifyBody(id, items, minute, fields));

const linesOf = (order: { lines: Array<Record<string, unknown>> }) =>
  order.lines.map(({ sku, quantity, unit_price }) => ({ sku, quantity, unit_price }));

describe('orders/updated before release', () => {
  it('applies changed lines, prices, address and customer through the order edit, with the payment', async () => {
    const { id, orderId } = await created([[skus.a, 2, '25.00']]);
    const res = await update(
      id,
      [
        [skus.a, 3, '24.00'],
        [skus.b, 1, '10.00'],
      ],
      5,
      {
        email: 'ana.new@example.com',
        shipping_address: {
          ...(fixtureOrder().shipping_address as object),
          name: 'Ana Ruiz',
          address1: '500 Market St',
        },
      },
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ outcome: 'updated', order_id: orderId });
    const order = await orderOf(t, orderId);
    expect(order).toMatchObject({
      status: 'allocated',
      customer: { email: 'ana.new@example.com', name: 'Ana Ruiz' },
      ship_to: { name: 'Ana Ruiz', line1: '500 Market St', city: 'Louisville', country: 'US' },
      totals: { subtotal: 8200, total: 8200 },
      // Paid in full in Shopify: the payment follows the new total in the same step.
      payment: { status: 'captured', amount: 8200 },
      holds: [],
    });
    expect(linesOf(order)).toEqual([
      { sku: skus.a, quantity: 3, unit_price: 2400 },
      { sku: skus.b, quantity: 1, unit_price: 1000 },
    ]);
    expect(order.reservations.flatMap((r: { items: unknown[] }) => r.items)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sku: skus.a, quantity: 3 }),
        expect.objectContaining({ sku: skus.b, quantity: 1 }),
      ]),
    );
    const events = await eventsOf(t, orderId);
    const edits = events.filter((e) => e.type === 'order.updated' && e.data.change === 'edited');
    expect(edits).toHaveLength(1);
    expect(edits[0]?.data.fields).toEqual(
      expect.arrayContaining(['customer', 'ship_to', 'lines', 'payment']),
    );
    // No payment hold opened and closed on the way.
    expect(events.map((e) => e.type)).not.toContain('order.held');
  });

  it('removes a line Shopify removed', async () => {
    const { id, orderId } = await created([
      [skus.a, 1, '25.00'],
      [skus.b, 1, '25.00'],
    ]);
    const res = await update(id, [[skus.b, 2, '25.00']], 5);
    expect(res.json().outcome).toBe('updated');
    expect(linesOf(await orderOf(t, orderId))).toEqual([{ sku: skus.b, quantity: 2, unit_price: 2500 }]);
  });

  it('changes nothing, and appends no event, for an update with nothing new', async () => {
    const { id, orderId } = await created([[skus.a, 1, '25.00']]);
    const before = await eventsOf(t, orderId);
    // Newer, but only fields Ordo does not take changed (a tag, a note).
    const res = await update(id, [[skus.a, 1, '25.00']], 5, { tags: 'vip', note: 'gift wrap' });
    expect(res.json()).toEqual({ outcome: 'unchanged', order_id: orderId });
    expect(await eventsOf(t, orderId)).toEqual(before);
  });

  it('keeps a correction made in Ordo when Shopify changes something else', async () => {
    const { id, orderId } = await created([[skus.a, 1, '25.00']]);
    const fixed = { ...(await orderOf(t, orderId)).ship_to, line1: '92 Chestnut St, Apt 4' };
    const patch = await t.request({
      method: 'PATCH',
      url: `/v1/orders/${orderId}`,
      payload: { ship_to: fixed },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    const res = await update(id, [[skus.a, 1, '25.00']], 5, { email: 'ana.other@example.com' });
    expect(res.json().outcome).toBe('updated');
    const order = await orderOf(t, orderId);
    expect(order.ship_to.line1).toBe('92 Chestnut St, Apt 4');
    expect(order.customer.email).toBe('ana.other@example.com');
  });

  it('holds an update whose new line has a SKU Ordo does not sell, applying the rest', async () => {
    const { id, orderId } = await created([[skus.a, 1, '25.00']]);
    const unknown = uniq('NOT-IN-ORDO');
    const res = await update(
      id,
      [
        [skus.a, 2, '25.00'],
        [unknown, 1, '5.00'],
      ],
      5,
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ outcome: 'held', order_id: orderId });
    const order = await orderOf(t, orderId);
    expect(linesOf(order)).toEqual([{ sku: skus.a, quantity: 2, unit_price: 2500 }]);
    expect(order.status).toBe('on_hold');
    // Held with the reason (and, as Shopify was paid for the missing line too, for the payment).
    expect(order.holds).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'manual',
          status: 'open',
          reason: `Shopify: 1 x "${unknown}" is not a known SKU`,
          details: { missing_lines: [{ sku: unknown, quantity: 1, unit_price: 500 }] },
        }),
      ]),
    );
  });

  it('still ignores an update older than the one applied', async () => {
    const { id, orderId } = await created([[skus.a, 1, '25.00']]);
    expect((await update(id, [[skus.a, 4, '25.00']], 10)).json().outcome).toBe('updated');
    const late = await update(id, [[skus.a, 2, '25.00']], 5);
    expect(late.json()).toEqual({ outcome: 'ignored', order_id: orderId });
    expect(linesOf(await orderOf(t, orderId))).toEqual([{ sku: skus.a, quantity: 4, unit_price: 2500 }]);
  });
});

describe('orders/updated after release', () => {
  it('records the change on the order timeline, answers 200 and changes nothing else', async () => {
    const { id, orderId } = await created([[skus.a, 1, '25.00']]);
    clock.advance(61 * 60_000);
    await settleReleaser(t);
    expect((await orderOf(t, orderId)).status).toBe('released');

    const moved = { ...(fixtureOrder().shipping_address as object), address1: '1 Elsewhere Rd' };
    const res = await update(id, [[skus.a, 1, '25.00']], 5, { shipping_address: moved });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ outcome: 'not_applied', order_id: orderId });
    const order = await orderOf(t, orderId);
    expect(order).toMatchObject({ status: 'released', ship_to: { line1: '92 Chestnut St' } });
    const notes = (await eventsOf(t, orderId)).filter((e) => e.data.change === 'not_applied');
    expect(notes).toHaveLength(1);
    expect(notes[0]?.data).toMatchObject({
      reason: 'Shopify changed the order after it was released: shipping address',
      requested: { ship_to: { line1: '1 Elsewhere Rd' } },
    });
    const timeline = await t.request({ method: 'GET', url: `/v1/orders/${orderId}/timeline` });
    expect(timeline.statusCode, timeline.body).toBe(200);
    expect(timeline.json().data.map((entry: { summary: string }) => entry.summary)).toContain(
      `A change to order ${order.number} was not applied: Shopify changed the order after it was released: shipping address`,
    );

    // Shopify's next update (its fulfilment, say) with the same content adds no second note.
    const next = await update(id, [[skus.a, 1, '25.00']], 9, { shipping_address: moved });
    expect(next.json()).toEqual({ outcome: 'unchanged', order_id: orderId });
    expect((await eventsOf(t, orderId)).filter((e) => e.data.change === 'not_applied')).toHaveLength(1);
  });
});
