import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isS10 } from '../../../src/modules/fulfillment/carrier-adapter.js';
import type { ShipmentView } from '../../../src/modules/fulfillment/shipments.schemas.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import {
  makeChannel,
  makeLocation,
  nearAndFar,
  newYork,
  orderBody,
  stocked,
  uniq,
} from '../../helpers/factories.js';
import {
  captureOrder,
  captureReleased,
  eventTypes,
  orderOf,
  settleReleaser,
  shipmentsOf,
} from '../../helpers/orders.js';
import { expectProblem } from '../../helpers/problems.js';
import { brokenInvariants, idsOf, levelOf } from '../../helpers/stock.js';
import { waitFor } from '../../helpers/wait.js';

let t: TestApp;
let channel: string;
let carrier: string;
let ops: string;

/** A location near New York (Edison NJ) and one far away (Chicago), both serving the test channel. */
let near: string;
let far: string;

beforeAll(async () => {
  t = await createTestApp();
  channel = (await makeChannel(t)).code;
  ops = await t.keyWith(['fulfillment:write', 'orders:read']);
  ({ near, far } = await nearAndFar(t, channel));
  carrier = uniq('car');
  const card = (price: number, days: number) => ({
    distance_bands: [
      { min_km: 0, max_km: 500 },
      { min_km: 500, max_km: 20_000 },
    ],
    weight_brackets: [{ min_grams: 0, max_grams: 100_000 }],
    rates: [[{ price, transit_days: days }], [{ price: price * 2, transit_days: days + 2 }]],
  });
  const res = await t.request({
    method: 'POST',
    url: '/v1/carriers',
    payload: {
      code: carrier,
      name: 'Test Parcel',
      services: [
        { code: 'ground', name: 'Ground', service_levels: ['standard'], rate_card: card(600, 3) },
        { code: 'economy', name: 'Economy', service_levels: ['standard'], rate_card: card(400, 6) },
        { code: 'express', name: 'Express', service_levels: ['express'], rate_card: card(1500, 1) },
      ],
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  const rules = await t.request({
    method: 'PUT',
    url: '/v1/rules/packing',
    payload: {
      rules: [
        {
          name: 'dry ice',
          condition: { '>': [{ var: 'units_by_tag.perishable' }, 0] },
          instructions: ['Pack in the insulated box'],
          materials: [
            {
              code: 'dry_ice',
              unit: 'kg',
              quantity: { '*': [{ var: 'units_by_tag.perishable' }, { var: 'transit_days' }, 0.5] },
            },
          ],
        },
      ],
      carrier_preferences: [],
    },
  });
  expect(rules.statusCode, rules.body).toBe(200);
});
afterAll(() => t.close());

/** A product weighing 500 g with `stock` (location code -> units) received. */
const product = (stock: Record<string, number>, fields: Record<string, unknown> = {}) =>
  stocked(t, stock, { product: { weight_grams: 500, ...fields } });

/** Captures an order to New York and waits for the release the capture nudged. */
const releasedOrder = (
  lines: Array<{ sku: string; quantity: number }>,
  fields: Record<string, unknown> = {},
) => captureReleased(t, orderBody(channel, lines, { ship_to: newYork, ...fields }));

const post = (url: string, payload: object = {}, key: string | null = ops) =>
  t.request({ method: 'POST', url, payload, key });

describe('from capture to delivery, over HTTP only', () => {
  it('releases, picks, scans, packs with rate shopping and packing rules, ships, tracks and delivers', async () => {
    const gtin = '00614141999996';
    const food = await product({ [near]: 10 }, { tags: ['perishable'], barcodes: [gtin] });
    const mug = await product({ [near]: 10 });
    const placed = await captureOrder(
      t,
      orderBody(
        channel,
        [
          { sku: food, quantity: 2 },
          { sku: mug, quantity: 1 },
        ],
        { ship_to: newYork },
      ),
    );
    const orderId = placed.id;

    // Release is immediate by default: the shipment appears without any call but the capture.
    let shipments: ShipmentView[] = [];
    await waitFor(
      async () => {
        shipments = await shipmentsOf(t, orderId);
        return shipments.length > 0;
      },
      { what: `the shipment of order ${orderId}, released by the capture alone` },
    );
    expect(shipments).toHaveLength(1);
    const [created] = shipments;
    expect(created).toMatchObject({
      status: 'pending',
      location: near,
      order_id: orderId,
      carrier,
      service: 'ground',
      lines: [
        { sku: food, quantity: 2, scanned: 0 },
        { sku: mug, quantity: 1, scanned: 0 },
      ],
    });
    expect((await orderOf(t, orderId)).status).toBe('released');

    // Bins, then a batch pick list in walk sequence.
    const bins = await t.request({
      method: 'PUT',
      url: `/v1/locations/${near}/bins`,
      payload: {
        placements: [
          { sku: mug, zone: 'A', aisle: '01', bin: 'A-01-1', walk_sequence: 10 },
          { sku: food, zone: 'C', aisle: '07', bin: 'C-07-3', walk_sequence: 70 },
        ],
      },
      key: ops,
    });
    expect(bins.statusCode, bins.body).toBe(200);
    const list = await post(`/v1/locations/${near}/pick-lists`, { max_orders: 50 });
    expect(list.statusCode, list.body).toBe(201);
    const mine = list.json().items.filter((item: { sku: string }) => [food, mug].includes(item.sku));
    expect(mine.map((item: { sku: string }) => item.sku)).toEqual([mug, food]);
    expect(
      list.json().totes.find((tote: { shipment_id: string }) => tote.shipment_id === created?.id),
    ).toBeTruthy();
    const confirmed = await post(`/v1/pick-lists/${list.json().id}/confirm`, {});
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json().status).toBe('confirmed');

    // Scanning: a wrong item and one too many change nothing.
    const id = created?.id as string;
    const wrong = await post(`/v1/shipments/${id}/scan`, { barcode: 'NOT-IN-IT' });
    expectProblem(wrong, 422);
    expect((await post(`/v1/shipments/${id}/scan`, { barcode: gtin })).json()).toMatchObject({
      sku: food,
      scanned: 1,
      quantity: 2,
      complete: false,
    });
    const early = await post(`/v1/shipments/${id}/pack`, {});
    expect(early.statusCode).toBe(409);
    expect(early.json().detail).toContain('Not every unit is scanned');
    await post(`/v1/shipments/${id}/scan`, { barcode: food });
    const extra = await post(`/v1/shipments/${id}/scan`, { barcode: gtin });
    expect(extra.statusCode).toBe(409);
    expect(extra.json().detail).toContain('One too many');
    const last = await post(`/v1/shipments/${id}/scan`, { barcode: mug });
    expect(last.json()).toMatchObject({ complete: true });
    expect((await post(`/v1/shipments/${id}/ship`)).statusCode).toBe(409);

    // Pack: the cheapest service meeting the promise, the alternatives kept, dry ice computed.
    const packed = await post(`/v1/shipments/${id}/pack`, {});
    expect(packed.statusCode, packed.body).toBe(200);
    const parcel = packed.json();
    expect(parcel).toMatchObject({
      status: 'packed',
      carrier,
      service: 'ground',
      cost: 600,
      weight_grams: 1500,
    });
    expect(
      parcel.rate_options.map((o: { service: string; chosen: boolean; meets_promise: boolean }) => [
        o.service,
        o.chosen,
        o.meets_promise,
      ]),
    ).toEqual([
      ['ground', true, true],
      ['economy', false, false],
    ]);
    expect(parcel.packing.materials).toEqual([{ rule: 'dry ice', code: 'dry_ice', unit: 'kg', quantity: 3 }]);
    expect(parcel.packing.instructions).toEqual([{ rule: 'dry ice', text: 'Pack in the insulated box' }]);

    // Ship: an S10 tracking number, stock consumed (on_hand and reserved drop), a sale in the ledger.
    const before = await levelOf(t, food, near);
    const shipped = await post(`/v1/shipments/${id}/ship`);
    expect(shipped.statusCode, shipped.body).toBe(200);
    expect(shipped.json().status).toBe('shipped');
    expect(isS10(shipped.json().tracking_number)).toBe(true);
    const after = await levelOf(t, food, near);
    expect(after.on_hand).toBe(before.on_hand - 2);
    expect(after.reserved).toBe(before.reserved - 2);
    const ledger = await t.pool.query(
      `SELECT m.reason, m.quantity_change FROM inventory_movements m JOIN products p ON p.id = m.product_id
        WHERE p.sku = $1 AND m.reference = $2`,
      [food, `shipment:${created?.number}`],
    );
    expect(ledger.rows).toEqual([{ reason: 'sale', quantity_change: -2 }]);
    expect(await orderOf(t, orderId)).toMatchObject({ status: 'shipped' });
    expect((await orderOf(t, orderId)).lines.map((l: { shipped: number }) => l.shipped)).toEqual([2, 1]);
    expect((await post(`/v1/shipments/${id}/pack`, {})).statusCode).toBe(409);

    // Tracking to delivery.
    const moving = await post(`/v1/shipments/${id}/tracking`, {
      status: 'in_transit',
      location: 'Newark, NJ',
    });
    expect(moving.json().status).toBe('in_transit');
    await post(`/v1/shipments/${id}/tracking`, { status: 'out_for_delivery' });
    const delivered = await post(`/v1/shipments/${id}/tracking`, { status: 'delivered' });
    expect(delivered.json()).toMatchObject({ status: 'delivered' });
    expect(delivered.json().tracking.map((e: { status: string }) => e.status)).toEqual([
      'in_transit',
      'out_for_delivery',
      'delivered',
    ]);
    expect((await orderOf(t, orderId)).status).toBe('delivered');
    expect((await post(`/v1/shipments/${id}/tracking`, { status: 'in_transit' })).statusCode).toBe(409);

    const shipmentEvents = await eventTypes(t, id);
    expect(shipmentEvents).toEqual([
      'shipment.created',
      'shipment.picking',
      'shipment.packed',
      'shipment.shipped',
      'shipment.in_transit',
      'shipment.tracking_updated',
      'shipment.delivered',
    ]);
    const orderEvents = await eventTypes(t, orderId);
    expect(orderEvents).toEqual(
      expect.arrayContaining(['order.released', 'order.shipped', 'order.delivered']),
    );
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });
});

describe('exceptions', () => {
  it('re-routes a short pick to another location and corrects the shelf', async () => {
    const sku = await product({ [near]: 3, [far]: 5 });
    const placed = await releasedOrder([{ sku, quantity: 3 }]);
    const [first] = await shipmentsOf(t, placed.id);
    expect(first?.location).toBe(near);
    const list = await post(`/v1/locations/${near}/pick-lists`, { max_orders: 500, max_units: 100_000 });
    expect(list.statusCode, list.body).toBe(201);
    const confirm = await post(`/v1/pick-lists/${list.json().id}/confirm`, { items: [{ sku, picked: 1 }] });
    expect(confirm.statusCode, confirm.body).toBe(200);
    await settleReleaser(t);

    const shipments = await shipmentsOf(t, placed.id);
    const here = shipments.find((s) => s.location === near);
    const there = shipments.find((s) => s.location === far);
    expect(here?.lines[0]).toMatchObject({ quantity: 1, picked: 1 });
    expect(there).toMatchObject({ status: 'pending', lines: [{ sku, quantity: 2 }] });
    // The two units the shelf did not have are gone from on_hand, with a correction in the ledger.
    expect(await levelOf(t, sku, near)).toMatchObject({ on_hand: 1, reserved: 1 });
    expect(await levelOf(t, sku, far)).toMatchObject({ on_hand: 5, reserved: 2 });
    const ids = await idsOf(t, { skus: [sku] });
    const corrections = await t.pool.query(
      `SELECT quantity_change FROM inventory_movements WHERE product_id = $1 AND reason = 'correction'`,
      [ids.products.get(sku)],
    );
    expect(corrections.rows).toEqual([{ quantity_change: -2 }]);
    expect((await orderOf(t, placed.id)).status).toBe('released');
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('opens a stock hold when a short pick leaves no other location with stock', async () => {
    const sku = await product({ [near]: 2 });
    const placed = await releasedOrder([{ sku, quantity: 2 }]);
    const list = await post(`/v1/locations/${near}/pick-lists`, { max_orders: 500, max_units: 100_000 });
    await post(`/v1/pick-lists/${list.json().id}/confirm`, { items: [{ sku, picked: 0 }] });
    const held = await orderOf(t, placed.id);
    expect(held.status).toBe('on_hold');
    expect(held.holds.map((h: { kind: string }) => h.kind)).toEqual(['stock']);
    const [shipment] = await shipmentsOf(t, placed.id);
    expect(shipment?.status).toBe('cancelled');
  });

  it('sends rejected lines back through routing, excluding the rejecting location', async () => {
    const sku = await product({ [near]: 4, [far]: 4 });
    const placed = await releasedOrder([{ sku, quantity: 2 }]);
    const [first] = await shipmentsOf(t, placed.id);
    const rejected = await post(`/v1/shipments/${first?.id}/reject-lines`, {
      lines: [{ sku, quantity: 2 }],
      reason: 'Water damage',
    });
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(rejected.json().status).toBe('cancelled');
    await settleReleaser(t);
    const next = (await shipmentsOf(t, placed.id)).find((s) => s.status === 'pending');
    expect(next).toMatchObject({ location: far, lines: [{ sku, quantity: 2 }] });
    expect(await levelOf(t, sku, near)).toMatchObject({ on_hand: 4, reserved: 0 });
    const bad = await post(`/v1/shipments/${next?.id}/reject-lines`, {
      lines: [{ sku, quantity: 3 }],
      reason: 'x',
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors[0].pointer).toBe('/lines/0/quantity');
  });

  it('releases the stock of a line cancelled while its shipment is pending', async () => {
    const sku = await product({ [near]: 5 });
    const keep = await product({ [near]: 5 });
    const placed = await releasedOrder([
      { sku, quantity: 2 },
      { sku: keep, quantity: 1 },
    ]);
    const line = placed.lines.find((l: { sku: string }) => l.sku === sku);
    const cancelled = await t.request({
      method: 'POST',
      url: `/v1/orders/${placed.id}/cancel`,
      payload: { reason: 'Customer changed their mind', lines: [{ line_id: line.id, quantity: 2 }] },
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(await levelOf(t, sku, near)).toMatchObject({ on_hand: 5, reserved: 0 });
    const [shipment] = await shipmentsOf(t, placed.id);
    expect(shipment?.lines.find((l: { sku: string }) => l.sku === sku)?.quantity).toBe(0);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('lets only a supervisor pack without every unit scanned, and records why', async () => {
    const sku = await product({ [near]: 2 });
    const placed = await releasedOrder([{ sku, quantity: 2 }]);
    const [shipment] = await shipmentsOf(t, placed.id);
    const denied = await post(`/v1/shipments/${shipment?.id}/pack`, { override: { reason: 'label torn' } });
    expect(denied.statusCode).toBe(403);
    const packed = await post(
      `/v1/shipments/${shipment?.id}/pack`,
      { override: { reason: 'label torn' } },
      t.adminKey,
    );
    expect(packed.statusCode, packed.body).toBe(200);
    expect(packed.json().pack_override).toMatchObject({ reason: 'label torn' });
  });
});

describe('carrier exceptions', () => {
  it('records an exception from the carrier, then the delivery that follows it', async () => {
    const sku = await product({ [near]: 2 });
    const placed = await releasedOrder([{ sku, quantity: 1 }]);
    const [shipment] = await shipmentsOf(t, placed.id);
    const id = shipment?.id as string;
    await post(`/v1/shipments/${id}/pack`, { override: { reason: 'test' } }, t.adminKey);
    await post(`/v1/shipments/${id}/ship`);
    const lost = await post(`/v1/shipments/${id}/tracking`, {
      status: 'exception',
      description: 'Address not found',
    });
    expect(lost.json()).toMatchObject({ status: 'exception', exception: 'Address not found' });
    const found = await post(`/v1/shipments/${id}/tracking`, { status: 'delivered' });
    expect(found.json()).toMatchObject({ status: 'delivered', exception: null });
    expect(await eventTypes(t, id)).toEqual(
      expect.arrayContaining(['shipment.exception', 'shipment.delivered']),
    );
    expect((await orderOf(t, placed.id)).status).toBe('delivered');
  });
});

describe('a location run by an external WMS', () => {
  it('confirms shipments itself, idempotently, and what it did not ship is re-routed', async () => {
    const wms = (
      await makeLocation(t, {
        latitude: 40.73,
        longitude: -74.17,
        priority: 100,
        channels: [channel],
        fulfillment: 'external_wms',
      })
    ).code;
    const sku = await product({ [wms]: 3, [far]: 3 });
    const placed = await releasedOrder([{ sku, quantity: 3 }]);
    const [shipment] = await shipmentsOf(t, placed.id);
    expect(shipment?.location).toBe(wms);
    expect((await post(`/v1/shipments/${shipment?.id}/pack`, {})).statusCode).toBe(409);
    const body = {
      lines: [{ sku, quantity: 2 }],
      carrier: 'ups',
      service: 'ground',
      tracking_number: '1Z999AA10123456784',
    };
    const first = await post(`/v1/shipments/${shipment?.id}/confirm`, body);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      status: 'shipped',
      tracking_number: '1Z999AA10123456784',
      lines: [{ quantity: 2 }],
    });
    const again = await post(`/v1/shipments/${shipment?.id}/confirm`, body);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    const other = await post(`/v1/shipments/${shipment?.id}/confirm`, { ...body, tracking_number: 'OTHER' });
    expect(other.statusCode).toBe(409);
    await settleReleaser(t);
    const rest = (await shipmentsOf(t, placed.id)).find((s) => s.id !== shipment?.id);
    expect(rest).toMatchObject({ location: far, status: 'pending', lines: [{ quantity: 1 }] });
    expect((await orderOf(t, placed.id)).status).toBe('partially_shipped');
    expect(await levelOf(t, sku, wms)).toMatchObject({ on_hand: 1, reserved: 0 });
  });
});

describe('access', () => {
  it('needs a key, the fulfillment scope, and hides other channels’ shipments', async () => {
    const sku = await product({ [near]: 1 });
    const placed = await releasedOrder([{ sku, quantity: 1 }]);
    const [shipment] = await shipmentsOf(t, placed.id);
    expect((await post(`/v1/shipments/${shipment?.id}/scan`, { barcode: sku }, null)).statusCode).toBe(401);
    const reader = await t.keyWith(['orders:read']);
    expect((await post(`/v1/shipments/${shipment?.id}/scan`, { barcode: sku }, reader)).statusCode).toBe(403);
    const other = (await makeChannel(t)).code;
    const outsider = await t.keyWith(['orders:read', 'fulfillment:write'], other);
    const hidden = await t.request({ method: 'GET', url: `/v1/shipments/${shipment?.id}`, key: outsider });
    expect(hidden.statusCode).toBe(404);
    const list = await t.request({
      method: 'GET',
      url: `/v1/shipments?order_id=${placed.id}`,
      key: outsider,
    });
    expect(list.json().data).toEqual([]);
  });
});
