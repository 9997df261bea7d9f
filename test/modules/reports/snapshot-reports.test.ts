import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  BacklogReport,
  HoldsReport,
  InventoryReport,
} from '../../../src/modules/reports/snapshot-reports.schemas.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import {
  makeCarrier,
  makeChannel,
  makeLocation,
  makeProduct,
  nearAndFar,
  orderBody,
  receive,
  stocked,
} from '../../helpers/factories.js';
import { captureOrder, captureReleased, orderOf } from '../../helpers/orders.js';
import { expectProblem } from '../../helpers/problems.js';

/**
 * The reports of the present moment, over a world built at known times before "now" (12:00 UTC on
 * March 10): open orders of every age and service level at two locations and none, holds of known
 * ages, and stock levels with a stock-out, a level under its reorder point and feeds of known times.
 */

const hour = 3_600_000;
const now = Date.parse('2026-03-10T12:00:00Z');
const clock = testClock(now);
let t: TestApp;
let web: string;
let pos: string;
let near: string;
let far: string;
let store: string;
let low: string;
let reorder: string;

const at = (hoursAgo: number) => clock.set(now - hoursAgo * hour);

beforeAll(async () => {
  t = await createTestApp({ clock });
  web = (await makeChannel(t, { default_safety_stock: 2, allow_backorders: true })).code;
  pos = (await makeChannel(t)).code;
  ({ near, far } = await nearAndFar(t, web));
  store = (await makeLocation(t, { channels: [pos] })).code;
  await makeCarrier(t, {}, ['standard', 'express', 'same_day']);
  at(50);
  low = (await makeProduct(t)).sku;
  await receive(t, [{ sku: low, location: store, delta: 5 }]);
  at(3);
  await receive(t, [{ sku: low, location: near, delta: 2 }]); // 2 on hand, 2 of safety stock: nothing for web
  const shirt = await stocked(t, { [near]: 100 });
  const mug = await stocked(t, { [far]: 100 });
  reorder = await stocked(t, { [near]: 10 });
  const points = await t.request({
    method: 'PUT',
    url: '/v1/inventory/reorder-points',
    payload: { items: [{ sku: reorder, location: near, reorder_point: 20 }] },
  });
  expect(points.statusCode, points.body).toBe(200);
  const nothing = (await makeProduct(t)).sku;
  const pending = { payment: { status: 'pending', amount: 1500, method: 'card' } };

  at(2);
  await captureReleased(t, orderBody(web, [{ sku: shirt, quantity: 1 }]));
  at(48);
  await captureReleased(
    t,
    orderBody(web, [{ sku: shirt, quantity: 1 }], { shipping: { service_level: 'express', amount: 500 } }),
  );
  at(120);
  const held = await captureOrder(t, orderBody(web, [{ sku: shirt, quantity: 1 }], pending));
  expect((await orderOf(t, held.id)).status).toBe('on_hold');
  at(240);
  const backordered = await captureOrder(
    t,
    orderBody(web, [{ sku: nothing, quantity: 1 }], { shipping: { service_level: 'same_day', amount: 500 } }),
  );
  expect((await orderOf(t, backordered.id)).status).toBe('backordered');
  at(24);
  await captureReleased(
    t,
    orderBody(web, [
      { sku: shirt, quantity: 1 },
      { sku: mug, quantity: 1 },
    ]),
  );
  at(1);
  await captureOrder(t, orderBody(web, [{ sku: shirt, quantity: 1 }], pending));
  const cancelled = await captureOrder(t, orderBody(web, [{ sku: shirt, quantity: 1 }]));
  await t.request({ method: 'POST', url: `/v1/orders/${cancelled.id}/cancel`, payload: { reason: 'test' } });
  clock.set(now);
});
afterAll(() => t.close());

