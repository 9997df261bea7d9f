import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShipmentView } from '../../../src/modules/fulfillment/shipments.schemas.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import {
  makeCarrier,
  makeChannel,
  nearAndFar,
  newYork,
  orderBody,
  stocked,
  uniq,
} from '../../helpers/factories.js';
import { lockGate } from '../../helpers/locks.js';
import { captureReleased, orderOf, settleReleaser, shipmentsOf } from '../../helpers/orders.js';
import { expectProblem } from '../../helpers/problems.js';
import { brokenInvariants } from '../../helpers/stock.js';

/**
 * Fulfillment under concurrency: every race goes through real parallel HTTP requests (each on its own
 * pooled connection), then the rows are checked. Every test builds its own channel and locations, so
 * a pick list at one test's location never sweeps up another test's shipments.
 */

let t: TestApp;
let ops: string;

beforeAll(async () => {
  // A pool large enough that the parallel requests really run side by side.
  t = await createTestApp({ poolSize: 20 });
  ops = await t.keyWith(['fulfillment:write', 'orders:read', 'orders:write']);
  await makeCarrier(t, { name: 'Race Parcel' });
});
afterAll(() => t.close());

interface Site {
  channel: string;
  /** Edison NJ, preferred by routing. */
  near: string;
  /** Chicago, where re-routed units go. */
  far: string;
}

/** A channel of this test's own with a near and a far location serving only it. */
async function site(fields: { near?: Record<string, unknown> } = {}): Promise<Site> {
  const channel = (await makeChannel(t)).code;
  return { channel, ...(await nearAndFar(t, channel, fields)) };
}

/** A product weighing 500 g with `stock` (location code -> units) received. */
const product = (stock: Record<string, number>, fields: Record<string, unknown> = {}) =>
  stocked(t, stock, { product: { weight_grams: 500, ...fields } });

/** A GTIN-14 no other test uses, with its check digit. */
function newGtin(): string {
  const body = `0${String(Math.floor(Math.random() * 1e12)).padStart(12, '0')}`;
  const sum = [...body].reverse().reduce((acc, digit, i) => acc + Number(digit) * (i % 2 === 0 ? 3 : 1), 0);
  return `${body}${(10 - (sum % 10)) % 10}`;
}

/** Captures an order to New York and waits for the release the capture nudged. */
const releasedOrder = (channel: string, lines: Array<{ sku: string; quantity: number }>) =>
  captureReleased(t, orderBody(channel, lines, { ship_to: newYork }));

/** The order's one shipment (in the test's setup every order starts with exactly one). */
async function onlyShipment(orderId: string): Promise<ShipmentView> {
  const shipments = await shipmentsOf(t, orderId);
  expect(shipments).toHaveLength(1);
  const [shipment] = shipments;
  if (!shipment) {
    throw new Error(`order ${orderId} has no shipment`);
  }
  return shipment;
}

const post = (url: string, payload: object = {}, key: string | null = ops) =>
  t.request({ method: 'POST', url, payload, key });

const statuses = (responses: LightMyRequestResponse[]) => responses.map((res) => res.statusCode).sort();

async function level(sku: string, location: string): Promise<{ on_hand: number; reserved: number }> {
  const { rows } = await t.pool.query(
    `SELECT l.on_hand, l.reserved FROM inventory_levels l
       JOIN products p ON p.id = l.product_id JOIN locations loc ON loc.id = l.location_id
      WHERE p.sku = $1 AND loc.code = $2`,
    [sku, location],
  );
  return rows[0] ?? { on_hand: 0, reserved: 0 };
}

/** Ledger rows written for a shipment, per SKU and reason. */
async function ledgerOf(shipmentNumber: string) {
  const { rows } = await t.pool.query(
    `SELECT p.sku, m.reason, m.quantity_change FROM inventory_movements m JOIN products p ON p.id = m.product_id
      WHERE m.reference = $1 ORDER BY p.sku, m.id`,
    [`shipment:${shipmentNumber}`],
  );
  return rows as Array<{ sku: string; reason: string; quantity_change: number }>;
}

