import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { InboundShipmentView } from '../../../src/modules/inbound/inbound.schemas.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import {
  flatRateCard,
  makeCarrier,
  makeChannel,
  makeLocation,
  makeProduct,
  orderBody,
  receive,
  uniq,
} from '../../helpers/factories.js';
import { lockGate } from '../../helpers/locks.js';
import { captureOrder, eventsOf, eventTypes, orderOf, postOrder } from '../../helpers/orders.js';
import { expectInvalid, expectProblem } from '../../helpers/problems.js';
import { brokenInvariants } from '../../helpers/stock.js';

/**
 * Backorders promised from incoming stock, over HTTP. The clock stands on Monday 2026-11-23, 10:00 in
 * New York. The location is in Edison NJ with one processing day, and the only carrier takes two
 * business days: units expected on Friday 2026-12-04 ship Monday 12-07 and arrive Wednesday 12-09;
 * expected Friday 12-11, they arrive Wednesday 12-16; Friday 12-18, Wednesday 12-23.
 */
const monday = '2026-11-23T15:00:00Z';
const clock = testClock(monday);

let t: TestApp;
let channel: string;
let dc: string;

beforeAll(async () => {
  t = await createTestApp({ clock, poolSize: 16 });
  channel = (
    await makeChannel(t, { allow_backorders: true, default_safety_stock: 0, release_delay_minutes: 60 })
  ).code;
  dc = (
    await makeLocation(t, {
      latitude: 40.5187,
      longitude: -74.4121,
      time_zone: 'America/New_York',
      processing_days: 1,
      channels: [channel],
    })
  ).code;
  // Two business days in transit: the promised dates below count on it.
  await makeCarrier(t, {
    services: [
      {
        code: 'ground',
        name: 'Ground',
        service_levels: ['standard', 'express'],
        rate_card: flatRateCard(600, 2),
      },
    ],
  });
});
afterAll(() => t.close());
beforeEach(() => clock.reset());

const post = (url: string, payload: object = {}, key: string = t.adminKey) =>
  t.request({ method: 'POST', url, payload, key });
const patch = (id: string, payload: object, key: string | null = t.adminKey) =>
  t.request({ method: 'PATCH', url: `/v1/inbound-shipments/${id}`, payload, key });

