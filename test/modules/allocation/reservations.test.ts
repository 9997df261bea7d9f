import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consume, release, reserve } from '../../../src/modules/allocation/index.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, makeProduct, receive } from '../../helpers/factories.js';
import { brokenInvariants, holderLines, idsOf } from '../../helpers/stock.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function scenario(stock: Array<{ delta: number; location?: Record<string, unknown> }>) {
  const channel = await makeChannel(t);
  const product = await makeProduct(t);
  const locations = [];
  for (const entry of stock) {
    const location = await makeLocation(t, entry.location ?? {});
    locations.push(location.code);
    await receive(t, [{ sku: product.sku, location: location.code, delta: entry.delta }]);
  }
  const ids = await idsOf(t, { channel: channel.code, skus: [product.sku], locations });
  const channelId = ids.channels.get(channel.code) ?? 0;
  const [a = 0, b = 0] = await holderLines(t, channelId, 2);
  return {
    /** Two order lines to hold reservations. */
    lines: { a, b },
    channel: { id: channelId, code: channel.code },
    productId: ids.products.get(product.sku) ?? 0,
    sku: product.sku,
    locationIds: locations.map((code) => ids.locations.get(code) ?? 0),
  };
}

const levels = async (productId: number) =>
  (
    await t.pool.query(
      'SELECT location_id, on_hand, reserved FROM inventory_levels WHERE product_id = $1 ORDER BY location_id',
      [productId],
    )
  ).rows;

