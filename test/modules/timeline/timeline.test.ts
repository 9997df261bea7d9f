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
import { captureOrder, settleReleaser, shipmentsOf } from '../../helpers/orders.js';
import { expectProblem } from '../../helpers/problems.js';
import { sequenceAll } from '../../helpers/sequencer.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const returnPolicy = {
  return_window_days: 30,
  non_returnable_tags: [],
  review_reasons: [],
  restocking_fee_percent: {},
  refund_shipping: 'never',
  exchange_release: 'on_receipt',
};

interface Actor {
  type: string;
  id: string | null;
  name: string;
  request_id: string | null;
}

interface Entry {
  id: string;
  sequence: number | null;
  type: string;
  resource_type: string;
  resource_id: string;
  occurred_at: string;
  actor: Actor;
  summary: string;
  data: Record<string, unknown>;
}

interface Timeline {
  order: { id: string; number: number; channel: string; status: string };
  data: Entry[];
  next_cursor: string | null;
}

/** A request that must succeed; `key` defaults to the admin key. */
async function call(
  method: 'GET' | 'POST',
  url: string,
  options: { key?: string; payload?: object; requestId?: string } = {},
) {
  const res = await t.request({
    method,
    url,
    ...(options.key ? { key: options.key } : {}),
    ...(options.payload ? { payload: options.payload } : {}),
    headers: options.requestId ? { 'x-request-id': options.requestId } : {},
  });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.json();
}

const timelineOf = (order: string | number, options: { key?: string; query?: string } = {}) =>
  call('GET', `/v1/orders/${order}/timeline${options.query ?? ''}`, {
    key: options.key,
  }) as Promise<Timeline>;

/** A key's actor as a request made with it (and `requestId`) records it. */
async function keyActor(name: string, requestId: string | null): Promise<Actor> {
  const { rows } = await t.pool.query('SELECT id FROM api_keys WHERE name = $1', [name]);
  expect(rows, `one key named ${name}`).toHaveLength(1);
  return { type: 'api_key', id: rows[0].id, name, request_id: requestId };
}

const worker = (name: string): Actor => ({ type: 'system', id: null, name, request_id: null });

/** The admin key createTestApp made, as an actor of a request with any request id. */
const admin = async (): Promise<Actor> => ({
  ...(await keyActor('bootstrap', null)),
  request_id: expect.any(String) as unknown as string,
});

