import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundShipmentView } from '../../../src/modules/inbound/inbound.schemas.js';
import { isoTime, listAll } from '../../helpers/api.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { makeChannel, makeLocation, makeProduct, orderBody, stocked, uniq } from '../../helpers/factories.js';
import { captureOrder, eventsOf, eventTypes, orderOf } from '../../helpers/orders.js';
import { expectInvalid, expectProblem } from '../../helpers/problems.js';
import { brokenInvariants, levelOf } from '../../helpers/stock.js';
import { databaseDigest } from '../../helpers/world.js';

let t: TestApp;
let channel: string;
let dc: string;

beforeAll(async () => {
  t = await createTestApp();
  channel = (await makeChannel(t, { default_safety_stock: 0, allow_backorders: true })).code;
  dc = (await makeLocation(t)).code;
});
afterAll(() => t.close());

const post = (url: string, payload: object = {}, key: string = t.adminKey) =>
  t.request({ method: 'POST', url, payload, key });

const announce = (lines: Array<{ sku: string; quantity: number }>, fields: object = {}) =>
  post('/v1/inbound-shipments', {
    reference: uniq('PO'),
    location: dc,
    expected_date: '2026-12-04',
    lines,
    ...fields,
  });

async function created(lines: Array<{ sku: string; quantity: number }>, fields: object = {}) {
  const res = await announce(lines, fields);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as InboundShipmentView;
}

async function received(id: string, payload: object, status = 201): Promise<InboundShipmentView> {
  const res = await post(`/v1/inbound-shipments/${id}/receipts`, { reference: uniq('GRN'), ...payload });
  expect(res.statusCode, res.body).toBe(status);
  return res.json();
}