describe('the reservation engine', () => {
  it('reserves from one location that can ship everything, preferring priority', async () => {
    const s = await scenario([
      { delta: 10, location: { priority: 1 } },
      { delta: 10, location: { priority: 5 } },
    ]);
    const result = await t.db.transaction((tx) =>
      reserve(tx, {
        channel: s.channel,
        demand: [{ key: s.lines.a, productId: s.productId, quantity: 4 }],
      }),
    );
    expect(result.ok).toBe(true);
    expect(result.ok && result.reservations.map((r) => [r.locationId, r.quantity, r.orderLineId])).toEqual([
      [s.locationIds[1], 4, s.lines.a],
    ]);
    expect(await levels(s.productId)).toEqual([
      { location_id: String(s.locationIds[0]), on_hand: 10, reserved: 0 },
      { location_id: String(s.locationIds[1]), on_hand: 10, reserved: 4 },
    ]);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('splits by priority when no single location can ship', async () => {
    const s = await scenario([
      { delta: 3, location: { priority: 1 } },
      { delta: 4, location: { priority: 9 } },
    ]);
    const result = await t.db.transaction((tx) =>
      reserve(tx, { channel: s.channel, demand: [{ key: s.lines.a, productId: s.productId, quantity: 6 }] }),
    );
    expect(result.ok && result.reservations.map((r) => [r.locationId, r.quantity])).toEqual([
      [s.locationIds[1], 4],
      [s.locationIds[0], 2],
    ]);
  });

  it('returns a typed insufficient-stock result and changes nothing', async () => {
    const s = await scenario([{ delta: 2 }]);
    const before = await levels(s.productId);
    const result = await t.db.transaction((tx) =>
      reserve(tx, { channel: s.channel, demand: [{ key: s.lines.a, productId: s.productId, quantity: 3 }] }),
    );
    expect(result).toEqual({
      ok: false,
      reason: 'insufficient_stock',
      shortages: [{ key: s.lines.a, productId: s.productId, quantity: 1 }],
    });
    expect(await levels(s.productId)).toEqual(before);
  });

  it('reserves what exists when partial allocation is allowed', async () => {
    const s = await scenario([{ delta: 2 }]);
    const result = await t.db.transaction((tx) =>
      reserve(tx, {
        channel: s.channel,
        demand: [{ key: s.lines.a, productId: s.productId, quantity: 5 }],
        allowPartial: true,
      }),
    );
    expect(result.ok && result.reservations.map((r) => r.quantity)).toEqual([2]);
    expect(result.ok && result.unfilled).toEqual([{ key: s.lines.a, productId: s.productId, quantity: 3 }]);
  });

  it('respects safety stock, inactive locations and locations serving other channels', async () => {
    const other = await makeChannel(t);
    const s = await scenario([
      { delta: 5 },
      { delta: 50, location: { active: false } },
      { delta: 50, location: { channels: [other.code] } },
    ]);
    await t.request({
      method: 'PUT',
      url: '/v1/inventory/safety-stock',
      payload: {
        items: [
          {
            sku: s.sku,
            location: (await t.pool.query('SELECT code FROM locations WHERE id = $1', [s.locationIds[0]]))
              .rows[0].code,
            quantity: 2,
          },
        ],
      },
    });
    const tooMuch = await t.db.transaction((tx) =>
      reserve(tx, { channel: s.channel, demand: [{ key: s.lines.a, productId: s.productId, quantity: 4 }] }),
    );
    expect(tooMuch.ok).toBe(false);
    const fits = await t.db.transaction((tx) =>
      reserve(tx, { channel: s.channel, demand: [{ key: s.lines.a, productId: s.productId, quantity: 3 }] }),
    );
    expect(fits.ok && fits.reservations.map((r) => r.locationId)).toEqual([s.locationIds[0]]);
  });

  it('releases by holder, making the units sellable again', async () => {
    const s = await scenario([{ delta: 5 }]);
    await t.db.transaction((tx) =>
      reserve(tx, {
        channel: s.channel,
        demand: [
          { key: s.lines.a, productId: s.productId, quantity: 1 },
          { key: s.lines.b, productId: s.productId, quantity: 3 },
        ],
      }),
    );
    const released = await t.db.transaction((tx) => release(tx, { orderLineIds: [s.lines.b] }));
    expect(released.map((r) => [r.orderLineId, r.quantity, r.status])).toEqual([[s.lines.b, 3, 'released']]);
    expect((await levels(s.productId))[0]).toMatchObject({ on_hand: 5, reserved: 1 });
    expect(await t.db.transaction((tx) => release(tx, { orderLineIds: [s.lines.b] }))).toEqual([]);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('consumes reservations on shipment: on_hand and reserved drop, and the ledger records a sale', async () => {
    const s = await scenario([{ delta: 5 }]);
    const reserved = await t.db.transaction((tx) =>
      reserve(tx, { channel: s.channel, demand: [{ key: s.lines.a, productId: s.productId, quantity: 4 }] }),
    );
    const id = reserved.ok ? (reserved.reservations[0]?.id ?? 0) : 0;
    const partial = await t.db.transaction((tx) =>
      consume(tx, [{ reservationId: id, quantity: 1 }], { reference: 'shipment:1', apiKeyId: null }),
    );
    expect(partial).toEqual({ ok: true, consumed: [{ reservationId: id, quantity: 1 }] });
    expect((await levels(s.productId))[0]).toMatchObject({ on_hand: 4, reserved: 3 });
    const rest = await t.db.transaction((tx) =>
      consume(tx, [{ reservationId: id }], { reference: 'shipment:2', apiKeyId: null }),
    );
    expect(rest.ok).toBe(true);
    expect((await levels(s.productId))[0]).toMatchObject({ on_hand: 1, reserved: 0 });
    const again = await t.db.transaction((tx) =>
      consume(tx, [{ reservationId: id }], { reference: 'shipment:3', apiKeyId: null }),
    );
    expect(again).toEqual({ ok: false, reason: 'not_active', reservationId: id });
    const sales = await t.pool.query(
      "SELECT quantity_change, reference FROM inventory_movements WHERE product_id = $1 AND reason = 'sale' ORDER BY id",
      [s.productId],
    );
    expect(sales.rows).toEqual([
      { quantity_change: -1, reference: 'shipment:1' },
      { quantity_change: -3, reference: 'shipment:2' },
    ]);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('appends availability events in the same transaction as the reservation', async () => {
    const s = await scenario([{ delta: 5 }]);
    const since = Number(
      (await t.pool.query('SELECT coalesce(max(sequence), 0) AS n FROM events')).rows[0].n,
    );
    await t.db.transaction((tx) =>
      reserve(tx, { channel: s.channel, demand: [{ key: s.lines.a, productId: s.productId, quantity: 2 }] }),
    );
    const events = await t.pool.query(
      "SELECT data FROM events WHERE sequence > $1 AND type = 'inventory.availability_changed' AND data->>'channel' = $2",
      [since, s.channel.code],
    );
    expect(events.rows).toEqual([
      { data: { sku: s.sku, channel: s.channel.code, available: 3, previous: 5 } },
    ]);
  });
});
