import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PromiseView } from '../../../src/modules/promising/promise.schemas.js';
import { strategies } from '../../../src/modules/routing/rules.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import {
  empireStateBuilding,
  makeChannel,
  makeLocation,
  makeProduct,
  orderBody,
  receive,
} from '../../helpers/factories.js';
import { postOrder } from '../../helpers/orders.js';

/**
 * One promise: a promise made a moment before capture names the ship-from locations and the delivery
 * date capture then reserves and promises, and the incoming units it then waits for, whatever the cart
 * (kits among it), the stock and incoming stock, the rules and the time.
 */

/** Monday 2026-11-23 00:00 UTC: each run starts somewhere in the week after it. */
const monday = Date.parse('2026-11-23T00:00:00Z');
const clock = testClock(monday);

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ clock });
  // Carriers are global to the file's database: one ground and one air service for every run.
  const card = (cells: Array<[number, number]>) => ({
    distance_bands: [
      { min_km: 0, max_km: 500 },
      { min_km: 500, max_km: 2000 },
      { min_km: 2000, max_km: 5000 },
    ].slice(0, cells.length),
    weight_brackets: [{ min_grams: 0, max_grams: 50_000 }],
    rates: cells.map(([price, transit_days]) => [{ price, transit_days }]),
  });
  const res = await t.request({
    method: 'POST',
    url: '/v1/carriers',
    payload: {
      code: 'parcel',
      name: 'Parcel',
      services: [
        {
          code: 'ground',
          name: 'Ground',
          service_levels: ['standard'],
          rate_card: card([
            [600, 1],
            [900, 3],
            [1200, 5],
          ]),
        },
        {
          code: 'air',
          name: 'Air',
          service_levels: ['express'],
          rate_card: card([
            [1500, 1],
            [2500, 1],
          ]),
        },
      ],
    },
  });
  expect(res.statusCode, res.body).toBe(201);
});
afterAll(() => t.close());

const sites = [
  { latitude: 40.5187, longitude: -74.4121, time_zone: 'America/New_York' },
  { latitude: 40.6782, longitude: -73.9442, time_zone: 'America/New_York' },
  { latitude: 41.8781, longitude: -87.6298, time_zone: 'America/Chicago' },
  { latitude: 34.0522, longitude: -118.2437, time_zone: 'America/Los_Angeles' },
];

/** Mostly undefined: each eligibility rule or limit shows up in about one run in six. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 5 }, { arbitrary, weight: 1 });

const location = fc.record({
  site: fc.integer({ min: 0, max: sites.length - 1 }),
  kind: fc.constantFrom('warehouse' as const, 'store' as const),
  priority: fc.integer({ min: 0, max: 3 }),
  tagged: fc.boolean(),
  cutoff_time: fc.constantFrom('09:00', '14:00', '17:30'),
  processing_days: fc.integer({ min: 0, max: 2 }),
  capacity_orders_per_day: rarely(fc.integer({ min: 0, max: 2 })),
  capacity_units_per_day: rarely(fc.integer({ min: 0, max: 8 })),
  max_feed_age_minutes: rarely(fc.constantFrom(30, 60)),
  /** Units received per product (0: no feed for it). */
  stock: fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 3, maxLength: 3 }),
  /** Units of an inbound shipment per product (none when all are 0), expected this many days on (past: overdue). */
  incoming: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 3, maxLength: 3 }),
  incomingInDays: fc.integer({ min: -2, max: 12 }),
});

const action = fc.record({
  ranking: fc.shuffledSubarray([...strategies], { minLength: 1 }),
  split: fc.oneof(
    fc.constant({ policy: 'none' as const }),
    fc.record({ policy: fc.constant('allowed' as const), max_shipments: fc.integer({ min: 2, max: 4 }) }),
  ),
  /** Indexes of the run's locations, mapped to codes once they exist. */
  include: rarely(fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1 })),
  exclude: rarely(fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 2 })),
  tags: rarely(fc.constant(true)),
  kinds: rarely(fc.constantFrom(['warehouse'], ['store'])),
  max_distance_km: rarely(fc.constantFrom(100, 1500)),
  cost_review_threshold: rarely(fc.integer({ min: 0, max: 1500 })),
});

const scenario = fc
  .record({
    startMinute: fc.integer({ min: 0, max: 7 * 24 * 60 - 1 }),
    /** Minutes between the feeds and the promise: a location with a max feed age may go stale. */
    laterMinutes: fc.integer({ min: 0, max: 90 }),
    allowBackorders: fc.boolean(),
    serviceLevel: fc.constantFrom('standard', 'express'),
    locations: fc.array(location, { minLength: 2, maxLength: 4 }),
    weights: fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 3, maxLength: 3 }),
    /** Quantity per product; 0 leaves it out of the cart. */
    cart: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 3, maxLength: 3 }),
    /** Kits of one of the second product and two of the third in the cart (0: none), and whether it may split. */
    kits: fc.integer({ min: 0, max: 2 }),
    kitSplit: fc.boolean(),
    rules: fc.record({ fallback: action, fragileRule: rarely(action) }),
  })
  .filter((s) => s.kits > 0 || s.cart.some((q) => q > 0));
type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;
type Action = Scenario['rules']['fallback'];

