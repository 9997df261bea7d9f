import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, orderBody, stocked } from '../../helpers/factories.js';
import { lockGate } from '../../helpers/locks.js';
import { captureOrder, postOrder } from '../../helpers/orders.js';
import { brokenInvariants, reservedOf } from '../../helpers/stock.js';

// Capture plans on levels read without locks and checks them under lock in the statement that writes
// the order (src/modules/inventory/stock-check.ts). These tests make the stock move in between.

let t: TestApp;
let channel: string;
let location: string;

beforeAll(async () => {
  t = await createTestApp({ poolSize: 20 });
  channel = (await makeChannel(t, { release_delay_minutes: 60 })).code;
  location = (await makeLocation(t)).code;
});
afterAll(() => t.close());

const levelGate = (
  sku: string,
  sql = 'SELECT 1 FROM inventory_levels l JOIN products p ON p.id = l.product_id WHERE p.sku = $1 FOR UPDATE',
) => lockGate(t.pool, { sql, params: [sku] });

/** How many captures were tried again because stock moved, from GET /metrics. */
const stockRetries = async () => {
  const res = await t.request({ method: 'GET', url: '/metrics', key: null });
  const line = res.body
    .split('\n')
    .find((l) => l.startsWith('ordo_capture_retries_total{reason="stock_moved"}'));
  return Number(line?.split(' ')[1] ?? 0);
};

/** The availability events of a SKU in this channel, in the order they were written. */
const availability = async (sku: string) =>
  (
    await t.pool.query(
      `SELECT data->'previous' AS previous, data->'available' AS available FROM events
        WHERE type = 'inventory.availability_changed' AND resource_id = $1 ORDER BY sequence`,
      [`${sku}:${channel}`],
    )
  ).rows as Array<{ previous: number; available: number }>;

