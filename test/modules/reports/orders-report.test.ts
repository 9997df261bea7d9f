import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrdersReport } from '../../../src/modules/reports/period-reports.schemas.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { makeCarrier, makeChannel, makeLocation, orderBody, stocked, uniq } from '../../helpers/factories.js';
import { captureOrder } from '../../helpers/orders.js';
import { expectInvalid, expectProblem } from '../../helpers/problems.js';
import { databaseDigest } from '../../helpers/world.js';

/**
 * A small known world: five orders in the window (two channels, two currencies, one cancelled with a
 * reason that needs CSV quoting) and one before it, all allocated and kept from release, so every
 * number of the orders report is known. Also every request a client can get wrong, and the formats.
 */

let t: TestApp;
const clock = testClock('2026-03-10T12:00:00Z');
let web: string;
let market: string;
let east: string;
let west: string;
const reason = 'customer changed their mind, "twice"\nreally';

beforeAll(async () => {
  t = await createTestApp({ clock });
  // Codes sort market before web; a day's release delay keeps every order allocated.
  market = (await makeChannel(t, { code: uniq('market'), release_delay_minutes: 1440 })).code;
  web = (await makeChannel(t, { code: uniq('web'), release_delay_minutes: 1440 })).code;
  east = (await makeLocation(t)).code;
  west = (await makeLocation(t)).code;
  await makeCarrier(t);
  const shirt = await stocked(t, { [east]: 100 });
  const mug = await stocked(t, { [west]: 100 });
  const order = (
    channel: string,
    sku: string,
    quantity: number,
    price: number,
    fields: Record<string, unknown>,
  ) => captureOrder(t, orderBody(channel, [{ sku, quantity, unit_price: price }], fields));
  // New York is 5 hours behind UTC in March (before the DST change on the 8th).
  await order(web, shirt, 2, 1000, { placed_at: '2026-03-01T03:30:00Z' }); // 2500, Feb 28 in New York
  await order(web, shirt, 1, 1000, { placed_at: '2026-03-01T12:00:00Z' }); // 1500
  await order(web, shirt, 1, 2000, {
    placed_at: '2026-03-02T10:00:00Z',
    currency: 'EUR',
    payment: { status: 'captured', amount: 2500, method: 'card' },
  }); // 2500 EUR
  await order(market, mug, 1, 1000, { placed_at: '2026-03-01T12:00:00Z' }); // 1500, at the west location
  const cancelled = await order(web, shirt, 1, 1000, { placed_at: '2026-03-02T23:30:00Z' }); // 1500
  await order(web, shirt, 1, 1000, { placed_at: '2026-02-20T12:00:00Z' }); // before every window here
  const res = await t.request({
    method: 'POST',
    url: `/v1/orders/${cancelled.id}/cancel`,
    payload: { reason },
  });
  expect(res.statusCode, res.body).toBe(200);
});
afterAll(() => t.close());

const get = (query: string, options: { key?: string; accept?: string } = {}) =>
  t.request({
    method: 'GET',
    url: `/v1/reports/orders?${query}`,
    ...(options.key ? { key: options.key } : {}),
    ...(options.accept ? { headers: { accept: options.accept } } : {}),
  });

