import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FulfillmentReport } from '../../../src/modules/reports/period-reports.schemas.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { makeCarrier, makeChannel, nearAndFar, orderBody, stocked } from '../../helpers/factories.js';
import { captureReleased, orderOf, shipmentsOf } from '../../helpers/orders.js';
import { expectProblem } from '../../helpers/problems.js';

/**
 * Four orders captured at 14:00 UTC on March 2 (09:00 in New York), shipped 10, 20, 30 and 40 hours
 * later from the New Jersey location, three of them delivered 48, 72 and 96 hours after shipping;
 * the fourth is split, its second shipment (from Chicago) not shipped. So: capture -> shipped 10, 20,
 * 30, 40 h; shipped -> delivered 48, 72, 96 h; one shipment shipped by its ship_by day; one delivery
 * by its promised date; one split order of four; four lines of five shipped in full.
 */

const hour = 3_600_000;
const captured = Date.parse('2026-03-02T14:00:00Z');
const clock = testClock(captured);
let t: TestApp;
let channel: string;
let near: string;
let far: string;
let other: string;

const post = async (url: string, payload: object = {}) => {
  const res = await t.request({ method: 'POST', url, payload });
  expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(300);
  return res.json();
};

async function ship(shipmentId: string, afterHours: number) {
  clock.set(captured + afterHours * hour);
  await post(`/v1/shipments/${shipmentId}/pack`, { override: { reason: 'test' } });
  await post(`/v1/shipments/${shipmentId}/ship`);
}

const deliver = (shipmentId: string, at: number) =>
  post(`/v1/shipments/${shipmentId}/tracking`, {
    status: 'delivered',
    occurred_at: new Date(at).toISOString(),
  });

beforeAll(async () => {
  t = await createTestApp({ clock });
  channel = (await makeChannel(t)).code;
  other = (await makeChannel(t)).code;
  ({ near, far } = await nearAndFar(t, channel));
  await makeCarrier(t);
  const shirt = await stocked(t, { [near]: 100 });
  const mug = await stocked(t, { [far]: 100 });
  const orders = [];
  for (let i = 0; i < 3; i++) {
    orders.push(await captureReleased(t, orderBody(channel, [{ sku: shirt, quantity: 1 }])));
  }
  const split = await captureReleased(
    t,
    orderBody(channel, [
      { sku: shirt, quantity: 1 },
      { sku: mug, quantity: 1 },
    ]),
  );
  const shipments = [];
  for (const order of orders) {
    const [shipment] = await shipmentsOf(t, order.id);
    shipments.push(shipment);
  }
  const splitShipments = await shipmentsOf(t, split.id);
  expect(splitShipments.map((s) => s.location).sort()).toEqual([near, far].sort());
  const first = splitShipments.find((s) => s.location === near);
  for (const shipment of [...shipments, first]) {
    // Due out of New Jersey on March 2 (captured before the cut-off there), to arrive by March 5.
    expect(shipment).toMatchObject({ ship_by: '2026-03-02', promised_delivery_date: '2026-03-05' });
  }
  const [a, b, c] = shipments.map((s) => s?.id as string);
  await ship(a, 10); // 00:00 UTC March 3: 19:00 March 2 in New York, on time
  await ship(b, 20);
  await ship(first?.id as string, 30);
  await ship(c, 40);
  await deliver(a, captured + (10 + 48) * hour); // 00:00 UTC March 5: on the promised day
  await deliver(b, captured + (20 + 72) * hour);
  await deliver(c, captured + (40 + 96) * hour);
  expect((await orderOf(t, split.id)).status).toBe('partially_shipped');
  clock.set('2026-03-10T12:00:00Z');
});
afterAll(() => t.close());

async function report(query: string, key?: string): Promise<FulfillmentReport['summary'][number]> {
  const res = await t.request({
    method: 'GET',
    url: `/v1/reports/fulfillment?${query}`,
    ...(key ? { key } : {}),
  });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json() as FulfillmentReport;
  expect(body.summary).toHaveLength(1);
  return body.summary[0] as FulfillmentReport['summary'][number];
}

