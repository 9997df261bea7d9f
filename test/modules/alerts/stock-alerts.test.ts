import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  alertsAbout,
  evaluateTimes,
  expectNoneUnresolved,
  expectRaisedOnce,
  expectRaisedThenResolved,
  listAlerts,
  putAlertRules,
} from '../../helpers/alerts.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { makeLocation, makeProduct, receive, uniq } from '../../helpers/factories.js';

// The stock kinds: a SKU-location under its reorder point, a location whose feed is late. Each test
// names its own locations in its rules (or makes sure no other location matches).
const minute = 60_000;
const hour = 60 * minute;
const clock = testClock();
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t.close());
beforeEach(() => clock.reset());

async function reorderPoint(sku: string, location: string, point: number | null) {
  const res = await t.request({
    method: 'PUT',
    url: '/v1/inventory/reorder-points',
    payload: { items: [{ sku, location, reorder_point: point }] },
  });
  expect(res.statusCode, res.body).toBe(200);
}

const count = async (sku: string, location: string, onHand: number) => {
  const res = await t.request({
    method: 'POST',
    url: '/v1/inventory/counts',
    payload: { reference: uniq('CC'), items: [{ sku, location, on_hand: onHand }] },
  });
  expect(res.statusCode, res.body).toBe(201);
};

describe('below_reorder_point: a SKU-location with fewer units on hand than its reorder point', () => {
  it('raises when on hand drops under the reorder point (not at it), and resolves when stock comes back', async () => {
    const sku = (await makeProduct(t)).sku;
    const location = (await makeLocation(t)).code;
    const subject = `${sku}@${location}`;
    await putAlertRules(t, [{ id: 'reorder', kind: 'below_reorder_point', locations: [location] }]);
    await receive(t, [{ sku, location, delta: 10 }]);
    await reorderPoint(sku, location, 10);
    await expectNoneUnresolved(t, 'reorder', subject);

    await count(sku, location, 9);
    const alert = await expectRaisedOnce(t, 'reorder', subject);
    expect(alert).toMatchObject({
      kind: 'below_reorder_point',
      subject_type: 'inventory_level',
      subject_id: subject,
      channel: null,
      summary: `${sku} at ${location}: 9 on hand, under its reorder point of 10`,
      details: { sku, location, on_hand: 9, reserved: 0, reorder_point: 10 },
    });

    await receive(t, [{ sku, location, delta: 1 }]);
    await evaluateTimes(t, 1);
    await expectRaisedThenResolved(t, alert);
  });

  it('resolves when the reorder point is removed, and watches only the locations the rule names', async () => {
    const sku = (await makeProduct(t)).sku;
    const [watched, elsewhere] = [(await makeLocation(t)).code, (await makeLocation(t)).code];
    await putAlertRules(t, [{ id: 'reorder-here', kind: 'below_reorder_point', locations: [watched] }]);
    await reorderPoint(sku, watched, 5);
    await reorderPoint(sku, elsewhere, 5);
    const alert = await expectRaisedOnce(t, 'reorder-here', `${sku}@${watched}`);
    expect(alert.details).toMatchObject({ on_hand: 0, reorder_point: 5 });
    expect(await alertsAbout(t, 'reorder-here', `${sku}@${elsewhere}`)).toEqual([]);

    await reorderPoint(sku, watched, null);
    await evaluateTimes(t, 1);
    await expectRaisedThenResolved(t, alert);
  });
});

describe('feed_stale: a location whose inventory feed has not arrived for N hours', () => {
  it('raises N hours after a location’s last feed, and resolves when the next one arrives', async () => {
    const sku = (await makeProduct(t)).sku;
    const location = (await makeLocation(t)).code;
    await putAlertRules(t, [{ id: 'feeds', kind: 'feed_stale', hours: 12, locations: [location] }]);
    const reference = uniq('ASN');
    await t.request({
      method: 'POST',
      url: '/v1/inventory/adjustments',
      payload: { reference, reason: 'receipt', items: [{ sku, location, delta: 5 }] },
    });
    clock.advance(12 * hour - minute);
    await expectNoneUnresolved(t, 'feeds', location);
    clock.advance(2 * minute);
    const alert = await expectRaisedOnce(t, 'feeds', location);
    expect(alert).toMatchObject({
      kind: 'feed_stale',
      subject_type: 'location',
      subject_id: location,
      channel: null,
      summary: `No inventory feed from ${location} for more than 12 h (last: ${reference})`,
      details: { location, last_reference: reference, hours: 12, last_feed_at: expect.any(String) },
    });

    await count(sku, location, 5);
    await evaluateTimes(t, 1);
    await expectRaisedThenResolved(t, alert);
  });

  it('watches a named location from its creation, and without names only locations that have sent a feed', async () => {
    const named = (await makeLocation(t)).code;
    const neverFed = (await makeLocation(t)).code;
    const fed = (await makeLocation(t)).code;
    const sku = (await makeProduct(t)).sku;
    await receive(t, [{ sku, location: fed, delta: 1 }]);
    await putAlertRules(t, [
      { id: 'named', kind: 'feed_stale', hours: 1, locations: [named] },
      { id: 'any-fed', kind: 'feed_stale', hours: 1 },
    ]);
    await expectNoneUnresolved(t, 'named', named);
    clock.advance(hour + minute);
    const waiting = await expectRaisedOnce(t, 'named', named);
    expect(waiting.summary).toBe(`No inventory feed has arrived from ${named} yet`);
    expect(waiting.details).toMatchObject({ last_feed_at: null, last_reference: null });
    await expectRaisedOnce(t, 'any-fed', fed);
    expect(await alertsAbout(t, 'any-fed', neverFed)).toEqual([]);
    expect(await alertsAbout(t, 'any-fed', named)).toEqual([]);
    // A deactivated location sends nothing and is not watched.
    const deactivated = await t.request({ method: 'POST', url: `/v1/locations/${fed}/deactivate` });
    expect(deactivated.statusCode, deactivated.body).toBe(200);
    await evaluateTimes(t, 1);
    expect((await listAlerts(t, `rule=any-fed&subject_id=${fed}`)).map((a) => a.status)).toEqual([
      'resolved',
    ]);
  });
});