async function announce(
  lines: Array<{ sku: string; quantity: number }>,
  expected_date: string,
  fields: object = {},
): Promise<InboundShipmentView> {
  const res = await post('/v1/inbound-shipments', {
    reference: uniq('PO'),
    location: dc,
    expected_date,
    lines,
    ...fields,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function rescheduled(id: string, expected_date: string): Promise<InboundShipmentView> {
  const res = await patch(id, { expected_date });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function received(id: string, lines: Array<{ sku: string; quantity: number }>, close = false) {
  const res = await post(`/v1/inbound-shipments/${id}/receipts`, {
    reference: uniq('GRN'),
    lines,
    ...(close ? { close } : {}),
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as InboundShipmentView;
}

/** An order of `quantity` units of the SKU on the test channel, placed at `placed_at`. */
const order = (sku: string, quantity: number, fields: Record<string, unknown> = {}) =>
  captureOrder(t, orderBody(channel, [{ sku, quantity }], fields));

/** What the first line of an order is promised: [reference, expected date, units] per inbound shipment. */
const incomingOf = (view: { lines: Array<{ incoming?: Array<Record<string, unknown>> }> }) =>
  (view.lines[0]?.incoming ?? []).map((units) => [units.reference, units.expected_date, units.quantity]);

/** The promise events of an order: [type, previous, new, reason]. */
async function promiseEvents(orderId: string) {
  return (await eventsOf(t, orderId))
    .filter(
      (e) =>
        e.type === 'order.promise_changed' || (e.type === 'order.updated' && e.data.change === 'promise'),
    )
    .map((e) => [
      e.type,
      e.data.previous_promised_delivery_date,
      e.data.promised_delivery_date,
      e.data.reason,
    ]);
}

describe('backorders promised from incoming stock', () => {
  it('promises waiting orders the incoming units, soonest first, first in first out by priority then age', async () => {
    const sku = (await makeProduct(t, { weight_grams: 500 })).sku;
    const soon = await announce([{ sku, quantity: 3 }], '2026-12-04');
    const later = await announce([{ sku, quantity: 5 }], '2026-12-11');

    const a = await order(sku, 2, { placed_at: '2026-11-23T12:00:00Z' });
    expect(a).toMatchObject({
      status: 'backordered',
      promised_delivery_date: '2026-12-09',
      lines: [
        {
          backordered: 2,
          incoming: [
            {
              inbound_shipment: soon.id,
              reference: soon.reference,
              location: dc,
              expected_date: '2026-12-04',
              quantity: 2,
            },
          ],
        },
      ],
    });
    // The order event carries the promise too.
    const backordered = (await eventsOf(t, a.id)).find((e) => e.type === 'order.backordered');
    expect(backordered?.data.order).toMatchObject({ promised_delivery_date: '2026-12-09' });

    // The next order gets what is left of the soonest shipment, then the later one: its date is the later's.
    const b = await order(sku, 2, { placed_at: '2026-11-23T13:00:00Z' });
    expect(b.promised_delivery_date).toBe('2026-12-16');
    expect(incomingOf(b)).toEqual([
      [soon.reference, '2026-12-04', 1],
      [later.reference, '2026-12-11', 1],
    ]);

    // Express orders are served before standard ones: a new one is promised the soonest units, and
    // the backorder worker then promises the orders it overtook again.
    const c = await order(sku, 2, { shipping: { service_level: 'express', amount: 500 } });
    expect(c.promised_delivery_date).toBe('2026-12-09');
    expect(incomingOf(c)).toEqual([[soon.reference, '2026-12-04', 2]]);
    await t.app.services.backorders.run();
    const [a2, b2] = await Promise.all([orderOf(t, a.id), orderOf(t, b.id)]);
    expect([a2.promised_delivery_date, incomingOf(a2)]).toEqual([
      '2026-12-16',
      [
        [soon.reference, '2026-12-04', 1],
        [later.reference, '2026-12-11', 1],
      ],
    ]);
    expect([b2.promised_delivery_date, incomingOf(b2)]).toEqual([
      '2026-12-16',
      [[later.reference, '2026-12-11', 2]],
    ]);
    expect(await promiseEvents(a.id)).toEqual([
      ['order.promise_changed', '2026-12-09', '2026-12-16', 'queue_changed'],
    ]);
    const changed = (await eventsOf(t, a.id)).find((e) => e.type === 'order.promise_changed');
    expect(changed?.data.order).toMatchObject({ id: a.id, promised_delivery_date: '2026-12-16' });
    expect(await promiseEvents(b.id)).toEqual([]);
    // A second pass finds nothing to change.
    const seen = (await eventsOf(t, a.id)).length;
    await t.app.services.backorders.run();
    expect((await eventsOf(t, a.id)).length).toBe(seen);

    // More than is incoming: what is covered is shown, and no date is promised.
    const d = await order(sku, 5);
    expect(d).toMatchObject({ status: 'backordered', promised_delivery_date: null });
    expect(incomingOf(d)).toEqual([[later.reference, '2026-12-11', 2]]);
  });

  it('promises the incoming date to an order reserved in part, and no date when nothing incoming covers it', async () => {
    const sku = (await makeProduct(t)).sku;
    await receive(t, [{ sku, location: dc, delta: 1 }]);
    await t.app.services.backorders.idle();
    const bare = await order(sku, 2);
    expect(bare).toMatchObject({
      status: 'backordered',
      lines: [{ allocated: 1, backordered: 1, incoming: [] }],
      promised_delivery_date: null,
    });
    // A shipment announced later covers it, at once.
    const shipment = await announce([{ sku, quantity: 4 }], '2026-12-04');
    const promised = await orderOf(t, bare.id);
    expect(promised.promised_delivery_date).toBe('2026-12-09');
    expect(incomingOf(promised)).toEqual([[shipment.reference, '2026-12-04', 1]]);
    expect(await promiseEvents(bare.id)).toEqual([
      ['order.updated', null, '2026-12-09', 'inbound_announced'],
    ]);
    // An order for units already in stock keeps its on-hand promise (Thursday 11-26) and shows no incoming.
    const stocked = await makeProduct(t);
    await receive(t, [{ sku: stocked.sku, location: dc, delta: 5 }]);
    const plain = await order(stocked.sku, 2);
    expect(plain).toMatchObject({ status: 'allocated', promised_delivery_date: '2026-11-26' });
    expect(plain.lines[0]).not.toHaveProperty('incoming');
  });

  it('keeps the promise of an order filled in part from stock that arrived another way', async () => {
    const sku = (await makeProduct(t)).sku;
    const shipment = await announce([{ sku, quantity: 5 }], '2026-12-04');
    const waiting = await order(sku, 3);
    expect(incomingOf(waiting)).toEqual([[shipment.reference, '2026-12-04', 3]]);
    // One unit found on the shelf: the worker reserves it; the other two still wait for the shipment.
    await receive(t, [{ sku, location: dc, delta: 1 }]);
    await t.app.services.backorders.idle();
    const filled = await orderOf(t, waiting.id);
    expect(filled).toMatchObject({
      status: 'backordered',
      promised_delivery_date: '2026-12-09',
      lines: [{ allocated: 1, backordered: 2 }],
    });
    expect(incomingOf(filled)).toEqual([[shipment.reference, '2026-12-04', 2]]);
    expect(await promiseEvents(waiting.id)).toEqual([]);
    // What it no longer needs is free for the next order.
    const next = await order(sku, 3);
    expect([next.promised_delivery_date, incomingOf(next)]).toEqual([
      '2026-12-09',
      [[shipment.reference, '2026-12-04', 3]],
    ]);
  });

  it('promises nothing from locations that do not serve the channel or are inactive', async () => {
    const sku = (await makeProduct(t)).sku;
    const other = (await makeChannel(t)).code;
    const elsewhere = (await makeLocation(t, { channels: [other], latitude: 40.5, longitude: -74.4 })).code;
    const closed = (await makeLocation(t, { active: false, latitude: 40.5, longitude: -74.4 })).code;
    await announce([{ sku, quantity: 5 }], '2026-12-04', { location: elsewhere });
    await announce([{ sku, quantity: 5 }], '2026-12-04', { location: closed });
    const waiting = await order(sku, 1);
    expect(waiting).toMatchObject({ status: 'backordered', promised_delivery_date: null });
    expect(incomingOf(waiting)).toEqual([]);
  });

  it('moves promises forward for an earlier date and raises order.promise_changed for a later one', async () => {
    const sku = (await makeProduct(t)).sku;
    const shipment = await announce([{ sku, quantity: 4 }], '2026-12-11');
    const waiting = await order(sku, 2);
    expect(waiting.promised_delivery_date).toBe('2026-12-16');

    const earlier = await rescheduled(shipment.id, '2026-12-04');
    expect(earlier).toMatchObject({ id: shipment.id, status: 'expected', expected_date: '2026-12-04' });
    expect((await orderOf(t, waiting.id)).promised_delivery_date).toBe('2026-12-09');

    const late = await rescheduled(shipment.id, '2026-12-18');
    expect(late.expected_date).toBe('2026-12-18');
    const after = await orderOf(t, waiting.id);
    expect(after.promised_delivery_date).toBe('2026-12-23');
    expect(incomingOf(after)).toEqual([[shipment.reference, '2026-12-18', 2]]);
    expect(await promiseEvents(waiting.id)).toEqual([
      ['order.updated', '2026-12-16', '2026-12-09', 'inbound_rescheduled'],
      ['order.promise_changed', '2026-12-09', '2026-12-23', 'inbound_rescheduled'],
    ]);
    const [event] = (await eventsOf(t, waiting.id)).filter((e) => e.type === 'order.promise_changed');
    expect(event?.channel).toBe(channel);
    expect(event?.data.order).toMatchObject({ promised_delivery_date: '2026-12-23' });

    // The same date again changes nothing; the shipment tells of each new date.
    const before = (await eventsOf(t, shipment.id)).length;
    expect((await rescheduled(shipment.id, '2026-12-18')).updated_at).toBe(late.updated_at);
    expect((await eventsOf(t, shipment.id)).length).toBe(before);
    const moves = (await eventsOf(t, shipment.id)).filter((e) => e.type === 'inbound_shipment.rescheduled');
    expect(
      moves.map((e) => [
        e.data.previous_expected_date,
        (e.data.inbound_shipment as InboundShipmentView).expected_date,
      ]),
    ).toEqual([
      ['2026-12-11', '2026-12-04'],
      ['2026-12-04', '2026-12-18'],
    ]);

    // A ship notice with a new date re-promises as well.
    await post(`/v1/inbound-shipments/${shipment.id}/ship`, { expected_date: '2026-12-11' });
    expect((await orderOf(t, waiting.id)).promised_delivery_date).toBe('2026-12-16');

    // Cancelled: nothing covers the order any more.
    const cancelled = await post(`/v1/inbound-shipments/${shipment.id}/cancel`, { reason: 'supplier' });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    const lost = await orderOf(t, waiting.id);
    expect([lost.promised_delivery_date, incomingOf(lost)]).toEqual([null, []]);
    expect((await promiseEvents(waiting.id)).at(-1)).toEqual([
      'order.promise_changed',
      '2026-12-16',
      null,
      'inbound_cancelled',
    ]);
  });

  it('falls back to a later shipment, or to no date, once an expected date passes without a receipt', async () => {
    const sku = (await makeProduct(t)).sku;
    await announce([{ sku, quantity: 2 }], '2026-12-04');
    const next = await announce([{ sku, quantity: 1 }], '2026-12-11');
    const first = await order(sku, 2);
    const second = await order(sku, 1);
    expect([first.promised_delivery_date, second.promised_delivery_date]).toEqual([
      '2026-12-09',
      '2026-12-16',
    ]);

    // Saturday 12-05 in New York: the Friday shipment is overdue.
    clock.set('2026-12-05T15:00:00Z');
    await t.app.services.backorders.run();
    const [f, s] = await Promise.all([orderOf(t, first.id), orderOf(t, second.id)]);
    // First in, first out: the first order now waits for the later shipment's one unit (and one more).
    expect([f.promised_delivery_date, incomingOf(f)]).toEqual([null, [[next.reference, '2026-12-11', 1]]]);
    expect([s.promised_delivery_date, incomingOf(s)]).toEqual([null, []]);
    expect(await promiseEvents(first.id)).toEqual([
      ['order.promise_changed', '2026-12-09', null, 'inbound_overdue'],
    ]);
    expect(await promiseEvents(second.id)).toEqual([
      ['order.promise_changed', '2026-12-16', null, 'queue_changed'],
    ]);
  });
});

describe('receipts serve the waiting orders first', () => {
  it('allocates waiting orders first in, first out, in the receipt’s transaction', async () => {
    const sku = (await makeProduct(t)).sku;
    const soon = await announce([{ sku, quantity: 4 }], '2026-12-04');
    const later = await announce([{ sku, quantity: 5 }], '2026-12-11');
    const w1 = await order(sku, 3, { placed_at: '2026-11-23T12:00:00Z' });
    const w2 = await order(sku, 2, { placed_at: '2026-11-23T13:00:00Z' });
    expect([w1.promised_delivery_date, w2.promised_delivery_date]).toEqual(['2026-12-09', '2026-12-16']);

    await received(soon.id, [{ sku, quantity: 4 }]);
    // No worker run needed: the receipt allocated them before it committed.
    const [r1, r2] = await Promise.all([orderOf(t, w1.id), orderOf(t, w2.id)]);
    expect(r1).toMatchObject({ status: 'allocated', lines: [{ allocated: 3, backordered: 0 }] });
    expect(r2).toMatchObject({
      status: 'backordered',
      lines: [{ allocated: 1, backordered: 1 }],
      promised_delivery_date: '2026-12-16',
    });
    expect(incomingOf(r2)).toEqual([[later.reference, '2026-12-11', 1]]);
    expect(await eventTypes(t, w1.id)).toContain('order.allocated');
    // The receipt's events come before the orders' allocations.
    const { rows } = await t.pool.query(
      `SELECT type FROM events WHERE resource_id = ANY($1) AND type IN ('inbound_shipment.receipt', 'order.allocated')
        ORDER BY sequence`,
      [[soon.id, w1.id]],
    );
    expect(rows.map((row) => row.type)).toEqual(['inbound_shipment.receipt', 'order.allocated']);

    // A new order finds nothing left to take.
    const late = await order(sku, 1);
    expect(late).toMatchObject({ status: 'backordered', lines: [{ allocated: 0 }] });
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('closing a shipment short takes the promise of the orders its missing units covered', async () => {
    const sku = (await makeProduct(t)).sku;
    const shipment = await announce([{ sku, quantity: 4 }], '2026-12-04');
    const w1 = await order(sku, 2, { placed_at: '2026-11-23T12:00:00Z' });
    const w2 = await order(sku, 2, { placed_at: '2026-11-23T13:00:00Z' });
    await received(shipment.id, [{ sku, quantity: 2 }], true);
    const [r1, r2] = await Promise.all([orderOf(t, w1.id), orderOf(t, w2.id)]);
    expect(r1.status).toBe('allocated');
    expect([r2.status, r2.promised_delivery_date, incomingOf(r2)]).toEqual(['backordered', null, []]);
    expect(await promiseEvents(w2.id)).toEqual([
      ['order.promise_changed', '2026-12-09', null, 'inbound_received'],
    ]);
  });

  it.each([1, 2, 3])(
    'a receipt racing captures of the same SKU gives the waiting order its units and oversells nothing (round %i)',
    async () => {
      // The waiting order wants 3 of `sku` (nothing on hand) and 1 of `other` (in stock); five new
      // orders want one of each. The receipt brings exactly 3.
      const sku = (await makeProduct(t)).sku;
      const other = (await makeProduct(t)).sku;
      // A level row for `sku` with nothing on it, for the gate to lock.
      await receive(t, [{ sku, location: dc, delta: 1 }]);
      await receive(t, [{ sku, location: dc, delta: -1 }]);
      await receive(t, [{ sku: other, location: dc, delta: 20 }]);
      await t.app.services.backorders.idle();
      const shipment = await announce([{ sku, quantity: 3 }], '2026-12-04');
      const waiting = await captureOrder(
        t,
        orderBody(channel, [
          { sku, quantity: 3 },
          { sku: other, quantity: 1 },
        ]),
      );
      expect(waiting).toMatchObject({ status: 'backordered', promised_delivery_date: '2026-12-09' });

      const gate = await lockGate(t.pool, {
        sql: `SELECT 1 FROM inventory_levels l JOIN products p ON p.id = l.product_id JOIN locations loc ON loc.id = l.location_id
               WHERE p.sku = $1 AND loc.code = $2 FOR UPDATE OF l`,
        params: [sku, dc],
      });
      const all = Promise.all([
        post(`/v1/inbound-shipments/${shipment.id}/receipts`, {
          reference: uniq('GRN'),
          lines: [{ sku, quantity: 3 }],
        }),
        ...Array.from({ length: 5 }, () =>
          postOrder(
            t,
            orderBody(channel, [
              { sku, quantity: 1 },
              { sku: other, quantity: 1 },
            ]),
          ),
        ),
      ]);
      await gate.queued(6);
      await gate.open();
      const [receipt, ...captures] = await all;
      expect(receipt?.statusCode, receipt?.body).toBe(201);
      expect(captures.map((res) => res.statusCode)).toEqual(Array(5).fill(201));
      const served = await orderOf(t, waiting.id);
      expect(served).toMatchObject({
        status: 'allocated',
        lines: [
          { sku, allocated: 3, backordered: 0 },
          { sku: other, allocated: 1 },
        ],
      });
      // Every new order waits for `sku`: the 3 units went to the order that waited for them.
      expect(captures.map((res) => res.json().lines[0].allocated)).toEqual([0, 0, 0, 0, 0]);
      const level = await t.pool.query(
        `SELECT l.on_hand, l.reserved FROM inventory_levels l JOIN products p ON p.id = l.product_id
           JOIN locations loc ON loc.id = l.location_id WHERE p.sku = $1 AND loc.code = $2`,
        [sku, dc],
      );
      expect(level.rows[0]).toEqual({ on_hand: 3, reserved: 3 });
      expect(await brokenInvariants(t.pool)).toEqual([]);
    },
  );
});

describe('PATCH /v1/inbound-shipments/{id}: bad input and security', () => {
  it('refuses junk with a 422 naming the field, and changes nothing', async () => {
    const sku = (await makeProduct(t)).sku;
    const shipment = await announce([{ sku, quantity: 1 }], '2026-12-04');
    for (const expected_date of ['soon', '2026-02-30', '2026-12-04T10:00:00Z', 20261204]) {
      expectInvalid(await patch(shipment.id, { expected_date }), ['/expected_date']);
    }
    expectInvalid(await patch(shipment.id, {}), ['/expected_date']);
    expectInvalid(await patch(shipment.id, { expected_date: '2026-12-05', supplier: 'Acme' }), ['/supplier']);
    expectInvalid(
      await t.request({
        method: 'PATCH',
        url: '/v1/inbound-shipments/not-a-uuid',
        payload: { expected_date: '2026-12-05' },
      }),
      ['/id'],
      'params',
    );
    const got = await t.request({ method: 'GET', url: `/v1/inbound-shipments/${shipment.id}` });
    expect(got.json()).toEqual(shipment);
  });

  it('answers 404 for an unknown shipment and 409 once it is received or cancelled', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    expectProblem(await patch(missing, { expected_date: '2026-12-05' }), 404, 'not_found');
    const sku = (await makeProduct(t)).sku;
    const done = await announce([{ sku, quantity: 1 }], '2026-12-04');
    await received(done.id, [{ sku, quantity: 1 }]);
    expect(expectProblem(await patch(done.id, { expected_date: '2026-12-05' }), 409).detail).toMatch(
      /received/,
    );
    const gone = await announce([{ sku, quantity: 1 }], '2026-12-04');
    expect((await post(`/v1/inbound-shipments/${gone.id}/cancel`)).statusCode).toBe(200);
    expectProblem(await patch(gone.id, { expected_date: '2026-12-05' }), 409);
  });

  it('needs a key with inventory:write', async () => {
    const sku = (await makeProduct(t)).sku;
    const shipment = await announce([{ sku, quantity: 1 }], '2026-12-04');
    expectProblem(await patch(shipment.id, { expected_date: '2026-12-05' }, null), 401);
    const reader = await t.keyWith(['inventory:read']);
    expectProblem(await patch(shipment.id, { expected_date: '2026-12-05' }, reader), 403, 'forbidden');
    const orders = await t.keyWith(['orders:read', 'orders:write']);
    expectProblem(await patch(shipment.id, { expected_date: '2026-12-05' }, orders), 403, 'forbidden');
    const writer = await t.keyWith(['inventory:write']);
    expect((await patch(shipment.id, { expected_date: '2026-12-05' }, writer)).statusCode).toBe(200);
  });
});