async function ok(url: string, payload: object = {}): Promise<InboundShipmentView> {
  const res = await post(url, payload);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const onHand = async (sku: string, location = dc) => (await levelOf(t, sku, location))?.on_hand ?? 0;

const movements = async (reference: string) =>
  (await t.request({ method: 'GET', url: `/v1/inventory/movements?reference=${reference}` })).json()
    .data as Array<{ sku: string; location: string; reason: string; quantity_change: number }>;

/** Per location of the SKU for the channel: available and incoming, as the availability route shows them. */
async function availabilityOf(sku: string) {
  const res = await t.request({
    method: 'GET',
    url: `/v1/inventory/availability?sku=${sku}&channel=${channel}`,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data[0] as {
    available: number;
    locations: Array<{
      location: string;
      on_hand: number;
      available: number;
      incoming: Array<{
        quantity: number;
        expected_date: string;
        inbound_shipment: string;
        reference: string;
      }>;
    }>;
  };
}

/** The tables as they are once the workers a request nudged are done. */
async function digest() {
  await t.app.services.releaser.idle();
  await t.app.services.backorders.idle();
  return databaseDigest(t);
}

/** Asserts a problem with this status (a 422 naming `pointers` when given), and that no table changed. */
async function expectRefused(
  send: () => ReturnType<typeof post>,
  status: number,
  pointers: string[] = [],
  part: 'body' | 'params' | 'query' = 'body',
) {
  const before = await digest();
  const res = await send();
  const problem = status === 422 ? expectInvalid(res, pointers, part) : expectProblem(res, status);
  expect(await digest()).toEqual(before);
  return problem;
}

describe('an inbound shipment announced, shipped and received', () => {
  it('shows as incoming, then goes on hand through receipts, with the ledger and events', async () => {
    const shirt = (await makeProduct(t)).sku;
    const mug = await stocked(t, { [dc]: 2 });
    const shipment = await created(
      [
        { sku: shirt, quantity: 10 },
        { sku: mug, quantity: 4 },
      ],
      { supplier: 'Acme Textiles', notes: 'Dock 3' },
    );
    expect(shipment).toMatchObject({
      id: expect.any(String),
      number: expect.any(Number),
      location: dc,
      status: 'expected',
      expected_date: '2026-12-04',
      supplier: 'Acme Textiles',
      notes: 'Dock 3',
      receipts: [],
      shipped_at: null,
      created_at: isoTime,
      lines: [
        { sku: shirt, quantity: 10, received: 0, incoming: 10, over: 0, short: 0 },
        { sku: mug, quantity: 4, received: 0, incoming: 4, over: 0, short: 0 },
      ],
    });
    // Incoming, never available.
    const before = await availabilityOf(mug);
    expect(before.available).toBe(2);
    expect(before.locations).toEqual([
      expect.objectContaining({
        location: dc,
        on_hand: 2,
        available: 2,
        incoming: [
          {
            quantity: 4,
            expected_date: '2026-12-04',
            inbound_shipment: shipment.id,
            reference: shipment.reference,
          },
        ],
      }),
    ]);
    // A SKU with no stock level yet is listed at the location with nothing on hand.
    expect((await availabilityOf(shirt)).locations).toEqual([
      {
        location: dc,
        on_hand: 0,
        reserved: 0,
        damaged: 0,
        quality_control: 0,
        safety_stock: 0,
        available: 0,
        incoming: [expect.objectContaining({ quantity: 10, inbound_shipment: shipment.id })],
      },
    ]);

    const shipped = await ok(`/v1/inbound-shipments/${shipment.id}/ship`, { expected_date: '2026-12-06' });
    expect(shipped).toMatchObject({ status: 'in_transit', expected_date: '2026-12-06', shipped_at: isoTime });

    const reference = uniq('GRN');
    const part = await received(shipment.id, { reference, lines: [{ sku: shirt, quantity: 6 }] });
    expect(part.status).toBe('in_transit');
    expect(part.lines.map((l) => [l.received, l.incoming])).toEqual([
      [6, 4],
      [0, 4],
    ]);
    expect(part.receipts).toEqual([
      { reference, lines: [{ sku: shirt, quantity: 6, over: 0 }], closed: false, received_at: isoTime },
    ]);
    expect(await onHand(shirt)).toBe(6);
    expect((await availabilityOf(shirt)).locations[0]).toMatchObject({
      on_hand: 6,
      available: 6,
      incoming: [{ quantity: 4, expected_date: '2026-12-06' }],
    });
    // The receipt is an adjustment with reason `receipt`, under a reference derived from the receipt's.
    const ledger = `inbound:${shipment.number}:${reference}`;
    expect((await movements(ledger)).map((m) => [m.sku, m.location, m.reason, m.quantity_change])).toEqual([
      [shirt, dc, 'receipt', 6],
    ]);
    const feed = await t.pool.query(
      `SELECT f.last_reference FROM location_feeds f JOIN locations l ON l.id = f.location_id WHERE l.code = $1`,
      [dc],
    );
    expect(feed.rows[0]?.last_reference).toBe(ledger);

    const done = await received(shipment.id, {
      lines: [
        { sku: shirt, quantity: 4 },
        { sku: mug, quantity: 4 },
      ],
    });
    expect(done).toMatchObject({ status: 'received', received_at: isoTime });
    expect(done.lines.map((l) => [l.received, l.incoming, l.over, l.short])).toEqual([
      [10, 0, 0, 0],
      [4, 0, 0, 0],
    ]);
    expect(await onHand(shirt)).toBe(10);
    expect(await onHand(mug)).toBe(6);
    expect((await availabilityOf(mug)).locations[0]?.incoming).toEqual([]);

    expect(await eventTypes(t, shipment.id)).toEqual([
      'inbound_shipment.created',
      'inbound_shipment.in_transit',
      'inbound_shipment.receipt',
      'inbound_shipment.receipt',
      'inbound_shipment.received',
    ]);
    const [, , first] = await eventsOf(t, shipment.id);
    expect(first?.channel).toBeNull();
    expect(first?.data).toMatchObject({
      inbound_shipment: { id: shipment.id, status: 'in_transit' },
      receipt: { reference, lines: [{ sku: shirt, quantity: 6, over: 0 }], closed: false },
    });
    // What the channel may sell moved with the receipts, announced as for any stock change.
    const announced = await t.pool.query(
      `SELECT data FROM events WHERE type = 'inventory.availability_changed' AND data->>'sku' = $1
          AND data->>'channel' = $2 ORDER BY sequence`,
      [shirt, channel],
    );
    expect(announced.rows.map((row) => row.data.available)).toEqual([6, 10]);
    // Received is final.
    await expectRefused(() => post(`/v1/inbound-shipments/${shipment.id}/ship`), 409);
    await expectRefused(() => post(`/v1/inbound-shipments/${shipment.id}/cancel`), 409);
    await expectRefused(
      () =>
        post(`/v1/inbound-shipments/${shipment.id}/receipts`, {
          reference: uniq('GRN'),
          lines: [{ sku: shirt, quantity: 1, over_receipt: true }],
        }),
      409,
    );
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('records over-receipts when said so, closes short, and lists incoming soonest first', async () => {
    const sku = (await makeProduct(t)).sku;
    const late = await created([{ sku, quantity: 5 }], { expected_date: '2027-01-20' });
    const soon = await created([{ sku, quantity: 8 }], { expected_date: '2026-12-24' });
    expect((await availabilityOf(sku)).locations[0]?.incoming.map((i) => [i.reference, i.quantity])).toEqual([
      [soon.reference, 8],
      [late.reference, 5],
    ]);

    // Received in full at once (with one unit more, announced), without a ship notice first.
    const over = await received(soon.id, { lines: [{ sku, quantity: 9, over_receipt: true }] });
    expect(over.status).toBe('received');
    expect(over.lines[0]).toMatchObject({ quantity: 8, received: 9, over: 1, incoming: 0, short: 0 });
    expect(over.receipts[0]?.lines).toEqual([{ sku, quantity: 9, over: 1 }]);

    // An expected shipment partly received without a ship notice is in transit.
    const part = await received(late.id, { lines: [{ sku, quantity: 2 }] });
    expect(part.status).toBe('in_transit');
    expect((await availabilityOf(sku)).locations[0]?.incoming).toEqual([
      expect.objectContaining({ quantity: 3, inbound_shipment: late.id }),
    ]);
    const closed = await received(late.id, { lines: [], close: true });
    expect(closed.status).toBe('received');
    expect(closed.lines[0]).toMatchObject({ quantity: 5, received: 2, short: 3, incoming: 0 });
    expect(closed.receipts.map((r) => r.closed)).toEqual([false, true]);
    expect(await onHand(sku)).toBe(11);
    expect((await availabilityOf(sku)).locations[0]?.incoming).toEqual([]);
    expect(await eventTypes(t, late.id)).toEqual([
      'inbound_shipment.created',
      'inbound_shipment.in_transit',
      'inbound_shipment.receipt',
      'inbound_shipment.receipt',
      'inbound_shipment.received',
    ]);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('applies a receipt reference once: a repeat answers 200 and changes nothing', async () => {
    const sku = (await makeProduct(t)).sku;
    const shipment = await created([{ sku, quantity: 6 }]);
    const reference = uniq('GRN');
    const first = await received(shipment.id, { reference, lines: [{ sku, quantity: 2 }] });
    const before = await digest();
    const again = await received(shipment.id, { reference, lines: [{ sku, quantity: 2 }] }, 200);
    expect(again).toEqual(first);
    expect(await digest()).toEqual(before);
    expect(await onHand(sku)).toBe(2);
    // Two at once: one applies, the other waits for it and changes nothing.
    const raced = uniq('GRN');
    const both = await Promise.all(
      [1, 2].map(() =>
        post(`/v1/inbound-shipments/${shipment.id}/receipts`, {
          reference: raced,
          lines: [{ sku, quantity: 1 }],
        }),
      ),
    );
    expect(both.map((res) => res.statusCode).sort()).toEqual([200, 201]);
    expect(await onHand(sku)).toBe(3);
  });

  it('fills a backordered order when its stock is received', async () => {
    const sku = (await makeProduct(t)).sku;
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 2 }]));
    expect(order.status).toBe('backordered');
    const shipment = await created([{ sku, quantity: 5 }]);
    await received(shipment.id, { lines: [{ sku, quantity: 5 }] });
    await t.app.services.backorders.idle();
    expect((await orderOf(t, order.id)).lines[0]).toMatchObject({ allocated: 2, backordered: 0 });
  });

  it('cancels expected or in-transit shipments: incoming is gone; a partly received one is a 409', async () => {
    const sku = (await makeProduct(t)).sku;
    const early = await created([{ sku, quantity: 3 }]);
    const cancelled = await ok(`/v1/inbound-shipments/${early.id}/cancel`, { reason: 'supplier cancelled' });
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      cancel_reason: 'supplier cancelled',
      cancelled_at: isoTime,
      lines: [{ incoming: 0, short: 0 }],
    });
    const travelling = await created([{ sku, quantity: 4 }]);
    await ok(`/v1/inbound-shipments/${travelling.id}/ship`);
    expect((await ok(`/v1/inbound-shipments/${travelling.id}/cancel`)).status).toBe('cancelled');
    expect((await availabilityOf(sku)).locations).toEqual([]);
    expect(await eventTypes(t, travelling.id)).toEqual([
      'inbound_shipment.created',
      'inbound_shipment.in_transit',
      'inbound_shipment.cancelled',
    ]);
    await expectRefused(() => post(`/v1/inbound-shipments/${early.id}/ship`), 409);

    const arriving = await created([{ sku, quantity: 2 }]);
    await received(arriving.id, { lines: [{ sku, quantity: 1 }] });
    const problem = await expectRefused(() => post(`/v1/inbound-shipments/${arriving.id}/cancel`), 409);
    expect(problem.detail).toMatch(/close: true/);
  });

  it('serves GET and filtered, paginated lists', async () => {
    const sku = (await makeProduct(t)).sku;
    const other = (await makeLocation(t)).code;
    const here = await created([{ sku, quantity: 1 }]);
    const there = await created([{ sku, quantity: 2 }], { location: other });
    await ok(`/v1/inbound-shipments/${there.id}/ship`);
    const got = await t.request({ method: 'GET', url: `/v1/inbound-shipments/${here.id}` });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(here);
    const bySku = await listAll<InboundShipmentView>(t, '/v1/inbound-shipments', `sku=${sku}`, 1);
    expect(bySku.map((s) => s.id)).toEqual([there.id, here.id]);
    const atOther = await listAll<InboundShipmentView>(t, '/v1/inbound-shipments', `location=${other}`);
    expect(atOther.map((s) => s.id)).toEqual([there.id]);
    const inTransit = await listAll<InboundShipmentView>(t, '/v1/inbound-shipments', 'status=in_transit');
    expect(inTransit.map((s) => s.id)).toContain(there.id);
    expect(inTransit.every((s) => s.status === 'in_transit')).toBe(true);
    const numbers = (await listAll<InboundShipmentView>(t, '/v1/inbound-shipments', '', 2)).map(
      (s) => s.number,
    );
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
  });
});

describe('bad input: a problem naming the field, and nothing changes', () => {
  it('refuses unknown locations and SKUs, a SKU twice, quantities below 1, bad dates, no lines', async () => {
    const sku = (await makeProduct(t)).sku;
    const lines = [{ sku, quantity: 1 }];
    await expectRefused(() => announce(lines, { location: 'NOWHERE' }), 422, ['/location']);
    await expectRefused(() => announce([{ sku: 'NO-SUCH-SKU', quantity: 1 }]), 422, ['/lines/0/sku']);
    await expectRefused(
      () =>
        announce([
          { sku, quantity: 1 },
          { sku, quantity: 2 },
        ]),
      422,
      ['/lines/1/sku'],
    );
    for (const quantity of [0, -3, 1.5]) {
      await expectRefused(() => announce([{ sku, quantity }]), 422, ['/lines/0/quantity']);
    }
    for (const expected_date of ['2026-13-01', '2026-02-30', '04/12/2026', '2026-12-04T10:00:00Z']) {
      await expectRefused(() => announce(lines, { expected_date }), 422, ['/expected_date']);
    }
    await expectRefused(() => announce([]), 422, ['/lines']);
    await expectRefused(() => announce(lines, { reference: '' }), 422, ['/reference']);
  });

  it('answers a reference used before with a 409', async () => {
    const sku = (await makeProduct(t)).sku;
    const reference = uniq('PO');
    await created([{ sku, quantity: 1 }], { reference });
    const problem = await expectRefused(() => announce([{ sku, quantity: 3 }], { reference }), 409);
    expect(problem.code).toBe('conflict');
    expect(problem.detail).toContain(reference);
  });

  it('refuses receipts of SKUs not on the shipment or twice, unannounced over-receipts, and empty ones', async () => {
    const sku = (await makeProduct(t)).sku;
    const shipment = await created([{ sku, quantity: 2 }]);
    const receipt =
      (lines: object[], fields: object = {}) =>
      () =>
        post(`/v1/inbound-shipments/${shipment.id}/receipts`, { reference: uniq('GRN'), lines, ...fields });
    const stranger = (await makeProduct(t)).sku;
    await expectRefused(receipt([{ sku: stranger, quantity: 1 }]), 422, ['/lines/0/sku']);
    const over = await expectRefused(receipt([{ sku, quantity: 3 }]), 422, ['/lines/0/quantity']);
    expect(over.errors?.[0]?.detail).toMatch(/over-receipt of 1; set over_receipt/);
    await expectRefused(
      receipt([
        { sku, quantity: 1 },
        { sku, quantity: 1 },
      ]),
      422,
      ['/lines/1/sku'],
    );
    await expectRefused(receipt([]), 422, ['/lines']);
    await expectRefused(receipt([{ sku, quantity: 0 }]), 422, ['/lines/0/quantity']);
    await expectRefused(receipt([{ sku, quantity: 1 }], { reference: '' }), 422, ['/reference']);
    // After a partial receipt, the line expects only what is left.
    await received(shipment.id, { lines: [{ sku, quantity: 1 }] });
    await expectRefused(receipt([{ sku, quantity: 2 }]), 422, ['/lines/0/quantity']);
    await expectRefused(
      () => post(`/v1/inbound-shipments/${shipment.id}/ship`, { expected_date: 'soon' }),
      422,
      ['/expected_date'],
    );
  });

  it('answers an unknown shipment with a 404 and a malformed id with a 422', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    expectProblem(
      await t.request({ method: 'GET', url: `/v1/inbound-shipments/${missing}` }),
      404,
      'not_found',
    );
    await expectRefused(() => post(`/v1/inbound-shipments/${missing}/ship`), 404);
    await expectRefused(() => post(`/v1/inbound-shipments/${missing}/cancel`), 404);
    await expectRefused(
      () => post(`/v1/inbound-shipments/${missing}/receipts`, { reference: 'GRN-1', lines: [], close: true }),
      404,
    );
    await expectRefused(() => post('/v1/inbound-shipments/not-a-uuid/ship'), 422, ['/id'], 'params');
  });
});

