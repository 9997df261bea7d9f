import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { makeLocation, makeProduct, receive, uniq } from '../../helpers/factories.js';
import { expectInvalid, expectProblem } from '../../helpers/problems.js';
import { levelOf } from '../../helpers/stock.js';
import { databaseDigest } from '../../helpers/world.js';

// Reorder points per SKU and location (PUT /v1/inventory/reorder-points, shown by the levels), and the
// last feed time of each location that feeds record (the feed_stale alert rule watches it).
const clock = testClock('2026-12-01T09:00:00Z');
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t.close());

const put = (items: object[], key?: string | null) =>
  t.request({ method: 'PUT', url: '/v1/inventory/reorder-points', payload: { items }, key });

describe('PUT /v1/inventory/reorder-points', () => {
  it('sets reorder points that GET /v1/inventory/levels shows; null removes one; the last row for a level wins', async () => {
    const [a, b] = [(await makeProduct(t)).sku, (await makeProduct(t)).sku];
    const location = (await makeLocation(t)).code;
    await receive(t, [{ sku: a, location, delta: 30 }]);
    const res = await put([
      { sku: a, location, reorder_point: 10 },
      { sku: a, location, reorder_point: 40 },
      // No stock of b here yet: its level is created, with nothing on hand.
      { sku: b, location, reorder_point: 5 },
    ]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ updated: 3 });
    expect(await levelOf(t, a, location)).toMatchObject({ on_hand: 30, available: 30, reorder_point: 40 });
    expect(await levelOf(t, b, location)).toMatchObject({ on_hand: 0, reserved: 0, reorder_point: 5 });

    expect((await put([{ sku: a, location, reorder_point: null }])).statusCode).toBe(200);
    expect(await levelOf(t, a, location)).toMatchObject({ on_hand: 30, reorder_point: null });
    expect(await levelOf(t, b, location)).toMatchObject({ reorder_point: 5 });
  });

  it('a level without one shows reorder_point null', async () => {
    const sku = (await makeProduct(t)).sku;
    const location = (await makeLocation(t)).code;
    await receive(t, [{ sku, location, delta: 3 }]);
    expect(await levelOf(t, sku, location)).toMatchObject({ on_hand: 3, reorder_point: null });
  });

  it('refuses unknown SKUs and locations row by row, and changes nothing', async () => {
    const sku = (await makeProduct(t)).sku;
    const location = (await makeLocation(t)).code;
    const before = await databaseDigest(t);
    const res = await put([
      { sku, location, reorder_point: 10 },
      { sku: uniq('NOPE'), location, reorder_point: 1 },
      { sku, location: uniq('nowhere'), reorder_point: 1 },
    ]);
    const problem = expectInvalid(res, ['/items/1/sku', '/items/2/location'], 'body', { only: true });
    expect(problem.detail).toMatch(/nothing was changed/);
    expect(await databaseDigest(t)).toEqual(before);
  });

  it.each([
    ['a negative reorder point', { reorder_point: -1 }, '/items/0/reorder_point'],
    ['a fractional reorder point', { reorder_point: 2.5 }, '/items/0/reorder_point'],
    ['a missing reorder point', { reorder_point: undefined }, '/items/0/reorder_point'],
    ['an unknown field', { colour: 'red' }, '/items/0/colour'],
  ])('refuses %s with a 422 naming the field', async (_what, fields, pointer) => {
    const sku = (await makeProduct(t)).sku;
    const location = (await makeLocation(t)).code;
    const before = await databaseDigest(t);
    expectInvalid(await put([{ sku, location, reorder_point: 3, ...fields }]), [pointer]);
    expect(await databaseDigest(t)).toEqual(before);
  });

  it('refuses an empty list', async () => {
    expectInvalid(await put([]), ['/items']);
  });

  it('needs inventory:write', async () => {
    const sku = (await makeProduct(t)).sku;
    const location = (await makeLocation(t)).code;
    const item = { sku, location, reorder_point: 1 };
    expectProblem(await put([item], await t.keyWith(['inventory:read'])), 403, 'forbidden');
    expectProblem(await put([item], null), 401, 'unauthorized');
    expect((await put([item], await t.keyWith(['inventory:write']))).statusCode).toBe(200);
  });
});

describe('location feed times', () => {
  /** Rows in location code order. */
  const byCode = <T extends { code: string }>(rows: T[]) =>
    [...rows].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const feedsOf = async (codes: string[]) =>
    byCode(
      (
        await t.pool.query<{ code: string; last_feed_at: Date; last_reference: string }>(
          `SELECT l.code, f.last_feed_at, f.last_reference FROM location_feeds f
             JOIN locations l ON l.id = f.location_id WHERE l.code = ANY($1)`,
          [codes],
        )
      ).rows.map((row) => ({ ...row, last_feed_at: row.last_feed_at.toISOString() })),
    );

  it('records when each location last sent a feed (adjustment or count), and with which reference', async () => {
    const sku = (await makeProduct(t)).sku;
    const [x, y, quiet] = [
      (await makeLocation(t)).code,
      (await makeLocation(t)).code,
      (await makeLocation(t)).code,
    ];
    clock.set('2026-12-01T09:00:00Z');
    const asn = uniq('ASN');
    const adjusted = await t.request({
      method: 'POST',
      url: '/v1/inventory/adjustments',
      payload: {
        reference: asn,
        reason: 'receipt',
        items: [
          { sku, location: x, delta: 5 },
          { sku, location: y, delta: 5 },
        ],
      },
    });
    expect(adjusted.statusCode, adjusted.body).toBe(201);
    expect(await feedsOf([x, y, quiet])).toEqual(
      byCode([
        { code: x, last_feed_at: '2026-12-01T09:00:00.000Z', last_reference: asn },
        { code: y, last_feed_at: '2026-12-01T09:00:00.000Z', last_reference: asn },
      ]),
    );

    clock.set('2026-12-01T17:30:00Z');
    const cc = uniq('CC');
    const counted = await t.request({
      method: 'POST',
      url: '/v1/inventory/counts',
      payload: { reference: cc, items: [{ sku, location: y, on_hand: 4 }] },
    });
    expect(counted.statusCode, counted.body).toBe(201);
    // The same adjustment again is a replay: it changes nothing, the feed time included.
    clock.set('2026-12-01T18:00:00Z');
    const replay = await t.request({
      method: 'POST',
      url: '/v1/inventory/adjustments',
      payload: {
        reference: asn,
        reason: 'receipt',
        items: [
          { sku, location: x, delta: 5 },
          { sku, location: y, delta: 5 },
        ],
      },
    });
    expect(replay.json().applied).toBe(false);
    expect(await feedsOf([x, y, quiet])).toEqual(
      byCode([
        { code: x, last_feed_at: '2026-12-01T09:00:00.000Z', last_reference: asn },
        { code: y, last_feed_at: '2026-12-01T17:30:00.000Z', last_reference: cc },
      ]),
    );
  });

  it('records nothing for a refused feed', async () => {
    const sku = (await makeProduct(t)).sku;
    const location = (await makeLocation(t)).code;
    const res = await t.request({
      method: 'POST',
      url: '/v1/inventory/adjustments',
      payload: {
        reference: uniq('ASN'),
        reason: 'receipt',
        items: [
          { sku, location, delta: 5 },
          { sku: uniq('NOPE'), location, delta: 1 },
        ],
      },
    });
    expectInvalid(res, ['/items/1/sku']);
    expect(await feedsOf([location])).toEqual([]);
  });
});