describe('GET /v1/orders/{id}/timeline', () => {
  let channel: string;
  let location: string;
  let sku: string;
  /** Keys named after what they are for, so the actors read like the story. */
  let storefront: string;
  let warehouse: string;
  let storefrontName: string;
  let warehouseName: string;

  beforeAll(async () => {
    channel = (await makeChannel(t, { return_policy: returnPolicy })).code;
    location = (await makeLocation(t, { code: uniq('NJ-DC') })).code;
    await makeCarrier(t, { code: uniq('ups') });
    sku = await stocked(t, { [location]: 50 });
    storefrontName = uniq('storefront');
    warehouseName = uniq('warehouse');
    storefront = (
      await call('POST', '/v1/api-keys', {
        payload: { name: storefrontName, scopes: ['orders:write', 'orders:read', 'returns:write'], channel },
      })
    ).secret;
    warehouse = (
      await call('POST', '/v1/api-keys', {
        payload: { name: warehouseName, scopes: ['fulfillment:write', 'returns:write', 'orders:read'] },
      })
    ).secret;
  });

  /** Captures an order with the storefront key (request `requestId`) and lets the release worker release it. */
  async function capturedAndReleased(requestId: string, quantity = 2) {
    const body = orderBody(channel, [{ sku, quantity, unit_price: 1999 }], {
      payment: { status: 'captured', amount: 1999 * quantity + 500, method: 'card' },
    });
    const order = await call('POST', '/v1/orders', { key: storefront, payload: body, requestId });
    await settleReleaser(t);
    return order;
  }

  it('tells an order’s story from capture to refund, oldest first, with who did each step', async () => {
    const order = await capturedAndReleased('req-capture');
    const [shipment] = await shipmentsOf(t, order.id);
    const byWarehouse = { key: warehouse, requestId: 'req-warehouse' };
    const pickList = await call('POST', `/v1/locations/${location}/pick-lists`, {
      ...byWarehouse,
      payload: {},
    });
    await call('POST', `/v1/pick-lists/${pickList.id}/confirm`, { ...byWarehouse, payload: {} });
    for (const _unit of [1, 2]) {
      await call('POST', `/v1/shipments/${shipment?.id}/scan`, { ...byWarehouse, payload: { barcode: sku } });
    }
    await call('POST', `/v1/shipments/${shipment?.id}/pack`, { ...byWarehouse, payload: {} });
    const shipped = await call('POST', `/v1/shipments/${shipment?.id}/ship`, byWarehouse);
    await call('POST', `/v1/shipments/${shipment?.id}/tracking`, {
      ...byWarehouse,
      payload: { status: 'delivered', location: 'New York, NY' },
    });
    const ret = await call('POST', `/v1/orders/${order.id}/returns`, {
      key: storefront,
      requestId: 'req-return',
      payload: { lines: [{ line_id: order.lines[0].id, quantity: 1, reason: 'size_or_fit' }] },
    });
    await call('POST', `/v1/returns/${ret.id}/receive`, {
      ...byWarehouse,
      payload: { location, lines: [{ sku, quantity: 1, condition: 'sellable' }] },
    });
    const refund = (await call('POST', `/v1/returns/${ret.id}/refund`)).refunds[0];
    await call('POST', `/v1/refunds/${refund.id}/confirm`, { payload: { external_reference: 're_42' } });

    const timeline = await timelineOf(order.id, { key: storefront });
    expect(timeline.order).toEqual({
      id: order.id,
      number: order.number,
      channel,
      status: 'partially_returned',
    });
    expect(timeline.next_cursor).toBeNull();

    const shop = await keyActor(storefrontName, 'req-capture');
    const floor = await keyActor(warehouseName, 'req-warehouse');
    const back = await admin();
    const s = shipment?.id;
    const n = order.number;
    const ups = shipped.carrier;
    const story: Array<[string, string, Actor, string]> = [
      ['order.created', order.id, shop, `Order ${n} captured from ${channel}: 2 × ${sku}, 44.98 USD`],
      [
        'order.routed',
        order.id,
        shop,
        `Routed to ${location} (1 shipment) by rule "fallback": ${location} is the only plan that ships everything`,
      ],
      ['order.allocated', order.id, shop, `Allocated: 2 units at ${location}`],
      [
        'shipment.created',
        s,
        worker('release'),
        `Shipment ${n}-1 created at ${location}: 2 × ${sku}, ship by ${shipment?.ship_by}`,
      ],
      ['order.released', order.id, worker('release'), `Released to ${location} as 1 shipment`],
      ['shipment.picking', s, floor, `Shipment ${n}-1 on pick list ${pickList.id}, tote 1`],
      ['shipment.packed', s, floor, `Shipment ${n}-1 packed for ${ups} ground`],
      [
        'shipment.shipped',
        s,
        floor,
        `Shipment ${n}-1 shipped from ${location} by ${ups} ground, tracking ${shipped.tracking_number}`,
      ],
      ['order.shipped', order.id, floor, `Order ${n} shipped: all 2 units left`],
      ['shipment.delivered', s, floor, `Shipment ${n}-1 delivered at New York, NY`],
      ['order.delivered', order.id, floor, `Order ${n} delivered: every parcel arrived`],
      [
        'return.requested',
        ret.id,
        { ...shop, request_id: 'req-return' },
        `Return ${ret.number} requested by the customer: 1 × ${sku} (size_or_fit)`,
      ],
      ['return.authorized', ret.id, { ...shop, request_id: 'req-return' }, `Return ${ret.number} authorized`],
      ['return.received', ret.id, floor, `Return ${ret.number} received at ${location}: 1 × ${sku} sellable`],
      ['order.updated', order.id, floor, `Order ${n} partially returned: 1 of 2 shipped units`],
      [
        'refund.requested',
        refund.id,
        back,
        `Refund of 19.99 USD requested for order ${n}: the payment system should pay it`,
      ],
      [
        'return.refunded',
        ret.id,
        back,
        `Return ${ret.number} refunded: 19.99 USD confirmed by the payment system`,
      ],
    ];
    expect(timeline.data.map((e) => [e.type, e.resource_id, e.actor, e.summary])).toEqual(story);
    expect(timeline.data.map((e) => e.resource_type)).toEqual(
      story.map(([type]) => (type.startsWith('refund.') ? 'refund' : type.split('.')[0])),
    );

    // Each entry is the stored event: its id, time and data; oldest first, in the order they were written.
    const { rows } = await t.pool.query(
      `SELECT id, occurred_at, data FROM events WHERE id = ANY($1::uuid[]) ORDER BY sequence`,
      [timeline.data.map((e) => e.id)],
    );
    expect(timeline.data.map((e) => e.id)).toEqual(rows.map((r) => r.id));
    expect(timeline.data.map((e) => e.occurred_at)).toEqual(rows.map((r) => r.occurred_at.toISOString()));
    expect(timeline.data.map((e) => e.data)).toEqual(rows.map((r) => r.data));
  });

  it('shows holds and the release of a hold, and the worker that filled a backorder', async () => {
    const backorders = (await makeChannel(t, { allow_backorders: true })).code;
    const scarce = await stocked(t, {});
    const key = await t.keyWith(['orders:write', 'orders:read'], backorders);
    const body = orderBody(backorders, [{ sku: scarce, quantity: 1, unit_price: 1000 }], {
      payment: { status: 'pending', amount: 1500, method: 'card' },
    });
    const order = await call('POST', '/v1/orders', { key, payload: body });
    await call('POST', `/v1/orders/${order.id}/payment`, {
      key,
      payload: { status: 'captured', amount: 1500 },
    });
    await receive(t, [{ sku: scarce, location, delta: 3 }]);
    await t.app.services.backorders.idle();

    const timeline = await timelineOf(order.number, { key });
    const by = (await t.pool.query('SELECT name FROM api_keys ORDER BY created_at DESC LIMIT 1')).rows[0]
      .name;
    expect(timeline.data.map((e) => `${e.actor.name}: ${e.summary}`)).toEqual([
      `${by}: Order ${order.number} captured from ${backorders}: 1 × ${scarce}, 15.00 USD`,
      `${by}: Hold opened: payment (payments queue) — payment is pending`,
      `${by}: Payment captured: 15.00 USD`,
      `${by}: Hold released: payment (payments queue) — resolved automatically: the check now passes`,
      `${by}: Backordered: waiting for 1 × ${scarce}`,
      `backorders: Routed to ${location} (1 shipment) by rule "fallback": ${location} is the only plan that ships everything`,
      `backorders: Allocated: 1 unit at ${location}`,
    ]);
    expect(timeline.data.find((e) => e.type === 'order.allocated')?.actor).toEqual(worker('backorders'));
  });

  it('numbers entries once the sequencer has numbered their events, as the feed does', async () => {
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    const before = await timelineOf(order.id);
    expect(before.data.length).toBeGreaterThan(0);
    expect(before.data.every((e) => e.sequence === null)).toBe(true);

    await t.app.services.releaser.idle(); // usually the nudged release's events are in by now
    await sequenceAll(t);
    const after = await timelineOf(order.id);
    // The same entries, in the same order. The release a capture nudges may add more after them, at
    // any moment, so those may or may not be numbered yet.
    const earlier = after.data.slice(0, before.data.length);
    expect(earlier.map((e) => e.id)).toEqual(before.data.map((e) => e.id));
    const feed = await call('GET', '/v1/events?after=0&limit=500');
    const positions = new Map(feed.data.map((e: { id: string; sequence: number }) => [e.id, e.sequence]));
    expect(earlier.map((e) => e.sequence)).toEqual(earlier.map((e) => positions.get(e.id)));
    const later = after.data.slice(before.data.length).filter((e) => e.sequence !== null);
    expect(later.map((e) => e.sequence)).toEqual(later.map((e) => positions.get(e.id)));
  });

  it('pages with limit and cursor, and holds only this order’s events', async () => {
    const order = await capturedAndReleased(uniq('req'));
    const other = await capturedAndReleased(uniq('req'));
    const whole = await timelineOf(order.id);
    expect(whole.data.length).toBeGreaterThanOrEqual(5);
    const first = await timelineOf(order.id, { query: '?limit=2' });
    expect(first.data.map((e) => e.id)).toEqual(whole.data.slice(0, 2).map((e) => e.id));
    expect(first.next_cursor).toEqual(expect.any(String));
    const rest = await timelineOf(order.id, { query: `?limit=500&cursor=${first.next_cursor}` });
    expect(rest.data.map((e) => e.id)).toEqual(whole.data.slice(2).map((e) => e.id));
    expect(rest.next_cursor).toBeNull();

    const others = new Set((await timelineOf(other.id)).data.map((e) => e.id));
    expect(whole.data.some((e) => others.has(e.id))).toBe(false);
    expect(new Set(whole.data.map((e) => e.resource_id))).toEqual(
      new Set([order.id, ...(await shipmentsOf(t, order.id)).map((s) => s.id)]),
    );
  });

  it('is a 404 for another channel’s key, an unknown order and an unknown number', async () => {
    const order = await capturedAndReleased(uniq('req'));
    const otherChannel = (await makeChannel(t)).code;
    const stranger = await t.keyWith(['orders:read'], otherChannel);
    for (const url of [`/v1/orders/${order.id}/timeline`, `/v1/orders/${order.number}/timeline`]) {
      expectProblem(await t.request({ method: 'GET', url, key: stranger }), 404, 'not_found');
    }
    const unknown = '00000000-0000-4000-8000-000000000000';
    expectProblem(
      await t.request({ method: 'GET', url: `/v1/orders/${unknown}/timeline` }),
      404,
      'not_found',
    );
    expectProblem(await t.request({ method: 'GET', url: '/v1/orders/999999999/timeline' }), 404, 'not_found');
  });

  it('needs a key with orders:read, and a valid id and cursor', async () => {
    const order = await capturedAndReleased(uniq('req'));
    const url = `/v1/orders/${order.id}/timeline`;
    expectProblem(await t.request({ method: 'GET', url, key: null }), 401, 'unauthorized');
    const writer = await t.keyWith(['fulfillment:write']);
    expectProblem(await t.request({ method: 'GET', url, key: writer }), 403, 'forbidden');
    expectProblem(
      await t.request({ method: 'GET', url: '/v1/orders/not-an-id/timeline' }),
      422,
      'validation_failed',
    );
    expectProblem(await t.request({ method: 'GET', url: `${url}?cursor=nope` }), 422, 'validation_failed');
  });
});