describe('security', () => {
  it('needs a key and the inventory scopes: read to look, write to change', async () => {
    const sku = (await makeProduct(t)).sku;
    const shipment = await created([{ sku, quantity: 1 }]);
    const body = {
      reference: uniq('PO'),
      location: dc,
      expected_date: '2026-12-04',
      lines: [{ sku, quantity: 1 }],
    };
    const reader = await t.keyWith(['inventory:read']);
    const orders = await t.keyWith(['orders:read', 'orders:write']);

    await expectRefused(
      () => t.request({ method: 'POST', url: '/v1/inbound-shipments', payload: body, key: null }),
      401,
    );
    expectProblem(
      await t.request({ method: 'GET', url: '/v1/inbound-shipments', key: null }),
      401,
      'unauthorized',
    );
    expectProblem(
      await t.request({ method: 'GET', url: `/v1/inbound-shipments/${shipment.id}`, key: 'ordo_bogus' }),
      401,
      'unauthorized',
    );

    await expectRefused(() => post('/v1/inbound-shipments', body, reader), 403);
    await expectRefused(() => post(`/v1/inbound-shipments/${shipment.id}/ship`, {}, reader), 403);
    await expectRefused(() => post(`/v1/inbound-shipments/${shipment.id}/cancel`, {}, reader), 403);
    await expectRefused(
      () =>
        post(
          `/v1/inbound-shipments/${shipment.id}/receipts`,
          { reference: uniq('GRN'), lines: [{ sku, quantity: 1 }] },
          reader,
        ),
      403,
    );
    expect(
      (await t.request({ method: 'GET', url: `/v1/inbound-shipments/${shipment.id}`, key: reader }))
        .statusCode,
    ).toBe(200);
    expect((await t.request({ method: 'GET', url: '/v1/inbound-shipments', key: reader })).statusCode).toBe(
      200,
    );
    expectProblem(
      await t.request({ method: 'GET', url: '/v1/inbound-shipments', key: orders }),
      403,
      'forbidden',
    );
    expectProblem(
      await t.request({ method: 'GET', url: `/v1/inbound-shipments/${shipment.id}`, key: orders }),
      403,
      'forbidden',
    );
  });
});