async function report(query: string, key?: string): Promise<OrdersReport> {
  const res = await get(query, key ? { key } : {});
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const march = 'from=2026-03-01&to=2026-03-02';

describe('the orders report', () => {
  it('counts orders and revenue per day × channel × status × currency, days in UTC by default', async () => {
    const body = await report(march);
    expect(body).toMatchObject({
      report: 'orders',
      generated_at: '2026-03-10T12:00:00.000Z',
      filters: { from: '2026-03-01', to: '2026-03-02', time_zone: 'UTC', channel: null, location: null },
    });
    expect(body.by_day).toEqual([
      { day: '2026-03-01', channel: market, status: 'allocated', currency: 'USD', orders: 1, revenue: 1500 },
      { day: '2026-03-01', channel: web, status: 'allocated', currency: 'USD', orders: 2, revenue: 4000 },
      { day: '2026-03-02', channel: web, status: 'allocated', currency: 'EUR', orders: 1, revenue: 2500 },
      { day: '2026-03-02', channel: web, status: 'cancelled', currency: 'USD', orders: 1, revenue: 1500 },
    ]);
    expect(body.cancellations).toEqual([{ reason, currency: 'USD', orders: 1, revenue: 1500 }]);
    // Amounts per currency, never added across them.
    expect(body.totals).toEqual([
      { currency: 'EUR', orders: 1, revenue: 2500, cancelled_orders: 0, cancelled_revenue: 0 },
      { currency: 'USD', orders: 4, revenue: 5500, cancelled_orders: 1, cancelled_revenue: 1500 },
    ]);
  });

  it('counts days from midnight to midnight in the time zone asked for', async () => {
    const body = await report('from=2026-02-28&to=2026-03-02&time_zone=America/New_York');
    expect(body.filters.time_zone).toBe('America/New_York');
    expect(body.by_day.map((row) => [row.day, row.channel, row.status, row.currency, row.orders])).toEqual([
      ['2026-02-28', web, 'allocated', 'USD', 1],
      ['2026-03-01', market, 'allocated', 'USD', 1],
      ['2026-03-01', web, 'allocated', 'USD', 1],
      ['2026-03-02', web, 'allocated', 'EUR', 1],
      ['2026-03-02', web, 'cancelled', 'USD', 1],
    ]);
    // The same two days in New York leave out the order placed at 22:30 on Feb 28 there.
    const two = await report(`${march}&time_zone=America/New_York`);
    expect(two.totals).toEqual([
      { currency: 'EUR', orders: 1, revenue: 2500, cancelled_orders: 0, cancelled_revenue: 0 },
      { currency: 'USD', orders: 3, revenue: 3000, cancelled_orders: 1, cancelled_revenue: 1500 },
    ]);
  });

  it('defaults to the last 30 days, today included, in the time zone', async () => {
    const body = await report('time_zone=Pacific/Kiritimati');
    // 12:00 UTC on March 10 is already March 11 at UTC+14.
    expect(body.filters).toMatchObject({ from: '2026-02-10', to: '2026-03-11' });
    expect(body.totals.find((row) => row.currency === 'USD')?.orders).toBe(5);
  });

  it('filters by channel and by location (orders with units reserved or a shipment there)', async () => {
    const onlyMarket = await report(`${march}&channel=${market}`);
    expect(onlyMarket.filters.channel).toBe(market);
    expect(onlyMarket.by_day).toEqual([
      { day: '2026-03-01', channel: market, status: 'allocated', currency: 'USD', orders: 1, revenue: 1500 },
    ]);
    const atWest = await report(`${march}&location=${west}`);
    expect(atWest.by_day.map((row) => row.channel)).toEqual([market]);
    // The cancelled order released its units: it has no work at the east location any more.
    const atEast = await report(`${march}&location=${east}`);
    expect(atEast.by_day.map((row) => [row.day, row.status, row.currency, row.orders])).toEqual([
      ['2026-03-01', 'allocated', 'USD', 2],
      ['2026-03-02', 'allocated', 'EUR', 1],
    ]);
    expect(atEast.cancellations).toEqual([]);
  });
});

describe('CSV', () => {
  it('answers the first table as RFC 4180 CSV when Accept asks for text/csv, parsing back to the JSON numbers', async () => {
    const json = await report(march);
    const res = await get(march, { accept: 'text/csv' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
    expect(res.headers.vary).toMatch(/accept/i);
    expect(res.headers['content-disposition']).toBe(
      'attachment; filename="orders-by_day-2026-03-01-2026-03-02.csv"',
    );
    expect(res.body.split('\r\n')[0]).toBe('day,channel,status,currency,orders,revenue');
    expect(res.body.endsWith('\r\n')).toBe(true);
    const rows = parse(res.body, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((row) => ({ ...row, orders: Number(row.orders), revenue: Number(row.revenue) }))).toEqual(
      json.by_day,
    );
  });

  it('answers the table `table` names, quoting fields with commas, quotes and line breaks', async () => {
    const res = await get(`${march}&table=cancellations`, { accept: 'text/csv' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(
      `reason,currency,orders,revenue\r\n"customer changed their mind, ""twice""\nreally",USD,1,1500\r\n`,
    );
    expect(parse(res.body, { columns: true })).toEqual([
      { reason, currency: 'USD', orders: '1', revenue: '1500' },
    ]);
    const totals = await get(`${march}&table=totals`, { accept: 'text/csv' });
    expect(parse(totals.body)).toEqual([
      ['currency', 'orders', 'revenue', 'cancelled_orders', 'cancelled_revenue'],
      ['EUR', '1', '2500', '0', '0'],
      ['USD', '4', '5500', '1', '1500'],
    ]);
  });

  it('writes a header even when a table is empty', async () => {
    const res = await get('from=2025-01-01&to=2025-01-31&table=cancellations', { accept: 'text/csv' });
    expect(res.body).toBe('reason,currency,orders,revenue\r\n');
  });

  it.each([
    [undefined, 'json'],
    ['application/json', 'json'],
    ['text/csv', 'csv'],
    ['text/*', 'csv'],
    ['*/*', 'json'],
    ['text/csv;q=0.5, application/json', 'json'],
    ['application/json;q=0.1, text/csv', 'csv'],
    ['text/html, text/csv;q=0.8, */*;q=0.1', 'csv'],
    ['application/xml', 'json'],
    ['text/csv;q=0', 'json'],
  ])('negotiates Accept %s as %s', async (accept, format) => {
    const res = await get(march, accept === undefined ? {} : { accept });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(format === 'csv' ? /^text\/csv/ : /^application\/json/);
  });
});

describe('requests a client can get wrong, which change nothing', () => {
  it.each([
    ['from=2026-03-03&to=2026-03-02', '/from'],
    ['from=2025-01-01&to=2026-02-05', '/to'],
    ['from=2026-03-01&to=2026-03-02&time_zone=Mars/Olympus_Mons', '/time_zone'],
    ['from=2026-03-01&to=2026-03-02&time_zone=%2B05:00', '/time_zone'],
    ['from=2026-02-30', '/from'],
    ['to=yesterday', '/to'],
    ['table=nope', '/table'],
  ])('%s is a 422 naming %s', async (query, pointer) => {
    const before = await databaseDigest(t);
    expectInvalid(await get(query), [pointer], 'query');
    expect(await databaseDigest(t)).toEqual(before);
  });

  it('accepts exactly 400 days', async () => {
    const body = await report('from=2025-01-31&to=2026-03-06');
    expect(body.filters).toMatchObject({ from: '2025-01-31', to: '2026-03-06' });
    expectInvalid(await get('from=2025-01-30&to=2026-03-06'), ['/to'], 'query');
  });

  it('answers an unknown report name, channel or location with a 404', async () => {
    const before = await databaseDigest(t);
    const unknown = expectProblem(
      await t.request({ method: 'GET', url: '/v1/reports/sales' }),
      404,
      'not_found',
    );
    expect(unknown.detail).toMatch(/orders, fulfillment, backlog, inventory, returns, holds/);
    expectProblem(await get(`${march}&channel=${uniq('nope')}`), 404, 'not_found');
    expectProblem(await get(`${march}&location=${uniq('nope')}`), 404, 'not_found');
    expect(await databaseDigest(t)).toEqual(before);
  });

  it('needs a key with orders:read', async () => {
    expectProblem(
      await t.request({ method: 'GET', url: '/v1/reports/orders', key: null }),
      401,
      'unauthorized',
    );
    const inventoryOnly = await t.keyWith(['inventory:read']);
    expectProblem(await get(march, { key: inventoryOnly }), 403, 'forbidden');
    expectProblem(
      await t.request({ method: 'GET', url: '/v1/reports/sales', key: inventoryOnly }),
      403,
      'forbidden',
    );
    const reader = await t.keyWith(['orders:read']);
    expect((await report(march, reader)).totals).toHaveLength(2);
  });

  it('shows a channel-bound key only its channel, and another channel is a 404', async () => {
    const marketKey = await t.keyWith(['orders:read'], market);
    const own = await report(march, marketKey);
    expect(own.filters.channel).toBe(market);
    expect(own.by_day.map((row) => row.channel)).toEqual([market]);
    expect((await report(`${march}&channel=${market}`, marketKey)).by_day).toEqual(own.by_day);
    const other = expectProblem(await get(`${march}&channel=${web}`, { key: marketKey }), 404, 'not_found');
    const unknown = expectProblem(
      await get(`${march}&channel=${uniq('x')}`, { key: marketKey }),
      404,
      'not_found',
    );
    expect(other.detail.replace(web, 'X')).toBe(unknown.detail.replace(/x-[0-9a-f]+/, 'X'));
    const csv = await get(march, { key: marketKey, accept: 'text/csv' });
    expect(csv.body).not.toContain(web);
  });
});