/** Scans every unit of a shipment, one request at a time, then packs it. */
async function scanAndPack(shipment: ShipmentView): Promise<ShipmentView> {
  for (const line of shipment.lines) {
    for (let i = line.scanned; i < line.quantity; i++) {
      const scan = await post(`/v1/shipments/${shipment.id}/scan`, { barcode: line.sku });
      expect(scan.statusCode, scan.body).toBe(200);
    }
  }
  const packed = await post(`/v1/shipments/${shipment.id}/pack`, {});
  expect(packed.statusCode, packed.body).toBe(200);
  return packed.json();
}

/**
 * Everything a rejected shipment action could have touched: the shipment row and its lines, the
 * stock of its products at its location, its ledger rows and its events.
 */
async function footprint(shipmentId: string) {
  const shipment = await t.pool.query(
    `SELECT s.status, s.carrier, s.service, s.tracking_number, s.tracking, s.pick_list_id, s.tote,
            s.shipped_at, s.delivered_at, s.updated_at, s.pack_override, s.number
       FROM shipments s WHERE s.id = $1`,
    [shipmentId],
  );
  const lines = await t.pool.query(
    `SELECT id, quantity, quantity_scanned, quantity_picked FROM shipment_lines WHERE shipment_id = $1 ORDER BY id`,
    [shipmentId],
  );
  const stock = await t.pool.query(
    `SELECT l.product_id, l.on_hand, l.reserved FROM inventory_levels l JOIN shipments s ON s.location_id = l.location_id
      WHERE s.id = $1 AND l.product_id IN (SELECT product_id FROM shipment_lines WHERE shipment_id = $1)
      ORDER BY l.product_id`,
    [shipmentId],
  );
  const ledger = await t.pool.query(
    `SELECT count(*)::int AS n FROM inventory_movements WHERE reference = 'shipment:' || $1`,
    [shipment.rows[0]?.number],
  );
  const events = await t.pool.query(`SELECT count(*)::int AS n FROM events WHERE resource_id = $1`, [
    shipmentId,
  ]);
  return {
    shipment: shipment.rows[0],
    lines: lines.rows,
    stock: stock.rows,
    ledger: ledger.rows[0]?.n,
    events: events.rows[0]?.n,
  };
}

/**
 * The order-side invariants for some orders, returned as the rows that break them:
 * - no line counts more units than it has (allocated + backordered + cancelled + shipped <= quantity);
 * - a line's active reservations add up to its allocated quantity;
 * - a shipment still in the building never carries more of a line, at its location, than the line has
 *   reserved there, and carries nothing for a cancelled order;
 * - with `released`: once the releaser has run, every unit reserved for a released order is in a
 *   shipment at the same location (no active reservation without a matching shipment line).
 */
async function brokenOrderInvariants(orderIds: string[], options: { released?: boolean } = {}) {
  const lines = await t.pool.query(
    `SELECT l.id, l.order_id, l.quantity, l.quantity_allocated AS allocated, l.quantity_backordered AS backordered,
            l.quantity_cancelled AS cancelled, l.quantity_shipped AS shipped,
            coalesce((SELECT sum(r.quantity) FROM reservations r
                       WHERE r.order_line_id = l.id AND r.status = 'active'), 0)::int AS reserved
       FROM order_lines l WHERE l.order_id = ANY($1::uuid[])`,
    [orderIds],
  );
  const badLines = lines.rows.filter(
    (row) =>
      row.allocated < 0 ||
      row.backordered < 0 ||
      row.cancelled < 0 ||
      row.shipped < 0 ||
      row.allocated + row.backordered + row.cancelled + row.shipped > row.quantity ||
      row.reserved !== row.allocated,
  );
  // Per order line and location: units reserved there against units in shipments still in the building.
  const placed = await t.pool.query(
    `WITH r AS (
       SELECT r.order_line_id AS line_id, r.location_id, sum(r.quantity)::int AS reserved
         FROM reservations r JOIN order_lines l ON l.id = r.order_line_id
        WHERE r.status = 'active' AND l.order_id = ANY($1::uuid[])
        GROUP BY 1, 2),
     s AS (
       SELECT sl.order_line_id AS line_id, sh.location_id, sum(sl.quantity)::int AS in_building
         FROM shipment_lines sl JOIN shipments sh ON sh.id = sl.shipment_id
        WHERE sh.order_id = ANY($1::uuid[]) AND sh.status IN ('pending', 'picking', 'packed')
        GROUP BY 1, 2)
     SELECT coalesce(r.line_id, s.line_id) AS line_id, coalesce(r.location_id, s.location_id) AS location_id,
            o.status AS order_status, coalesce(r.reserved, 0) AS reserved, coalesce(s.in_building, 0) AS in_building
       FROM r FULL JOIN s ON s.line_id = r.line_id AND s.location_id = r.location_id
       JOIN order_lines l ON l.id = coalesce(r.line_id, s.line_id)
       JOIN orders o ON o.id = l.order_id`,
    [orderIds],
  );
  const badPlacements = placed.rows.filter(
    (row) =>
      row.in_building > row.reserved ||
      (row.order_status === 'cancelled' && row.in_building > 0) ||
      (options.released === true &&
        ['released', 'partially_shipped'].includes(row.order_status) &&
        row.in_building !== row.reserved),
  );
  return [...badLines, ...badPlacements];
}