describe('capture when stock moves between its read and its write', () => {
  it('gives the last unit to one of two orders that read it at once, and holds the other for stock', async () => {
    const sku = await stocked(t, { [location]: 1 });
    const gate = await levelGate(sku);
    // Both read one unit free, then queue for the level's lock in the statement that writes them.
    const racing = [
      postOrder(t, orderBody(channel, [{ sku, quantity: 1 }])),
      postOrder(t, orderBody(channel, [{ sku, quantity: 1 }])),
    ];
    await gate.queued(2);
    await gate.open();
    const orders = (await Promise.all(racing)).map((res) => {
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    });
    expect(orders.map((o) => o.status).sort()).toEqual(['allocated', 'on_hold']);
    const held = orders.find((o) => o.status === 'on_hold');
    expect(held.holds).toMatchObject([{ kind: 'stock', reason: `not enough stock for 1 × ${sku}` }]);
    expect(held.reservations).toEqual([]);
    expect(await reservedOf(t, sku)).toBe(1);
    // One change of availability, told once, from what the write found under the lock.
    expect(await availability(sku)).toEqual([
      { previous: 0, available: 1 },
      { previous: 1, available: 0 },
    ]);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('allocates an order that read too little stock when units were freed before its write', async () => {
    const sku = await stocked(t, { [location]: 1 });
    const first = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    expect(first.status).toBe('allocated');
    const { rows } = await t.pool.query(
      `SELECT r.id AS reservation, l.id AS level FROM reservations r JOIN order_lines ol ON ol.id = r.order_line_id
         JOIN inventory_levels l ON l.product_id = r.product_id AND l.location_id = r.location_id
        WHERE ol.order_id = $1`,
      [first.id],
    );
    // The gate frees the first order's unit (as a cancellation would) and holds the level meanwhile.
    const gate = await lockGate(t.pool, {
      sql: `UPDATE reservations SET status = 'released', closed_at = now() WHERE id = ${Number(rows[0].reservation)};
            UPDATE inventory_levels SET reserved = reserved - 1 WHERE id = ${Number(rows[0].level)}`,
    });
    const second = postOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    await gate.queued(1);
    await gate.open();
    const res = await second;
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ status: 'allocated', holds: [] });
    expect(await reservedOf(t, sku)).toBe(1);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('plans again when a level safety stock changed before the write', async () => {
    const sku = await stocked(t, { [location]: 3 });
    const gate = await levelGate(
      sku,
      'UPDATE inventory_levels l SET safety_stock = 3 FROM products p WHERE p.id = l.product_id AND p.sku = $1',
    );
    const order = postOrder(t, orderBody(channel, [{ sku, quantity: 2 }]));
    await gate.queued(1);
    await gate.open();
    const res = await order;
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ status: 'on_hold', holds: [{ kind: 'stock' }], reservations: [] });
    expect(await reservedOf(t, sku)).toBe(0);
    expect(await availability(sku)).toEqual([{ previous: 0, available: 3 }]);
  });

  it('captures an order whose stock moved on its first two tries: the third locks before it plans', async () => {
    const sku = await stocked(t, { [location]: 5 });
    const raiseSafety =
      'UPDATE inventory_levels l SET safety_stock = coalesce(l.safety_stock, 0) + 1 FROM products p WHERE p.id = l.product_id AND p.sku = $1';
    const retriesBefore = await stockRetries();
    const first = await levelGate(sku, raiseSafety);
    const order = postOrder(t, orderBody(channel, [{ sku, quantity: 2 }]));
    await first.queued(1);
    // Queued behind the order's write: it takes the level once that write gives up, and moves it again
    // before the second try's write gets there.
    const second = levelGate(sku, raiseSafety);
    await first.queued(2);
    await first.open();
    const secondGate = await second;
    await secondGate.queued(1);
    await secondGate.open();
    const res = await order;
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      status: 'allocated',
      reservations: [{ items: [{ sku, quantity: 2 }] }],
    });
    expect(await reservedOf(t, sku)).toBe(2);
    // Operators see the contention: two retries, counted by reason.
    expect((await stockRetries()) - retriesBefore).toBe(2);
  });

  it('lets orders that find no stock pass each other, and a sale wait for them', async () => {
    const sku = await stocked(t, { [location]: 1 });
    await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    // The gate holds the level as an order that sells nothing holds it while it commits.
    const gate = await levelGate(
      sku,
      'SELECT 1 FROM inventory_levels l JOIN products p ON p.id = l.product_id WHERE p.sku = $1 FOR SHARE',
    );
    try {
      const held = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
      expect(held).toMatchObject({ status: 'on_hold', holds: [{ kind: 'stock' }] });
      // A receipt changes the level: it waits for the share lock, as a reserving capture would.
      const receipt = t.request({
        method: 'POST',
        url: '/v1/inventory/adjustments',
        payload: { reference: `r-${sku}`, reason: 'receipt', items: [{ sku, location, delta: 1 }] },
      });
      await gate.queued(1);
      await gate.open();
      expect((await receipt).statusCode).toBe(201);
    } finally {
      await gate.open();
    }
  });

  it('makes one order of copies that arrive at once and wait for stock', async () => {
    const waiting = (await makeChannel(t, { release_delay_minutes: 60, allow_backorders: true })).code;
    const sku = await stocked(t, { [location]: 1 });
    const body = orderBody(waiting, [{ sku, quantity: 3 }]);
    const results = await Promise.all(Array.from({ length: 8 }, () => postOrder(t, body)));
    expect(results.map((res) => res.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(results.map((res) => res.json().id)).size).toBe(1);
    expect(results[0]?.json()).toMatchObject({
      status: 'backordered',
      lines: [{ allocated: 1, backordered: 2 }],
    });
    expect(await reservedOf(t, sku)).toBe(1);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('sells exactly the stock to a crowd from two pools, telling each unit sold once, in order', async () => {
    const other = (await makeLocation(t)).code;
    const sku = await stocked(t, { [location]: 12, [other]: 8 });
    // A second app on the same database writes too, as a second Ordo process would.
    const second = await createTestApp({ database: { url: t.url, drop: async () => {} } });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          const res = await postOrder(i % 2 === 0 ? t : second, orderBody(channel, [{ sku, quantity: 1 }]));
          expect(res.statusCode, res.body).toBe(201);
          return res.json().status as string;
        }),
      );
      expect(outcomes.filter((s) => s === 'allocated')).toHaveLength(20);
      expect(outcomes.filter((s) => s === 'on_hold')).toHaveLength(40);
    } finally {
      await second.close();
    }
    expect(await reservedOf(t, sku)).toBe(20);
    const told = await availability(sku);
    expect(told.at(-1)).toEqual({ previous: 1, available: 0 });
    // Each event starts where the one before it ended: no unit told twice or missed.
    for (let i = 1; i < told.length; i++) {
      expect(told[i]?.previous).toBe(told[i - 1]?.available);
    }
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });
});