async function report<T>(name: string, query = '', key?: string): Promise<T> {
  const res = await t.request({
    method: 'GET',
    url: `/v1/reports/${name}?${query}`,
    ...(key ? { key } : {}),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const buckets = (under: number, one: number, three: number, seven: number) => ({
  under_1_day: under,
  days_1_to_3: one,
  days_3_to_7: three,
  over_7_days: seven,
  total: under + one + three + seven,
});

describe('the backlog report', () => {
  it('counts open orders per location by age, expedited service levels apart; a split order at each location', async () => {
    const body = await report<BacklogReport>('backlog');
    expect(body.generated_at).toBe('2026-03-10T12:00:00.000Z');
    const rows = [
      { location: near, service_level: 'standard', expedited: false, ...buckets(2, 1, 1, 0) },
      { location: near, service_level: 'express', expedited: true, ...buckets(0, 1, 0, 0) },
      { location: far, service_level: 'standard', expedited: false, ...buckets(0, 1, 0, 0) },
    ].sort((a, b) => a.location.localeCompare(b.location));
    expect(body.by_location).toEqual([
      ...rows,
      // Backordered with nothing reserved: no location yet.
      { location: null, service_level: 'same_day', expedited: true, ...buckets(0, 0, 0, 1) },
    ]);
    expect(body.totals).toEqual([
      { service_level: 'standard', expedited: false, ...buckets(2, 1, 1, 0) },
      { service_level: 'express', expedited: true, ...buckets(0, 1, 0, 0) },
      { service_level: 'same_day', expedited: true, ...buckets(0, 0, 0, 1) },
    ]);
  });

  it('ages orders as time passes, and filters by location and channel', async () => {
    clock.set(now + 24 * hour);
    try {
      const later = await report<BacklogReport>('backlog', `location=${far}`);
      expect(later.by_location).toEqual([
        { location: far, service_level: 'standard', expedited: false, ...buckets(0, 1, 0, 0) },
      ]);
      expect(later.totals).toEqual([{ service_level: 'standard', expedited: false, ...buckets(0, 1, 0, 0) }]);
      const atNear = await report<BacklogReport>('backlog', `location=${near}`);
      // A day later: 26 h, 25 h and 48 h old, one 144 h; the express one is exactly 72 h old.
      expect(atNear.totals).toEqual([
        { service_level: 'standard', expedited: false, ...buckets(0, 3, 1, 0) },
        { service_level: 'express', expedited: true, ...buckets(0, 0, 1, 0) },
      ]);
    } finally {
      clock.set(now);
    }
    const posOnly = await report<BacklogReport>('backlog', `channel=${pos}`);
    expect(posOnly).toMatchObject({ by_location: [], totals: [] });
  });

  it('answers CSV with the expedited flag as true/false and no location as an empty field', async () => {
    const res = await t.request({
      method: 'GET',
      url: '/v1/reports/backlog',
      headers: { accept: 'text/csv' },
    });
    const rows = parse(res.body) as string[][];
    expect(rows[0]).toEqual([
      'location',
      'service_level',
      'expedited',
      'under_1_day',
      'days_1_to_3',
      'days_3_to_7',
      'over_7_days',
      'total',
    ]);
    expect(rows.at(-1)).toEqual(['', 'same_day', 'true', '0', '0', '0', '1', '1']);
  });
});

describe('the holds report', () => {
  it('lists every queue with its SLA, open holds, age p50 / max and how many are past the SLA', async () => {
    const body = await report<HoldsReport>('holds');
    const payments = body.by_queue.find((row) => row.queue === 'payments');
    // Payment holds 120 h and 1 h old, against a 4-hour SLA.
    expect(payments).toEqual({
      queue: 'payments',
      sla_hours: 4,
      open_holds: 2,
      past_sla: 1,
      age_p50_hours: 60.5,
      age_max_hours: 120,
    });
    expect(body.by_queue.map((row) => [row.queue, row.sla_hours])).toEqual(
      expect.arrayContaining([
        ['address_review', 8],
        ['credit', 24],
        ['customer_service', 24],
        ['fraud_review', 4],
        ['inventory', 24],
        ['returns', 48],
        ['routing_review', 4],
      ]),
    );
    const empty = body.by_queue.find((row) => row.queue === 'fraud_review');
    expect(empty).toEqual({
      queue: 'fraud_review',
      sla_hours: 4,
      open_holds: 0,
      past_sla: 0,
      age_p50_hours: null,
      age_max_hours: null,
    });
    expect(body.by_queue.map((row) => row.queue)).toEqual([...body.by_queue.map((row) => row.queue)].sort());
  });

  it('filters by channel and location, and keeps a channel-bound key to its channel', async () => {
    const atFar = await report<HoldsReport>('holds', `location=${far}`);
    expect(atFar.by_queue.every((row) => row.open_holds === 0)).toBe(true);
    const atNear = await report<HoldsReport>('holds', `location=${near}`);
    expect(atNear.by_queue.find((row) => row.queue === 'payments')?.open_holds).toBe(2);
    const posKey = await t.keyWith(['orders:read'], pos);
    const own = await report<HoldsReport>('holds', '', posKey);
    expect(own.filters.channel).toBe(pos);
    expect(own.by_queue.every((row) => row.open_holds === 0)).toBe(true);
    expectProblem(
      await t.request({ method: 'GET', url: `/v1/reports/holds?channel=${web}`, key: posKey }),
      404,
      'not_found',
    );
  });
});

describe('the inventory report', () => {
  it('lists stock-outs per channel, levels under their reorder point and each location’s last feed', async () => {
    const body = await report<InventoryReport>('inventory');
    expect(body.stock_outs).toEqual([
      { sku: low, location: near, channel: web, on_hand: 2, reserved: 0, unsellable: 0, safety_stock: 2 },
    ]);
    expect(body.below_reorder_point).toEqual([
      { sku: reorder, location: near, on_hand: 10, reorder_point: 20, shortfall: 10 },
    ]);
    const feed = (hoursAgo: number) => ({
      last_feed_at: new Date(now - hoursAgo * hour).toISOString(),
      hours_since_feed: hoursAgo,
    });
    expect(body.by_location).toEqual(
      [
        { location: near, sku_locations: 3, stock_outs: 1, below_reorder_point: 1, ...feed(3) },
        { location: far, sku_locations: 1, stock_outs: 0, below_reorder_point: 0, ...feed(3) },
        { location: store, sku_locations: 1, stock_outs: 0, below_reorder_point: 0, ...feed(50) },
      ].sort((a, b) => a.location.localeCompare(b.location)),
    );
  });

  it('scopes to the locations that serve the channel, and to one location', async () => {
    const posOnly = await report<InventoryReport>('inventory', `channel=${pos}`);
    expect(posOnly.by_location.map((row) => row.location)).toEqual([store]);
    expect(posOnly).toMatchObject({ stock_outs: [], below_reorder_point: [] });
    const atNear = await report<InventoryReport>('inventory', `location=${near}`);
    expect(atNear.by_location.map((row) => row.location)).toEqual([near]);
    expect(atNear.stock_outs.map((row) => row.sku)).toEqual([low]);
    expect(atNear.below_reorder_point.map((row) => row.sku)).toEqual([reorder]);
    const posKey = await t.keyWith(['orders:read'], pos);
    expect(
      (await report<InventoryReport>('inventory', '', posKey)).by_location.map((row) => row.location),
    ).toEqual([store]);
  });

  it('answers each table as CSV', async () => {
    const res = await t.request({
      method: 'GET',
      url: '/v1/reports/inventory?table=below_reorder_point',
      headers: { accept: 'text/csv' },
    });
    expect(parse(res.body, { columns: true })).toEqual([
      { sku: reorder, location: near, on_hand: '10', reorder_point: '20', shortfall: '10' },
    ]);
  });
});