describe('batch pick lists requested at once', () => {
  it('never put one shipment in two pick lists, for two or five pickers at the same location', async () => {
    for (const pickers of [2, 5]) {
      const { channel, near } = await site();
      const sku = await product({ [near]: 100 });
      const orders = [];
      for (let i = 0; i < 12; i++) {
        orders.push(await releasedOrder(channel, [{ sku, quantity: 1 }]));
      }
      const responses = await Promise.all(
        Array.from({ length: pickers }, () =>
          post(`/v1/locations/${near}/pick-lists`, { max_orders: 3, max_units: 100 }),
        ),
      );
      const lists = responses.filter((res) => res.statusCode === 201).map((res) => res.json());
      expect(lists.length).toBeGreaterThanOrEqual(1);
      for (const res of responses.filter((r) => r.statusCode !== 201)) {
        // A picker who lost every candidate to the others is told so: a 409, never a 500.
        expectProblem(res, 409);
      }

      const inLists = lists.flatMap((list) =>
        list.totes.map((tote: { shipment_id: string }) => ({ list: list.id, shipment: tote.shipment_id })),
      );
      expect(new Set(inLists.map((x) => x.shipment)).size).toBe(inLists.length);
      for (const list of lists) {
        expect(list.totes.length).toBeGreaterThanOrEqual(1);
        expect(list.totes.length).toBeLessThanOrEqual(3);
      }

      // The rows agree with the lists: every shipment in a list is picking under exactly that list,
      // every other one is still pending and in no list.
      const { rows } = await t.pool.query(
        `SELECT s.id, s.status, s.pick_list_id::int AS pick_list_id FROM shipments s JOIN locations l ON l.id = s.location_id
          WHERE l.code = $1`,
        [near],
      );
      expect(rows).toHaveLength(12);
      const listOf = new Map(inLists.map((x) => [x.shipment, x.list]));
      for (const row of rows) {
        const list = listOf.get(row.id);
        if (list === undefined) {
          expect(row).toMatchObject({ status: 'pending', pick_list_id: null });
        } else {
          expect(row).toMatchObject({ status: 'picking', pick_list_id: list });
        }
      }
      const byList = await t.pool.query(
        `SELECT pl.id::int AS id, count(s.id)::int AS shipments, jsonb_array_length(pl.packing) AS totes
           FROM pick_lists pl JOIN locations l ON l.id = pl.location_id
           LEFT JOIN shipments s ON s.pick_list_id = pl.id
          WHERE l.code = $1 GROUP BY pl.id`,
        [near],
      );
      expect(byList.rows.map((row) => row.id).sort()).toEqual(lists.map((list) => list.id).sort());
      for (const row of byList.rows) {
        expect(row.shipments).toBe(row.totes);
      }

      // What nobody took is still there for the next picker.
      const left = rows.filter((row) => !listOf.has(row.id)).length;
      if (left > 0) {
        const next = await post(`/v1/locations/${near}/pick-lists`, { max_orders: 500, max_units: 1000 });
        expect(next.statusCode, next.body).toBe(201);
        expect(next.json().totes).toHaveLength(left);
      }
      expect(await brokenInvariants(t.pool)).toEqual([]);
    }
  });

  // Pick lists claim only the shipments they take, so a concurrent picker gets the rest.
  it('give a second picker asking at once the shipments the first one did not take', async () => {
    const { channel, near } = await site();
    const sku = await product({ [near]: 100 });
    for (let i = 0; i < 6; i++) {
      await releasedOrder(channel, [{ sku, quantity: 1 }]);
    }
    // The first picker's transaction stays open after its claim: it waits to insert its list.
    const held = await lockGate(t.pool, { sql: 'LOCK TABLE pick_lists IN SHARE MODE' });
    const first = post(`/v1/locations/${near}/pick-lists`, { max_orders: 3 });
    await held.queued(1);
    // The second claims while the first still holds its three; then it waits to insert its own list.
    const second = post(`/v1/locations/${near}/pick-lists`, { max_orders: 3 });
    await held.queued(2);
    await held.open();
    const [one, two] = await Promise.all([first, second]);
    expect(one.statusCode, one.body).toBe(201);
    expect(two.statusCode, two.body).toBe(201);
    const taken = [...one.json().totes, ...two.json().totes].map(
      (tote: { shipment_id: string }) => tote.shipment_id,
    );
    expect(new Set(taken).size).toBe(6);
  });
});