/** A generated action as a rule set action over the run's location codes. */
const actionBody = (a: Action, codes: string[]) => {
  const pick = (indexes: number[]) => indexes.flatMap((i) => codes[i] ?? []);
  const eligible = {
    ...(a.include ? { include: pick(a.include) } : {}),
    ...(a.exclude ? { exclude: pick(a.exclude) } : {}),
    ...(a.tags ? { tags: ['express-dock'] } : {}),
    ...(a.kinds ? { kinds: a.kinds } : {}),
    ...(a.max_distance_km ? { max_distance_km: a.max_distance_km } : {}),
  };
  return {
    eligible,
    ranking: a.ranking,
    split: a.split,
    ...(a.cost_review_threshold === undefined ? {} : { cost_review_threshold: a.cost_review_threshold }),
  };
};

/** Everything a run needs, made fresh so no allocation of an earlier run counts. */
async function arrange(s: Scenario) {
  clock.set(monday + s.startMinute * 60_000);
  const channel = (await makeChannel(t, { allow_backorders: s.allowBackorders })).code as string;
  const skus: string[] = [];
  for (const [i, weight_grams] of s.weights.entries()) {
    skus.push((await makeProduct(t, { weight_grams, tags: i === 0 ? ['fragile'] : [] })).sku);
  }
  const codes: string[] = [];
  for (const spec of s.locations) {
    const { site, tagged, stock: _, incoming: __, incomingInDays: ___, ...fields } = spec;
    const made = await makeLocation(t, {
      ...Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)),
      ...sites[site],
      tags: tagged ? ['express-dock'] : [],
      channels: [channel],
    });
    codes.push(made.code);
  }
  const items = s.locations.flatMap((spec, l) =>
    spec.stock.flatMap((delta, p) =>
      delta > 0 ? [{ sku: skus[p] ?? '', location: codes[l] ?? '', delta }] : [],
    ),
  );
  if (items.length > 0) {
    await receive(t, items);
  }
  for (const [l, spec] of s.locations.entries()) {
    const lines = spec.incoming.flatMap((quantity, p) =>
      quantity > 0 ? [{ sku: skus[p] ?? '', quantity }] : [],
    );
    if (lines.length > 0) {
      const expected = new Date(clock.now().getTime() + spec.incomingInDays * 86_400_000);
      const announced = await t.request({
        method: 'POST',
        url: '/v1/inbound-shipments',
        payload: {
          reference: `PO-${channel}-${l}`,
          location: codes[l],
          expected_date: expected.toISOString().slice(0, 10),
          lines,
        },
      });
      expect(announced.statusCode, announced.body).toBe(201);
    }
  }
  const rules = s.rules.fragileRule
    ? [
        {
          name: 'fragile',
          condition: { in: ['fragile', { var: 'line_tags' }] },
          action: actionBody(s.rules.fragileRule, codes),
        },
      ]
    : [];
  const saved = await t.request({
    method: 'PUT',
    url: `/v1/routing/rule-sets/${channel}`,
    payload: { rules, fallback: actionBody(s.rules.fallback, codes) },
  });
  expect(saved.statusCode, saved.body).toBe(200);
  clock.advance(s.laterMinutes * 60_000);
  const lines = s.cart.flatMap((quantity, p) => (quantity > 0 ? [{ sku: skus[p] ?? '', quantity }] : []));
  if (s.kits > 0) {
    const kit = await makeProduct(t, {
      kit: {
        components: [
          { sku: skus[1], quantity: 1 },
          { sku: skus[2], quantity: 2 },
        ],
        allow_split: s.kitSplit,
      },
    });
    lines.push({ sku: kit.sku, quantity: s.kits });
  }
  return { channel, lines };
}

/** Location -> "sku×quantity" sorted, for promise and order alike. */
const byLocation = (parcels: Array<{ location: string; lines: Array<{ sku: string; quantity: number }> }>) =>
  Object.fromEntries(
    parcels.map((p) => [p.location, p.lines.map((l) => `${l.sku}×${l.quantity}`).sort()] as const),
  );

describe('POST /v1/promise, then POST /v1/orders', () => {
  it('promises the ship-from locations and delivery date capture then reserves and promises', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const { channel, lines } = await arrange(s);
        const promised = await t.request({
          method: 'POST',
          url: '/v1/promise',
          payload: { channel, lines, destination: empireStateBuilding, service_level: s.serviceLevel },
        });
        expect(promised.statusCode, promised.body).toBe(200);
        const { chosen } = promised.json() as PromiseView;

        const res = await postOrder(
          t,
          orderBody(channel, lines, { shipping: { service_level: s.serviceLevel, amount: 500 } }),
        );
        expect(res.statusCode, res.body).toBe(201);
        const order = res.json();
        const reserved = byLocation(
          (
            order.reservations as Array<{ location: string; items: Array<{ sku: string; quantity: number }> }>
          ).map((r) => ({ location: r.location, lines: r.items })),
        );
        expect(chosen === null ? {} : byLocation(chosen.locations)).toEqual(reserved);
        expect(chosen?.delivery_date ?? null).toBe(order.promised_delivery_date);
        // What it would wait for: the same incoming units, from the same inbound shipments.
        const waitsFor = (
          order.lines as Array<{ sku: string; incoming?: Array<{ reference: string; quantity: number }> }>
        )
          .flatMap((line) =>
            (line.incoming ?? []).map((units) => `${units.reference} ${line.sku}×${units.quantity}`),
          )
          .sort();
        expect(
          (chosen?.incoming ?? []).map((units) => `${units.reference} ${units.sku}×${units.quantity}`).sort(),
        ).toEqual(waitsFor);
      }),
      { numRuns: 30, endOnFailure: true },
    );
  }, 60_000);
});
