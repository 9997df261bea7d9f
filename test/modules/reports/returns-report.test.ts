import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReturnsReport } from '../../../src/modules/reports/period-reports.schemas.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { makeCarrier, makeChannel, makeLocation, stocked } from '../../helpers/factories.js';
import { deliveredOrder, lineOf, openReturn } from '../../helpers/returns.js';

/**
 * Two orders shipped on March 2 (five units: four shirts, one mug); on March 5 two shirts (size or fit)
 * and the mug (damaged) come back and are refunded, the refund confirmed on March 6; on March 12 one
 * more shirt (no longer needed) comes back.
 */

const day = 86_400_000;
const start = Date.parse('2026-03-02T14:00:00Z');
const clock = testClock(start);
let t: TestApp;
let channel: string;
let other: string;
let location: string;
let shirt: string;
let mug: string;
let refund: { id: string; amount: number };

const post = async (url: string, payload: object = {}) => {
  const res = await t.request({ method: 'POST', url, payload });
  expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(300);
  return res.json();
};

beforeAll(async () => {
  t = await createTestApp({ clock });
  const policy = {
    return_window_days: 30,
    non_returnable_tags: [],
    review_reasons: [],
    restocking_fee_percent: {},
    refund_shipping: 'never',
    exchange_release: 'on_receipt',
  };
  channel = (await makeChannel(t, { return_policy: policy })).code;
  other = (await makeChannel(t)).code;
  location = (await makeLocation(t)).code;
  await makeCarrier(t);
  shirt = await stocked(t, { [location]: 50 });
  mug = await stocked(t, { [location]: 50 });
  const first = await deliveredOrder(t, channel, [
    { sku: shirt, quantity: 3, unit_price: 1000 },
    { sku: mug, quantity: 1, unit_price: 2000 },
  ]);
  const second = await deliveredOrder(t, channel, [{ sku: shirt, quantity: 1, unit_price: 1000 }]);

  clock.set(start + 3 * day);
  const back = await openReturn(t, first.id, {
    lines: [
      { line_id: lineOf(first, shirt), quantity: 2, reason: 'size_or_fit' },
      { line_id: lineOf(first, mug), quantity: 1, reason: 'damaged' },
    ],
  });
  await post(`/v1/returns/${back.id}/receive`, {
    location,
    lines: [
      { sku: shirt, quantity: 2, condition: 'sellable' },
      { sku: mug, quantity: 1, condition: 'damaged' },
    ],
  });
  const refunded = await post(`/v1/returns/${back.id}/refund`);
  refund = { id: refunded.refunds[0].id, amount: refunded.refunds[0].amount };
  clock.set(start + 4 * day);
  await post(`/v1/refunds/${refund.id}/confirm`, { external_reference: 're_1' });

  clock.set(start + 10 * day);
  const late = await openReturn(t, second.id, {
    lines: [{ line_id: lineOf(second, shirt), quantity: 1, reason: 'no_longer_needed' }],
  });
  await post(`/v1/returns/${late.id}/receive`, {
    location,
    lines: [{ sku: shirt, quantity: 1, condition: 'sellable' }],
  });
  clock.set(start + 12 * day);
});
afterAll(() => t.close());

async function report(query: string): Promise<ReturnsReport> {
  const res = await t.request({ method: 'GET', url: `/v1/reports/returns?${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const reasons = (returned: Record<string, number>, shipped: number) =>
  [
    'damaged',
    'defective',
    'wrong_item',
    'not_as_described',
    'size_or_fit',
    'no_longer_needed',
    'arrived_late',
    'other',
  ].map((reason) => {
    const units = returned[reason] ?? 0;
    return {
      reason,
      units_returned: units,
      units_shipped: shipped,
      return_rate: shipped === 0 ? null : Number((units / shipped).toFixed(4)),
    };
  });

describe('the returns report', () => {
  it('divides units received back by units shipped in the window, by reason and by SKU, and totals refunds', async () => {
    expect(refund.amount).toBe(4000);
    const body = await report('from=2026-03-01&to=2026-03-10');
    expect(body.by_reason).toEqual(reasons({ size_or_fit: 2, damaged: 1 }, 5));
    expect(body.by_sku).toEqual([
      { sku: shirt, units_shipped: 4, units_returned: 2, return_rate: 0.5 },
      { sku: mug, units_shipped: 1, units_returned: 1, return_rate: 1 },
    ]);
    expect(body.refunds).toEqual([
      {
        currency: 'USD',
        requested_refunds: 1,
        requested_amount: 4000,
        completed_refunds: 1,
        completed_amount: 4000,
      },
    ]);
  });

  it('counts each event on its own day: a return of units shipped earlier, a refund confirmed later', async () => {
    const later = await report('from=2026-03-11&to=2026-03-20');
    expect(later.by_reason).toEqual(reasons({ no_longer_needed: 1 }, 0));
    expect(later.by_sku).toEqual([{ sku: shirt, units_shipped: 0, units_returned: 1, return_rate: null }]);
    expect(later.refunds).toEqual([]);
    // Requested on March 5, confirmed on March 6.
    const fifth = await report('from=2026-03-05&to=2026-03-05');
    expect(fifth.refunds).toEqual([
      {
        currency: 'USD',
        requested_refunds: 1,
        requested_amount: 4000,
        completed_refunds: 0,
        completed_amount: 0,
      },
    ]);
    const sixth = await report('from=2026-03-06&to=2026-03-06');
    expect(sixth.refunds).toEqual([
      {
        currency: 'USD',
        requested_refunds: 0,
        requested_amount: 0,
        completed_refunds: 1,
        completed_amount: 4000,
      },
    ]);
  });

  it('filters by channel and location', async () => {
    const none = await report(`from=2026-03-01&to=2026-03-10&channel=${other}`);
    expect(none).toMatchObject({ by_reason: reasons({}, 0), by_sku: [], refunds: [] });
    const here = await report(`from=2026-03-01&to=2026-03-10&location=${location}`);
    expect(here.by_sku).toHaveLength(2);
    const elsewhere = (await makeLocation(t)).code;
    const there = await report(`from=2026-03-01&to=2026-03-10&location=${elsewhere}`);
    expect(there).toMatchObject({ by_reason: reasons({}, 0), by_sku: [], refunds: [] });
  });

  it('answers CSV, by_reason first and the others by `table`', async () => {
    const csv = (table?: string) =>
      t.request({
        method: 'GET',
        url: `/v1/reports/returns?from=2026-03-01&to=2026-03-10${table ? `&table=${table}` : ''}`,
        headers: { accept: 'text/csv' },
      });
    const byReason = parse((await csv()).body, { columns: true, cast: true });
    expect(byReason).toEqual(reasons({ size_or_fit: 2, damaged: 1 }, 5));
    expect(parse((await csv('refunds')).body)).toEqual([
      ['currency', 'requested_refunds', 'requested_amount', 'completed_refunds', 'completed_amount'],
      ['USD', '1', '4000', '1', '4000'],
    ]);
  });
});