const everything = {
  shipments_shipped: 4,
  // percentile_cont: p50 of 10, 20, 30, 40 is 25; p90 is 30 + 0.7 × 10.
  ship_cycle_p50_hours: 25,
  ship_cycle_p90_hours: 37,
  shipped_on_time: 1,
  on_time_ship_rate: 0.25,
  shipments_delivered: 3,
  // p50 of 48, 72, 96 is 72; p90 is 72 + 0.8 × 24.
  delivery_p50_hours: 72,
  delivery_p90_hours: 91.2,
  delivered_with_promise: 3,
  delivered_on_time: 1,
  on_time_delivery_rate: 0.3333,
  orders_shipped: 4,
  split_orders: 1,
  split_shipment_rate: 0.25,
  lines: 5,
  lines_filled: 4,
  line_fill_rate: 0.8,
};

const nothing = {
  shipments_shipped: 0,
  ship_cycle_p50_hours: null,
  ship_cycle_p90_hours: null,
  shipped_on_time: 0,
  on_time_ship_rate: null,
  shipments_delivered: 0,
  delivery_p50_hours: null,
  delivery_p90_hours: null,
  delivered_with_promise: 0,
  delivered_on_time: 0,
  on_time_delivery_rate: null,
  orders_shipped: 0,
  split_orders: 0,
  split_shipment_rate: null,
  lines: 0,
  lines_filled: 0,
  line_fill_rate: null,
};

describe('the fulfillment report', () => {
  it('measures cycle times (p50, p90), on-time rates, split shipments and line fill', async () => {
    expect(await report('from=2026-03-01&to=2026-03-10')).toEqual(everything);
  });

  it('counts a shipment in the window it shipped in, a delivery in the window it arrived in', async () => {
    // Up to March 4 (UTC): all four shipped, nothing delivered yet (the first arrived at 00:00 March 5).
    expect(await report('from=2026-03-01&to=2026-03-04')).toMatchObject({
      shipments_shipped: 4,
      shipments_delivered: 0,
      delivery_p50_hours: null,
      on_time_delivery_rate: null,
      orders_shipped: 4,
    });
    // Up to March 4 in Los Angeles is up to 08:00 UTC on March 5: the first delivery is in.
    expect(await report('from=2026-03-01&to=2026-03-04&time_zone=America/Los_Angeles')).toMatchObject({
      shipments_delivered: 1,
      delivery_p50_hours: 48,
      delivery_p90_hours: 48,
      delivered_on_time: 1,
      on_time_delivery_rate: 1,
    });
    // March 3 alone (UTC): the shipments that left that day (10, 20 and 30 hours after capture)...
    expect(await report('from=2026-03-03&to=2026-03-03')).toMatchObject({
      shipments_shipped: 3,
      ship_cycle_p50_hours: 20,
      ship_cycle_p90_hours: 28,
      shipped_on_time: 1,
      // ...and no order placed that day.
      orders_shipped: 0,
      line_fill_rate: null,
    });
  });

  it('filters by location and by channel', async () => {
    // Nothing has left Chicago; the split order's Chicago shipment is still pending.
    expect(await report(`from=2026-03-01&to=2026-03-10&location=${far}`)).toEqual(nothing);
    expect(await report(`from=2026-03-01&to=2026-03-10&location=${near}`)).toEqual(everything);
    expect(await report(`from=2026-03-01&to=2026-03-10&channel=${channel}`)).toEqual(everything);
    expect(await report(`from=2026-03-01&to=2026-03-10&channel=${other}`)).toEqual(nothing);
  });

  it('shows a channel-bound key its channel only, and 404s another', async () => {
    const key = await t.keyWith(['orders:read'], other);
    expect(await report('from=2026-03-01&to=2026-03-10', key)).toEqual(nothing);
    expectProblem(
      await t.request({
        method: 'GET',
        url: `/v1/reports/fulfillment?from=2026-03-01&to=2026-03-10&channel=${channel}`,
        key,
      }),
      404,
      'not_found',
    );
  });

  it('answers its one row as CSV', async () => {
    const res = await t.request({
      method: 'GET',
      url: '/v1/reports/fulfillment?from=2026-03-01&to=2026-03-10',
      headers: { accept: 'text/csv' },
    });
    const rows = parse(res.body, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0] ?? {})).toEqual(Object.keys(everything));
    expect(Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v)]))).toEqual(
      everything,
    );
  });
});
