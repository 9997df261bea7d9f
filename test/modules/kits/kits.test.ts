import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import {
  makeCarrier,
  makeChannel,
  makeLocation,
  orderBody,
  receive,
  stocked,
  uniq,
} from '../../helpers/factories.js';
import { captureOrder, captureReleased, orderOf, shipmentsOf } from '../../helpers/orders.js';
import { expectInvalid } from '../../helpers/problems.js';
import { openReturn } from '../../helpers/returns.js';
import { levelOf } from '../../helpers/stock.js';
import { databaseDigest } from '../../helpers/world.js';

let t: TestApp;
let channel: string;
let dc: string;
let store: string;

beforeAll(async () => {
  t = await createTestApp();
  channel = (await makeChannel(t)).code;
  dc = (await makeLocation(t)).code;
  store = (await makeLocation(t, { kind: 'store' })).code;
  await makeCarrier(t);
});
afterAll(() => t.close());

const post = (url: string, payload: object = {}) => t.request({ method: 'POST', url, payload });
const patch = (url: string, payload: object) => t.request({ method: 'PATCH', url, payload });

/** A kit product of these components, asserting the 201. */
async function kit(components: Array<{ sku: string; quantity: number }>, allowSplit = false) {
  const sku = uniq('KIT');
  const res = await post('/v1/products', {
    sku,
    name: 'Gift set',
    kit: { components, allow_split: allowSplit },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Promise<{ sku: string; kit: unknown }>;
}

const sellable = async (sku: string) => {
  const res = await t.request({
    method: 'GET',
    url: `/v1/inventory/availability?channel=${channel}&sku=${sku}`,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data[0];
};

describe('a kit in the catalog', () => {
  it('is a product with components, shown on the product', async () => {
    const mug = await stocked(t, {});
    const coffee = await stocked(t, {});
    const made = await kit([
      { sku: mug, quantity: 2 },
      { sku: coffee, quantity: 1 },
    ]);
    expect(made.kit).toEqual({
      components: [
        { sku: mug, quantity: 2 },
        { sku: coffee, quantity: 1 },
      ],
      allow_split: false,
    });
    const read = await t.request({ method: 'GET', url: `/v1/products/${made.sku}` });
    expect(read.json().kit).toEqual(made.kit);
    const plain = await patch(`/v1/products/${made.sku}`, { kit: null });
    expect(plain.json().kit).toBeNull();
  });

  it('refuses a kit containing itself, directly or through another kit, and bad components', async () => {
    const mug = await stocked(t, {});
    const inner = await kit([{ sku: mug, quantity: 1 }]);
    const outer = await kit([{ sku: inner.sku, quantity: 2 }]);
    const withStock = await stocked(t, { [dc]: 3 });
    const before = await databaseDigest(t);
    expectInvalid(
      await patch(`/v1/products/${inner.sku}`, { kit: { components: [{ sku: outer.sku, quantity: 1 }] } }),
      ['/kit/components/0/sku'],
    );
    expectInvalid(
      await patch(`/v1/products/${inner.sku}`, { kit: { components: [{ sku: inner.sku, quantity: 1 }] } }),
      ['/kit/components/0/sku'],
    );
    expectInvalid(
      await patch(`/v1/products/${inner.sku}`, { kit: { components: [{ sku: mug, quantity: 0 }] } }),
      ['/kit/components/0/quantity'],
    );
    expectInvalid(
      await post('/v1/products', {
        sku: uniq('KIT'),
        name: 'x',
        kit: { components: [{ sku: 'NOPE-404', quantity: 1 }] },
      }),
      ['/kit/components/0/sku'],
    );
    expectInvalid(
      await post('/v1/products', {
        sku: uniq('KIT'),
        name: 'x',
        kit: {
          components: [
            { sku: mug, quantity: 1 },
            { sku: mug, quantity: 2 },
          ],
        },
      }),
      ['/kit/components/1/sku'],
    );
    expectInvalid(
      await post('/v1/inventory/adjustments', {
        reference: uniq('ADJ'),
        reason: 'receipt',
        items: [{ sku: outer.sku, location: dc, delta: 5 }],
      }),
      ['/items/0/sku'],
    );
    expectInvalid(
      await patch(`/v1/products/${withStock}`, { kit: { components: [{ sku: mug, quantity: 1 }] } }),
      ['/kit'],
    );
    expect(await databaseDigest(t)).toEqual(before);
  });
});

describe('capturing a kit', () => {
  it('reserves its components at one location in whole kits, and shows the kit line with its components', async () => {
    const mug = await stocked(t, { [dc]: 3, [store]: 10 });
    const coffee = await stocked(t, { [dc]: 5, [store]: 1 });
    const gift = await kit([
      { sku: mug, quantity: 2 },
      { sku: coffee, quantity: 1 },
    ]);
    // dc makes 1 kit (3 mugs / 2), store makes 1 (1 coffee): two kits need two locations.
    expect((await sellable(gift.sku)).available).toBe(2);
    const order = await captureOrder(
      t,
      orderBody(channel, [{ sku: gift.sku, quantity: 2, unit_price: 2500 }]),
    );
    expect(order.status).toBe('allocated');
    const [kitLine, ...parts] = order.lines;
    expect(kitLine).toMatchObject({
      sku: gift.sku,
      quantity: 2,
      allocated: 2,
      unit_price: 2500,
      kit: { allow_split: false },
    });
    expect(parts).toEqual([
      expect.objectContaining({
        sku: mug,
        quantity: 4,
        allocated: 4,
        unit_price: 0,
        kit_line_number: 1,
        units_per_kit: 2,
      }),
      expect.objectContaining({
        sku: coffee,
        quantity: 2,
        allocated: 2,
        unit_price: 0,
        kit_line_number: 1,
        units_per_kit: 1,
      }),
    ]);
    expect(order.totals.subtotal).toBe(5000);
    const held = (
      order.reservations as Array<{ location: string; items: Array<{ sku: string; quantity: number }> }>
    )
      .flatMap(({ location, items }) => items.map((item) => [location, item.sku, item.quantity]))
      .sort();
    expect(held).toEqual(
      [
        [dc, mug, 2],
        [dc, coffee, 1],
        [store, mug, 2],
        [store, coffee, 1],
      ].sort(),
    );
    expect((await orderOf(t, order.id)).lines).toEqual(order.lines);
    expect((await sellable(gift.sku)).available).toBe(0);
  });

  it('ships the components to pick and scan, and a returned kit restocks them', async () => {
    const mug = await stocked(t, { [dc]: 10 });
    const coffee = await stocked(t, { [dc]: 10 });
    const gift = await kit([
      { sku: mug, quantity: 2 },
      { sku: coffee, quantity: 1 },
    ]);
    const placed = await captureReleased(t, orderBody(channel, [{ sku: gift.sku, quantity: 2 }]));
    const [shipment] = await shipmentsOf(t, placed.id);
    expect(
      shipment?.lines.map((line: { sku: string; quantity: number }) => [line.sku, line.quantity]),
    ).toEqual([
      [mug, 4],
      [coffee, 2],
    ]);
    expect(
      (await post(`/v1/shipments/${shipment?.id}/pack`, { override: { reason: 'test' } })).statusCode,
    ).toBe(200);
    expect((await post(`/v1/shipments/${shipment?.id}/ship`)).statusCode).toBe(200);
    expect((await post(`/v1/shipments/${shipment?.id}/tracking`, { status: 'delivered' })).statusCode).toBe(
      200,
    );
    const delivered = await orderOf(t, placed.id);
    expect(delivered.status).toBe('delivered');
    expect(delivered.lines[0]).toMatchObject({ sku: gift.sku, shipped: 2 });
    expect(await levelOf(t, mug, dc)).toMatchObject({ on_hand: 6 });
    // Reports count the customer's one line, filled, not its components.
    const facts = await t.pool.query('SELECT line_count, lines_filled FROM orders WHERE id = $1', [
      placed.id,
    ]);
    expect(facts.rows).toEqual([{ line_count: 1, lines_filled: 1 }]);

    const ret = await openReturn(t, placed.id, {
      lines: [{ line_id: delivered.lines[0].id, quantity: 1, reason: 'no_longer_needed' }],
    });
    const received = await post(`/v1/returns/${ret.id}/receive`, {
      location: dc,
      lines: [{ sku: gift.sku, quantity: 1, condition: 'sellable' }],
    });
    expect(received.statusCode, received.body).toBe(200);
    expect(await levelOf(t, mug, dc)).toMatchObject({ on_hand: 8 });
    expect(await levelOf(t, coffee, dc)).toMatchObject({ on_hand: 9 });
    expect((await orderOf(t, placed.id)).lines[0]).toMatchObject({ sku: gift.sku, returned: 1 });
    const kitLevel = await t.pool.query(
      'SELECT 1 FROM inventory_levels l JOIN products p ON p.id = l.product_id WHERE p.sku = $1',
      [gift.sku],
    );
    expect(kitLevel.rows).toEqual([]);
  });

  it('cancels a kit in whole kits through its components, and refuses cancelling a component alone', async () => {
    const mug = await stocked(t, { [dc]: 10 });
    const coffee = await stocked(t, { [dc]: 10 });
    const gift = await kit([
      { sku: mug, quantity: 2 },
      { sku: coffee, quantity: 1 },
    ]);
    const slow = (await makeChannel(t, { release_delay_minutes: 60 })).code;
    const order = await captureOrder(t, orderBody(slow, [{ sku: gift.sku, quantity: 3 }]));
    const [kitLine, mugLine] = order.lines;
    expectInvalid(
      await post(`/v1/orders/${order.id}/cancel`, {
        reason: 'customer asked',
        lines: [{ line_id: mugLine.id, quantity: 2 }],
      }),
      ['/lines/0/line_id'],
    );
    const cancelled = await post(`/v1/orders/${order.id}/cancel`, {
      reason: 'customer asked',
      lines: [{ line_id: kitLine.id, quantity: 1 }],
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(
      cancelled
        .json()
        .lines.map((line: { quantity: number; cancelled: number; allocated: number }) => [
          line.quantity,
          line.cancelled,
          line.allocated,
        ]),
    ).toEqual([
      [3, 1, 2],
      [6, 2, 4],
      [3, 1, 2],
    ]);
    expect(await levelOf(t, mug, dc)).toMatchObject({ reserved: 4 });
    const whole = await post(`/v1/orders/${order.id}/cancel`, { reason: 'customer asked' });
    expect(whole.json().status).toBe('cancelled');
    expect(await levelOf(t, mug, dc)).toMatchObject({ reserved: 0 });
    expect(await levelOf(t, coffee, dc)).toMatchObject({ reserved: 0 });
  });

  it('splits a kit across locations only when the kit allows it', async () => {
    const mug = await stocked(t, { [dc]: 2 });
    const coffee = await stocked(t, { [store]: 1 });
    const whole = await kit([
      { sku: mug, quantity: 2 },
      { sku: coffee, quantity: 1 },
    ]);
    const split = await kit(
      [
        { sku: mug, quantity: 2 },
        { sku: coffee, quantity: 1 },
      ],
      true,
    );
    expect((await sellable(whole.sku))?.available ?? 0).toBe(0);
    const refused = await captureOrder(t, orderBody(channel, [{ sku: whole.sku, quantity: 1 }]));
    expect(refused.status).toBe('on_hold');
    const order = await captureOrder(t, orderBody(channel, [{ sku: split.sku, quantity: 1 }]));
    expect(order.status).toBe('allocated');
    expect(order.reservations.map((r: { location: string }) => r.location).sort()).toEqual(
      [dc, store].sort(),
    );
  });

  it('is promised and simulated from its components, whole at one location', async () => {
    const mug = await stocked(t, { [dc]: 2, [store]: 2 });
    const coffee = await stocked(t, { [store]: 1 });
    const gift = await kit([
      { sku: mug, quantity: 2 },
      { sku: coffee, quantity: 1 },
    ]);
    const lines = [{ sku: gift.sku, quantity: 1 }];
    const promised = await post('/v1/promise', {
      channel,
      lines,
      destination: orderBody(channel, lines).ship_to,
      service_level: 'standard',
    });
    expect(promised.statusCode, promised.body).toBe(200);
    const parcels = (
      locations: Array<{ location: string; lines: Array<{ sku: string; quantity: number }> }>,
    ) => locations.map((p) => [p.location, p.lines.map((l) => `${l.sku}×${l.quantity}`).sort()]);
    const whole = [[store, [`${coffee}×1`, `${mug}×2`].sort()]];
    expect(parcels(promised.json().chosen.locations)).toEqual(whole);
    expect(promised.json().chosen.unfilled).toEqual([]);
    expect(promised.json().options.length).toBeGreaterThan(0);
    const simulated = await post('/v1/routing/simulate', {
      channel,
      lines,
      ship_to: orderBody(channel, lines).ship_to,
      service_level: 'standard',
    });
    expect(simulated.statusCode, simulated.body).toBe(200);
    expect(parcels(simulated.json().plan)).toEqual(whole);
  });

  it('backorders whole kits and fills them when the components arrive', async () => {
    const waits = (await makeChannel(t, { allow_backorders: true })).code;
    const mug = await stocked(t, { [dc]: 1 });
    const coffee = await stocked(t, { [dc]: 5 });
    const gift = await kit([
      { sku: mug, quantity: 2 },
      { sku: coffee, quantity: 1 },
    ]);
    const order = await captureOrder(t, orderBody(waits, [{ sku: gift.sku, quantity: 1 }]));
    expect(order.status).toBe('backordered');
    expect(order.lines[0]).toMatchObject({ allocated: 0, backordered: 1 });
    // No half kit is held: the one mug and the coffee stay sellable.
    expect(await levelOf(t, mug, dc)).toMatchObject({ reserved: 0 });
    await receive(t, [{ sku: mug, location: dc, delta: 1 }]);
    await t.app.services.backorders.idle();
    await t.app.services.backorders.run();
    const filled = await orderOf(t, order.id);
    expect(filled.status).toBe('allocated');
    expect(filled.lines[0]).toMatchObject({ allocated: 1, backordered: 0 });
  });
});