describe('barcode scans at once', () => {
  it('count exactly the quantity of the line: N answers 200, the rest 409', async () => {
    const { channel, near } = await site();
    const gtin = newGtin();
    const sku = await product({ [near]: 10 }, { barcodes: [gtin] });
    const placed = await releasedOrder(channel, [{ sku, quantity: 5 }]);
    const shipment = await onlyShipment(placed.id);

    const responses = await Promise.all(
      Array.from({ length: 14 }, (_, i) =>
        post(`/v1/shipments/${shipment.id}/scan`, { barcode: i % 2 === 0 ? gtin : sku }),
      ),
    );
    const ok = responses.filter((res) => res.statusCode === 200);
    expect(ok).toHaveLength(5);
    expect(ok.map((res) => res.json().scanned).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(ok.filter((res) => res.json().complete)).toHaveLength(1);
    for (const res of responses.filter((r) => r.statusCode !== 200)) {
      expectProblem(res, 409);
      expect(res.json().detail).toContain('One too many');
    }
    const { rows } = await t.pool.query(
      'SELECT quantity, quantity_scanned FROM shipment_lines WHERE shipment_id = $1',
      [shipment.id],
    );
    expect(rows).toEqual([{ quantity: 5, quantity_scanned: 5 }]);
  });

  it('spread over two lines of the same product never scan one past its quantity', async () => {
    const { channel, near } = await site();
    const sku = await product({ [near]: 10 });
    const other = await product({ [near]: 10 });
    const placed = await releasedOrder(channel, [
      { sku, quantity: 3 },
      { sku: other, quantity: 2 },
    ]);
    const shipment = await onlyShipment(placed.id);
    const responses = await Promise.all([
      ...Array.from({ length: 7 }, () => post(`/v1/shipments/${shipment.id}/scan`, { barcode: sku })),
      ...Array.from({ length: 7 }, () => post(`/v1/shipments/${shipment.id}/scan`, { barcode: other })),
    ]);
    expect(statuses(responses)).toEqual([...Array(5).fill(200), ...Array(9).fill(409)]);
    const after = await onlyShipment(placed.id);
    expect(after.lines.map((line) => [line.sku, line.scanned])).toEqual([
      [sku, 3],
      [other, 2],
    ]);
    expect(responses.filter((res) => res.statusCode === 200 && res.json().complete)).toHaveLength(1);
  });
});

describe('ship called at once', () => {
  it('ships once: one 200, the others 409, the stock consumed once with one sale per product', async () => {
    const { channel, near } = await site();
    const mug = await product({ [near]: 10 });
    const cup = await product({ [near]: 10 });
    const placed = await releasedOrder(channel, [
      { sku: mug, quantity: 2 },
      { sku: cup, quantity: 3 },
    ]);
    const packed = await scanAndPack(await onlyShipment(placed.id));
    expect(packed.status).toBe('packed');
    const before = { mug: await level(mug, near), cup: await level(cup, near) };

    const responses = await Promise.all(
      Array.from({ length: 6 }, () => post(`/v1/shipments/${packed.id}/ship`)),
    );
    expect(statuses(responses)).toEqual([200, 409, 409, 409, 409, 409]);
    for (const res of responses.filter((r) => r.statusCode === 409)) {
      expectProblem(res, 409);
    }
    const shipped = responses.find((res) => res.statusCode === 200)?.json();
    expect(shipped).toMatchObject({ status: 'shipped' });

    expect(await level(mug, near)).toEqual({
      on_hand: before.mug.on_hand - 2,
      reserved: before.mug.reserved - 2,
    });
    expect(await level(cup, near)).toEqual({
      on_hand: before.cup.on_hand - 3,
      reserved: before.cup.reserved - 3,
    });
    expect(await ledgerOf(packed.number)).toEqual(
      [
        { sku: mug, reason: 'sale', quantity_change: -2 },
        { sku: cup, reason: 'sale', quantity_change: -3 },
      ].sort((a, b) => a.sku.localeCompare(b.sku)),
    );
    // The stored tracking number is the one the winner answered with; one shipment.shipped event.
    const [row] = (await t.pool.query('SELECT tracking_number FROM shipments WHERE id = $1', [packed.id]))
      .rows;
    expect(row.tracking_number).toBe(shipped.tracking_number);
    const events = await t.pool.query(
      `SELECT count(*)::int AS n FROM events WHERE resource_id = $1 AND type = 'shipment.shipped'`,
      [packed.id],
    );
    expect(events.rows[0].n).toBe(1);
    const order = await orderOf(t, placed.id);
    expect(order.status).toBe('shipped');
    expect(order.lines.map((line: { shipped: number }) => line.shipped)).toEqual([2, 3]);
    expect(await brokenInvariants(t.pool)).toEqual([]);
    expect(await brokenOrderInvariants([placed.id])).toEqual([]);
  });
});

describe('a WMS confirming at once', () => {
  const confirmation = (sku: string, trackingNumber: string) => ({
    lines: [{ sku, quantity: 2 }],
    carrier: 'ups',
    service: 'ground',
    tracking_number: trackingNumber,
  });

  it('with the same tracking number: every call 200 with the same body, the stock consumed once', async () => {
    const { channel, near } = await site({ near: { fulfillment: 'external_wms' } });
    const sku = await product({ [near]: 6 });
    const placed = await releasedOrder(channel, [{ sku, quantity: 2 }]);
    const shipment = await onlyShipment(placed.id);
    const body = confirmation(sku, uniq('1Z'));

    const responses = await Promise.all(
      Array.from({ length: 6 }, () => post(`/v1/shipments/${shipment.id}/confirm`, body)),
    );
    expect(statuses(responses)).toEqual(Array(6).fill(200));
    const [first] = responses;
    for (const res of responses) {
      expect(res.json()).toEqual(first?.json());
    }
    expect(first?.json()).toMatchObject({ status: 'shipped', tracking_number: body.tracking_number });
    expect(await level(sku, near)).toEqual({ on_hand: 4, reserved: 0 });
    expect(await ledgerOf(shipment.number)).toEqual([{ sku, reason: 'sale', quantity_change: -2 }]);
    expect((await orderOf(t, placed.id)).status).toBe('shipped');
    expect(await brokenInvariants(t.pool)).toEqual([]);
    expect(await brokenOrderInvariants([placed.id])).toEqual([]);
  });

  it('with different tracking numbers: one wins, the others 409, the stock consumed once', async () => {
    const { channel, near } = await site({ near: { fulfillment: 'external_wms' } });
    const sku = await product({ [near]: 6 });
    const placed = await releasedOrder(channel, [{ sku, quantity: 2 }]);
    const shipment = await onlyShipment(placed.id);
    const numbers = Array.from({ length: 5 }, () => uniq('1Z'));

    const responses = await Promise.all(
      numbers.map((number) => post(`/v1/shipments/${shipment.id}/confirm`, confirmation(sku, number))),
    );
    expect(statuses(responses)).toEqual([200, 409, 409, 409, 409]);
    for (const res of responses.filter((r) => r.statusCode === 409)) {
      expectProblem(res, 409);
    }
    const winner = responses.find((res) => res.statusCode === 200)?.json();
    const [row] = (await t.pool.query('SELECT tracking_number FROM shipments WHERE id = $1', [shipment.id]))
      .rows;
    expect(row.tracking_number).toBe(winner.tracking_number);
    expect(await level(sku, near)).toEqual({ on_hand: 4, reserved: 0 });
    expect(await ledgerOf(shipment.number)).toEqual([{ sku, reason: 'sale', quantity_change: -2 }]);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });
});

describe('illegal shipment transitions over HTTP', () => {
  /** Calls `action`, expects a 409 problem, and that nothing about the shipment changed. */
  async function refused(shipmentId: string, action: () => Promise<LightMyRequestResponse>) {
    const before = await footprint(shipmentId);
    const res = await action();
    expectProblem(res, 409);
    expect(await footprint(shipmentId)).toEqual(before);
    return res;
  }

  it('answer 409 problem+json and change nothing', async () => {
    const { channel, near } = await site();
    const sku = await product({ [near]: 20 });
    const track = (id: string, status: string) => () => post(`/v1/shipments/${id}/tracking`, { status });
    const ship = (id: string) => () => post(`/v1/shipments/${id}/ship`);
    const pack = (id: string) => () => post(`/v1/shipments/${id}/pack`, {});
    const scan = (id: string) => () => post(`/v1/shipments/${id}/scan`, { barcode: sku });
    const reject = (id: string) => () =>
      post(`/v1/shipments/${id}/reject-lines`, { lines: [{ sku, quantity: 1 }], reason: 'damaged' });
    const confirm = (id: string) => () =>
      post(`/v1/shipments/${id}/confirm`, {
        carrier: 'ups',
        service: 'ground',
        tracking_number: uniq('1Z'),
      });

    // Pending: not packed, so it cannot ship; it has not left, so no tracking applies.
    const pending = await onlyShipment((await releasedOrder(channel, [{ sku, quantity: 1 }])).id);
    expect((await refused(pending.id, ship(pending.id))).json().detail).toContain('must be packed');
    await refused(pending.id, track(pending.id, 'delivered'));
    await refused(pending.id, track(pending.id, 'in_transit'));
    await refused(pending.id, track(pending.id, 'out_for_delivery'));
    await refused(pending.id, track(pending.id, 'exception'));

    // Packed: no more scanning, no second pack, no tracking before it ships.
    const packed = await scanAndPack(
      await onlyShipment((await releasedOrder(channel, [{ sku, quantity: 1 }])).id),
    );
    await refused(packed.id, scan(packed.id));
    await refused(packed.id, pack(packed.id));
    await refused(packed.id, track(packed.id, 'delivered'));

    // Shipped: it has left the building.
    const shippedOrder = await releasedOrder(channel, [{ sku, quantity: 2 }]);
    const toShip = await scanAndPack(await onlyShipment(shippedOrder.id));
    const shipped = await post(`/v1/shipments/${toShip.id}/ship`);
    expect(shipped.statusCode, shipped.body).toBe(200);
    await refused(toShip.id, pack(toShip.id));
    await refused(toShip.id, scan(toShip.id));
    await refused(toShip.id, reject(toShip.id));
    await refused(toShip.id, ship(toShip.id));
    await refused(toShip.id, confirm(toShip.id));

    // Cancelled (every unit rejected and nowhere else to go): nothing brings it back.
    const doomedOrder = await releasedOrder(channel, [{ sku: await product({ [near]: 1 }), quantity: 1 }]);
    const doomed = await onlyShipment(doomedOrder.id);
    const rejected = await post(`/v1/shipments/${doomed.id}/reject-lines`, {
      lines: [{ sku: doomed.lines[0]?.sku, quantity: 1 }],
      reason: 'water damage',
    });
    expect(rejected.json().status).toBe('cancelled');
    await settleReleaser(t);
    await refused(doomed.id, confirm(doomed.id));
    await refused(doomed.id, ship(doomed.id));
    await refused(doomed.id, pack(doomed.id));
    await refused(doomed.id, track(doomed.id, 'in_transit'));
    expectProblem(await post(`/v1/shipments/${doomed.id}/scan`, { barcode: doomed.lines[0]?.sku }), 409);

    // Delivered: the end of the road.
    for (const status of ['in_transit', 'delivered']) {
      const res = await post(`/v1/shipments/${toShip.id}/tracking`, { status });
      expect(res.statusCode, res.body).toBe(200);
    }
    await refused(toShip.id, track(toShip.id, 'in_transit'));
    await refused(toShip.id, track(toShip.id, 'delivered'));
    await refused(toShip.id, track(toShip.id, 'exception'));
    await refused(toShip.id, reject(toShip.id));
    await refused(toShip.id, ship(toShip.id));

    expect(await brokenInvariants(t.pool)).toEqual([]);
    expect(await brokenOrderInvariants([shippedOrder.id, doomedOrder.id])).toEqual([]);
  });

  it('answer 409 for the actions a WMS location does itself, changing nothing', async () => {
    const { channel, near } = await site({ near: { fulfillment: 'external_wms' } });
    const sku = await product({ [near]: 3 });
    const shipment = await onlyShipment((await releasedOrder(channel, [{ sku, quantity: 1 }])).id);
    for (const action of [
      () => post(`/v1/shipments/${shipment.id}/scan`, { barcode: sku }),
      () => post(`/v1/shipments/${shipment.id}/pack`, {}),
      () => post(`/v1/shipments/${shipment.id}/ship`),
      () => post(`/v1/locations/${near}/pick-lists`, {}),
    ]) {
      const before = await footprint(shipment.id);
      expectProblem(await action(), 409);
      expect(await footprint(shipment.id)).toEqual(before);
    }
  });
});

describe('cancelling a line while its shipment is being rejected', () => {
  const cancel = (orderId: string, lines?: Array<{ line_id: number; quantity: number }>) =>
    post(`/v1/orders/${orderId}/cancel`, {
      reason: 'Customer changed their mind',
      ...(lines ? { lines } : {}),
    });
  const reject = (shipmentId: string, sku: string, quantity: number) =>
    post(`/v1/shipments/${shipmentId}/reject-lines`, { lines: [{ sku, quantity }], reason: 'damaged' });

  /**
   * Fires `first`, then `second`, both queued behind a lock on the order, then lets them run: the two
   * transactions really overlap, and `first` takes the order's lock first.
   */
  async function inOrder(
    orderId: string,
    first: () => Promise<LightMyRequestResponse>,
    second: () => Promise<LightMyRequestResponse>,
  ) {
    const held = await lockGate(t.pool, {
      sql: 'SELECT 1 FROM orders WHERE id = $1 FOR UPDATE',
      params: [orderId],
    });
    const a = first();
    await held.queued(1);
    const b = second();
    await held.queued(2);
    await held.open();
    return Promise.all([a, b]);
  }

  const inBuilding = async (orderId: string) =>
    (await shipmentsOf(t, orderId))
      .filter((s) => ['pending', 'picking', 'packed'].includes(s.status))
      .flatMap((s) =>
        s.lines.filter((line) => line.quantity > 0).map((line) => [s.location, line.sku, line.quantity]),
      );

  it('the same line, all at once and in either order, never breaks the stock or the order', async () => {
    const { channel, near, far } = await site();
    const sku = await product({ [near]: 40, [far]: 40 });
    const placed = [];
    for (let i = 0; i < 8; i++) {
      placed.push(await releasedOrder(channel, [{ sku, quantity: 2 }]));
    }
    const shipments = await Promise.all(placed.map((order) => onlyShipment(order.id)));
    const pairs = placed.map((order, i) => ({
      order,
      reject: () => reject((shipments[i] as ShipmentView).id, sku, 2),
      cancel: () => cancel(order.id, [{ line_id: order.lines[0].id, quantity: 1 }]),
    }));

    // Two pairs with a known winner: the rejection first, then the cancel first.
    const [rejectFirst, cancelFirst, ...free] = pairs;
    if (!rejectFirst || !cancelFirst) {
      throw new Error('pairs missing');
    }
    const [rejected, cancelledAfter] = await inOrder(
      rejectFirst.order.id,
      rejectFirst.reject,
      rejectFirst.cancel,
    );
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(cancelledAfter.statusCode, cancelledAfter.body).toBe(200);
    const [cancelled, rejectedAfter] = await inOrder(
      cancelFirst.order.id,
      cancelFirst.cancel,
      cancelFirst.reject,
    );
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    // The cancel took one of the shipment's two units: rejecting two is more than it carries.
    expectProblem(rejectedAfter, 422);

    // The rest all at once, half of them sending the cancel first.
    const results = await Promise.all(
      free.map(async (pair, i) => {
        const [a, b] = await Promise.all(
          i % 2 === 0 ? [pair.reject(), pair.cancel()] : [pair.cancel(), pair.reject()],
        );
        return i % 2 === 0 ? { rejected: a, cancelled: b } : { rejected: b, cancelled: a };
      }),
    );
    for (const result of results) {
      expect(result.cancelled.statusCode, result.cancelled.body).toBe(200);
      expect([200, 422], result.rejected.body).toContain(result.rejected.statusCode);
    }

    await settleReleaser(t);
    const ids = placed.map((order) => order.id);
    expect(await brokenInvariants(t.pool)).toEqual([]);
    expect(await brokenOrderInvariants(ids, { released: true })).toEqual([]);
    for (const id of ids) {
      const order = await orderOf(t, id);
      expect(order.lines[0]).toMatchObject({ quantity: 2, cancelled: 1, allocated: 1 });
      expect((await inBuilding(id)).reduce((sum, [, , quantity]) => sum + Number(quantity), 0)).toBe(1);
    }
    // Where the rejection landed first, the unit left goes out from the far location.
    expect(await inBuilding(rejectFirst.order.id)).toEqual([[far, sku, 1]]);
    expect(await inBuilding(cancelFirst.order.id)).toEqual([[near, sku, 1]]);
  });

  it('another line of the shipment, the cancel landing first: the cancelled unit leaves the shipment', async () => {
    const { channel, near, far } = await site();
    const kept = await product({ [near]: 5, [far]: 5 });
    const moved = await product({ [near]: 5, [far]: 5 });
    const placed = await releasedOrder(channel, [
      { sku: kept, quantity: 1 },
      { sku: moved, quantity: 1 },
    ]);
    const shipment = await onlyShipment(placed.id);
    const keptLine = placed.lines.find((line: { sku: string }) => line.sku === kept);
    const [cancelled, rejected] = await inOrder(
      placed.id,
      () => cancel(placed.id, [{ line_id: keptLine.id, quantity: 1 }]),
      () => reject(shipment.id, moved, 1),
    );
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(rejected.statusCode, rejected.body).toBe(200);
    await settleReleaser(t);
    expect(await brokenInvariants(t.pool)).toEqual([]);
    expect(await brokenOrderInvariants([placed.id], { released: true })).toEqual([]);
    expect(await inBuilding(placed.id)).toEqual([[far, moved, 1]]);
    expect(await level(kept, near)).toEqual({ on_hand: 5, reserved: 0 });
  });

  // A cancel takes its units out of pending shipments whatever the order's status (a re-route makes it
  // allocated or held again while other lines still wait in a pending shipment).
  it('another line of the shipment, the rejection landing first: the cancelled unit leaves the shipment', async () => {
    const { channel, near, far } = await site();
    const kept = await product({ [near]: 5, [far]: 5 });
    const moved = await product({ [near]: 5, [far]: 5 });
    const placed = await releasedOrder(channel, [
      { sku: kept, quantity: 1 },
      { sku: moved, quantity: 1 },
    ]);
    const shipment = await onlyShipment(placed.id);
    const keptLine = placed.lines.find((line: { sku: string }) => line.sku === kept);
    const [rejected, cancelled] = await inOrder(
      placed.id,
      () => reject(shipment.id, moved, 1),
      () => cancel(placed.id, [{ line_id: keptLine.id, quantity: 1 }]),
    );
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    await settleReleaser(t);
    expect(await brokenInvariants(t.pool)).toEqual([]);
    expect(await inBuilding(placed.id)).toEqual([[far, moved, 1]]);
    expect(await brokenOrderInvariants([placed.id], { released: true })).toEqual([]);
  });

  // The same bug, without any race: the rejected line finds no stock elsewhere, so the order waits on
  // a stock hold (editable, never released) and a whole-order cancel leaves its shipment pending.
  it('a whole-order cancel after a rejection put the order on a stock hold cancels the pending shipment', async () => {
    const { channel, near } = await site();
    const kept = await product({ [near]: 5 });
    const moved = await product({ [near]: 5 });
    const placed = await releasedOrder(channel, [
      { sku: kept, quantity: 1 },
      { sku: moved, quantity: 1 },
    ]);
    const shipment = await onlyShipment(placed.id);
    const rejected = await reject(shipment.id, moved, 1);
    expect(rejected.statusCode, rejected.body).toBe(200);
    await settleReleaser(t);
    expect((await orderOf(t, placed.id)).status).toBe('on_hold');
    const cancelled = await cancel(placed.id);
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json().status).toBe('cancelled');
    expect(await brokenInvariants(t.pool)).toEqual([]);
    expect(await inBuilding(placed.id)).toEqual([]);
    expect(await brokenOrderInvariants([placed.id])).toEqual([]);
  });
});
