import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, orderBody, receive, stocked } from '../../helpers/factories.js';
import { captureOrder, eventTypes, orderOf } from '../../helpers/orders.js';
import { brokenInvariants, reservedOf } from '../../helpers/stock.js';

let t: TestApp;
let backorders: string;
let strict: string;
let location: string;

beforeAll(async () => {
  t = await createTestApp();
  backorders = (await makeChannel(t, { release_delay_minutes: 60, allow_backorders: true, priority: 1 }))
    .code;
  strict = (await makeChannel(t, { release_delay_minutes: 60, allow_backorders: false })).code;
  location = (await makeLocation(t)).code;
});
afterAll(() => t.close());

/** Stock arrives through the adjustments feed; waits for the allocator run it nudged, then runs it again. */
async function stockArrives(sku: string, units: number) {
  await receive(t, [{ sku, location, delta: units }]);
  await t.app.services.backorders.idle();
}

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();

describe('a channel that allows backorders', () => {
  it('reserves what exists and backorders the rest', async () => {
    const sku = await stocked(t, { [location]: 3 }, { settle: true });
    const order = await captureOrder(t, orderBody(backorders, [{ sku, quantity: 5 }]));
    expect(order).toMatchObject({
      status: 'backordered',
      holds: [],
      lines: [{ sku, quantity: 5, allocated: 3, backordered: 2 }],
      reservations: [{ location, items: [{ sku, quantity: 3 }] }],
    });
    expect(await reservedOf(t, sku)).toBe(3);
    expect(await eventTypes(t, order.id)).toEqual(['order.created', 'order.routed', 'order.backordered']);
    const event = (
      await t.pool.query("SELECT data FROM events WHERE resource_id = $1 AND type = 'order.backordered'", [
        order.id,
      ])
    ).rows[0];
    expect(event.data.order).toMatchObject({
      id: order.id,
      status: 'backordered',
      lines: [{ backordered: 2 }],
    });
    const row = (
      await t.pool.query(
        'SELECT quantity_allocated, quantity_backordered FROM order_lines WHERE order_id = $1',
        [order.id],
      )
    ).rows[0];
    expect(row).toEqual({ quantity_allocated: 3, quantity_backordered: 2 });
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('backorders everything of a SKU with no stock anywhere, reserving the other lines', async () => {
    const none = await stocked(t, {});
    const some = await stocked(t, { [location]: 4 }, { settle: true });
    const order = await captureOrder(
      t,
      orderBody(backorders, [
        { sku: none, quantity: 2 },
        { sku: some, quantity: 4 },
      ]),
    );
    expect(order).toMatchObject({
      status: 'backordered',
      lines: [
        { sku: none, allocated: 0, backordered: 2 },
        { sku: some, allocated: 4, backordered: 0 },
      ],
    });
  });

  it('fills backorders when stock arrives: highest priority first, then oldest, until it runs out', async () => {
    const sku = await stocked(t, {});
    const high = (await makeChannel(t, { release_delay_minutes: 60, allow_backorders: true, priority: 50 }))
      .code;
    const line = [{ sku, quantity: 2 }];
    const a = await captureOrder(t, orderBody(backorders, line, { placed_at: hoursAgo(3) })); // priority 1
    const b = await captureOrder(
      t,
      orderBody(backorders, line, {
        placed_at: hoursAgo(1),
        shipping: { service_level: 'express', amount: 500 },
      }),
    ); // 1001
    const c = await captureOrder(t, orderBody(high, line, { placed_at: hoursAgo(0.5) })); // 50
    const d = await captureOrder(t, orderBody(backorders, line, { placed_at: hoursAgo(4) })); // 1, but older than a
    expect([a, b, c, d].map((o) => [o.status, o.priority])).toEqual([
      ['backordered', 1],
      ['backordered', 1001],
      ['backordered', 50],
      ['backordered', 1],
    ]);

    await stockArrives(sku, 5);
    expect(await t.app.services.backorders.run()).toBe(0); // the nudged run already did the work
    const after = await Promise.all([a, b, c, d].map((o) => orderOf(t, o.id)));
    expect(after.map((o) => [o.status, o.lines[0].allocated, o.lines[0].backordered])).toEqual([
      ['backordered', 0, 2], // a: oldest but one, nothing left
      ['allocated', 2, 0], // b: express
      ['allocated', 2, 0], // c: high-priority channel
      ['backordered', 1, 1], // d: the oldest of the rest gets the last unit
    ]);
    expect(await reservedOf(t, sku)).toBe(5);
    expect(await eventTypes(t, b.id)).toEqual([
      'order.created',
      'order.backordered',
      'order.routed',
      'order.allocated',
    ]);
    const allocatedEvent = (
      await t.pool.query("SELECT data FROM events WHERE resource_id = $1 AND type = 'order.allocated'", [
        b.id,
      ])
    ).rows[0];
    expect(allocatedEvent.data.order).toMatchObject({ status: 'allocated', lines: [{ allocated: 2 }] });

    await stockArrives(sku, 10);
    const last = await Promise.all([a, d].map((o) => orderOf(t, o.id)));
    expect(last.map((o) => [o.status, o.lines[0].allocated, o.lines[0].backordered])).toEqual([
      ['allocated', 2, 0],
      ['allocated', 2, 0],
    ]);
    expect(await reservedOf(t, sku)).toBe(8);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('fills backorders when the worker is run directly', async () => {
    const sku = await stocked(t, {});
    const order = await captureOrder(t, orderBody(backorders, [{ sku, quantity: 2 }]));
    // Stock that arrives without the nudge (another process, a count feed applied elsewhere).
    await t.pool.query('BEGIN');
    const level = await t.pool.query(
      `INSERT INTO inventory_levels (product_id, location_id, on_hand, reserved)
       SELECT p.id, l.id, 2, 0 FROM products p, locations l WHERE p.sku = $1 AND l.code = $2 RETURNING id`,
      [sku, location],
    );
    await t.pool.query(
      `INSERT INTO inventory_movements (product_id, location_id, reason, quantity_change, on_hand_after, reference)
       SELECT p.id, l.id, 'receipt', 2, 2, 'direct' FROM products p, locations l WHERE p.sku = $1 AND l.code = $2`,
      [sku, location],
    );
    await t.pool.query('COMMIT');
    expect(level.rowCount).toBe(1);
    expect(await t.app.services.backorders.run()).toBe(1);
    expect(await orderOf(t, order.id)).toMatchObject({
      status: 'allocated',
      lines: [{ allocated: 2, backordered: 0 }],
    });
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('gives stock to a lower-priority order when the first in line cannot use it', async () => {
    const sku = await stocked(t, {});
    // The top order's channel keeps 10 units of safety stock: 5 arriving units are not sellable to it.
    const guarded = (
      await makeChannel(t, {
        release_delay_minutes: 60,
        allow_backorders: true,
        priority: 900,
        default_safety_stock: 10,
      })
    ).code;
    const top = await captureOrder(t, orderBody(guarded, [{ sku, quantity: 2 }]));
    const next = await captureOrder(t, orderBody(backorders, [{ sku, quantity: 2 }]));
    expect([top.status, next.status]).toEqual(['backordered', 'backordered']);
    await stockArrives(sku, 5);
    await t.app.services.backorders.run();
    expect((await orderOf(t, top.id)).lines[0]).toMatchObject({ allocated: 0, backordered: 2 });
    expect(await orderOf(t, next.id)).toMatchObject({
      status: 'allocated',
      lines: [{ allocated: 2, backordered: 0 }],
    });
  });

  it('gives stock freed by a cancellation to waiting backorders', async () => {
    const sku = await stocked(t, { [location]: 2 }, { settle: true });
    const holder = await captureOrder(t, orderBody(strict, [{ sku, quantity: 2 }]));
    const waiting = await captureOrder(t, orderBody(backorders, [{ sku, quantity: 2 }]));
    expect(waiting.lines[0]).toMatchObject({ allocated: 0, backordered: 2 });
    const cancel = await t.request({
      method: 'POST',
      url: `/v1/orders/${holder.id}/cancel`,
      payload: { reason: 'customer changed their mind' },
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    await t.app.services.backorders.idle();
    expect(await orderOf(t, waiting.id)).toMatchObject({
      status: 'allocated',
      lines: [{ allocated: 2, backordered: 0 }],
    });
    expect(await reservedOf(t, sku)).toBe(2);
  });

  it('does not fill a backordered order while it is on hold, and does once the hold goes', async () => {
    const sku = await stocked(t, {});
    const order = await captureOrder(
      t,
      orderBody(backorders, [{ sku, quantity: 2 }], { payment: { status: 'pending', amount: 2500 } }),
    );
    expect(order).toMatchObject({ status: 'on_hold', lines: [{ allocated: 0, backordered: 2 }] });
    await stockArrives(sku, 3);
    expect((await orderOf(t, order.id)).lines[0]).toMatchObject({ allocated: 0, backordered: 2 });
    const paid = await t.request({
      method: 'POST',
      url: `/v1/orders/${order.id}/payment`,
      payload: { status: 'captured', amount: 2500 },
    });
    expect(paid.statusCode, paid.body).toBe(200);
    expect(paid.json()).toMatchObject({ status: 'allocated', lines: [{ allocated: 2, backordered: 0 }] });
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });
});

describe('a channel that does not allow backorders', () => {
  it('opens a stock hold and reserves nothing, not even lines in stock', async () => {
    const short = await stocked(t, { [location]: 1 }, { settle: true });
    const plenty = await stocked(t, { [location]: 10 }, { settle: true });
    const order = await captureOrder(
      t,
      orderBody(strict, [
        { sku: short, quantity: 3 },
        { sku: plenty, quantity: 2 },
      ]),
    );
    expect(order).toMatchObject({
      status: 'on_hold',
      reservations: [],
      lines: [
        { sku: short, allocated: 0, backordered: 0 },
        { sku: plenty, allocated: 0, backordered: 0 },
      ],
      holds: [
        {
          kind: 'stock',
          queue: 'inventory',
          status: 'open',
          reason: expect.stringContaining(short),
          details: { short: [{ sku: short, missing: 2 }] },
        },
      ],
    });
    expect(await reservedOf(t, short)).toBe(0);
    expect(await reservedOf(t, plenty)).toBe(0);
    expect(await eventTypes(t, order.id)).toEqual(['order.created', 'order.held']);
  });

  it('refuses to release a stock hold while stock is short, and allocates once it is there', async () => {
    const sku = await stocked(t, { [location]: 1 }, { settle: true });
    const order = await captureOrder(t, orderBody(strict, [{ sku, quantity: 3 }]));
    const holdId = order.holds[0].id;

    const early = await t.request({ method: 'POST', url: `/v1/holds/${holdId}/release`, payload: {} });
    expect(early.statusCode).toBe(409);
    expect(early.json().detail).toContain('short');
    expect((await orderOf(t, order.id)).holds[0].status).toBe('open');
    expect(await reservedOf(t, sku)).toBe(0);

    await stockArrives(sku, 5);
    // The allocator serves backorders only; a stock hold waits for a person.
    expect((await orderOf(t, order.id)).status).toBe('on_hold');

    const res = await t.request({
      method: 'POST',
      url: `/v1/holds/${holdId}/release`,
      payload: { note: 'PO arrived' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'allocated',
      holds: [{ id: holdId, kind: 'stock', status: 'released', note: 'PO arrived' }],
      lines: [{ allocated: 3 }],
      reservations: [{ location, items: [{ sku, quantity: 3 }] }],
    });
    const expires = await t.pool.query(
      "SELECT expires_at FROM reservations WHERE order_line_id = $1 AND status = 'active'",
      [order.lines[0].id],
    );
    expect(expires.rows).toEqual([{ expires_at: null }]);
    expect(await eventTypes(t, order.id)).toEqual([
      'order.created',
      'order.held',
      'order.hold_released',
      'order.allocated',
    ]);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('keeps a released stock hold’s reservations expiring while another hold stays open', async () => {
    const sku = await stocked(t, { [location]: 1 }, { settle: true });
    const order = await captureOrder(
      t,
      orderBody(strict, [{ sku, quantity: 2 }], { payment: { status: 'pending', amount: 2500 } }),
    );
    expect(order.holds.map((h: { kind: string }) => h.kind).sort()).toEqual(['payment', 'stock']);
    await stockArrives(sku, 5);
    const stockHold = order.holds.find((h: { kind: string }) => h.kind === 'stock');
    const res = await t.request({ method: 'POST', url: `/v1/holds/${stockHold.id}/release`, payload: {} });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'on_hold', lines: [{ allocated: 2 }] });
    const expires = await t.pool.query(
      "SELECT expires_at FROM reservations WHERE order_line_id = $1 AND status = 'active'",
      [order.lines[0].id],
    );
    expect(expires.rows).toHaveLength(1);
    expect(expires.rows[0].expires_at).not.toBeNull();
  });
});
