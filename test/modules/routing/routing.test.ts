import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Simulation } from '../../../src/modules/routing/routing.schemas.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import {
  empireStateBuilding,
  makeChannel,
  makeLocation,
  makeProduct,
  orderBody,
  receive,
  stocked,
  uniq,
} from '../../helpers/factories.js';
import { captureOrder, eventsOf, eventTypes } from '../../helpers/orders.js';
import { brokenInvariants } from '../../helpers/stock.js';

/** Wednesday 2026-11-25, 10:00 in New York; tests move the clock by whole days. */
const wednesday = Date.parse('2026-11-25T15:00:00Z');
const dayMs = 86_400_000;
const clock = testClock(wednesday);

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t.close());

/** Carriers are global: each test's own are deactivated after it, so no other test gets their quotes. */
const carriersMade: string[] = [];
afterEach(async () => {
  clock.reset();
  for (const code of carriersMade.splice(0)) {
    const res = await t.request({ method: 'POST', url: `/v1/carriers/${code}/deactivate` });
    expect(res.statusCode, res.body).toBe(200);
  }
});

/**
 * Places placed by their postal codes, seen from the Empire State Building (10118): Edison NJ about
 * 38 km away, Philadelphia about 134 km, Chicago about 1,145 km, Toronto (abroad) about 550 km.
 */
const places = {
  nj: { line1: '1 Main St', city: 'Edison', region: 'NJ', postal_code: '08837', country: 'US' },
  pa: { line1: '1 Market St', city: 'Philadelphia', region: 'PA', postal_code: '19103', country: 'US' },
  il: { line1: '1 State St', city: 'Chicago', region: 'IL', postal_code: '60601', country: 'US' },
  to: { line1: '1 King St W', city: 'Toronto', region: 'ON', postal_code: 'M5V 3L9', country: 'CA' },
};
type Place = keyof typeof places;

async function site(place: Place, fields: Record<string, unknown> = {}): Promise<string> {
  const location = await makeLocation(t, {
    code: uniq(place.toUpperCase()),
    address: places[place],
    time_zone: place === 'il' ? 'America/Chicago' : place === 'to' ? 'America/Toronto' : 'America/New_York',
    ...fields,
  });
  expect(location.coordinates_source).toBe('postal_code');
  return location.code;
}

/** Some locations, with their codes by place. */
async function sites<P extends Place>(
  wanted: P[],
  fields: Partial<Record<P, Record<string, unknown>>> = {},
): Promise<Record<P, string>> {
  const codes = await Promise.all(wanted.map((place) => site(place, fields[place])));
  return Object.fromEntries(wanted.map((place, i) => [place, codes[i]])) as Record<P, string>;
}

async function rules(scope: string, body: object): Promise<number> {
  const res = await t.request({ method: 'PUT', url: `/v1/routing/rule-sets/${scope}`, payload: body });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().version;
}

/**
 * A channel whose allocated orders wait an hour before release: the release nudged by an allocation
 * would otherwise race a test that reads the order's events.
 */
const unreleased = { release_delay_minutes: 60 };

/** A rule set of just a fallback. */
const only = (action: Record<string, unknown>) => ({
  rules: [],
  fallback: { ranking: ['nearest'], split: { policy: 'none' }, ...action },
});

async function simulate(
  channel: string,
  lines: Array<{ sku: string; quantity: number; unit_price?: number }>,
  fields: Record<string, unknown> = {},
): Promise<Simulation & { trace: Trace }> {
  const res = await t.request({
    method: 'POST',
    url: '/v1/routing/simulate',
    payload: { channel, ship_to: empireStateBuilding, lines, service_level: 'standard', ...fields },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

interface Trace {
  rule_set: { scope: string; version: number };
  rule: { index: number | null; name: string };
  candidates: Array<{
    location: string;
    eligible: boolean;
    reasons: string[];
    distance_km: number | null;
    available: Record<string, number>;
  }>;
  chosen: { locations: string[]; shipments: number; cost: number | null; complete: boolean } | null;
  why: string;
  review?: { reason: string; chosen_cost: number; cheapest_cost: number };
}

const reasonsOf = (trace: Trace) => Object.fromEntries(trace.candidates.map((c) => [c.location, c.reasons]));

/** Where a simulation ships from, location by location. */
const shipsFrom = (simulation: Simulation) => simulation.plan.map((p) => p.location).sort();

/**
 * A carrier whose single service's rate card makes nearby parcels dear: under 100 km 1500 (1 day),
 * 100-500 km 700 (3 days), beyond 1200 (4 days). From New York: Edison 1500, Philadelphia 700, Chicago 1200.
 */
async function carrier(serviceLevels = ['standard']) {
  const code = uniq('car');
  const res = await t.request({
    method: 'POST',
    url: '/v1/carriers',
    payload: {
      code,
      name: 'Carrier',
      services: [
        {
          code: 'ground',
          name: 'Ground',
          service_levels: serviceLevels,
          rate_card: {
            distance_bands: [
              { min_km: 0, max_km: 100 },
              { min_km: 100, max_km: 500 },
              { min_km: 500, max_km: 20_100 },
            ],
            weight_brackets: [{ min_grams: 0, max_grams: 30_000 }],
            rates: [
              [{ price: 1500, transit_days: 1 }],
              [{ price: 700, transit_days: 3 }],
              [{ price: 1200, transit_days: 4 }],
            ],
          },
        },
      ],
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  carriersMade.push(code);
  return code;
}

async function routingOf(id: string) {
  const res = await t.request({ method: 'GET', url: `/v1/orders/${id}/routing` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    order_id: string;
    destination: { latitude: number; longitude: number; source: string } | null;
    promised_delivery_date: string | null;
    routing: Trace | null;
  };
}

/** Active reservations of a SKU by location code. */
async function reservedAt(sku: string): Promise<Record<string, number>> {
  const { rows } = await t.pool.query(
    `SELECT loc.code, sum(r.quantity)::int AS quantity FROM reservations r
       JOIN products p ON p.id = r.product_id JOIN locations loc ON loc.id = r.location_id
      WHERE p.sku = $1 AND r.status = 'active' GROUP BY loc.code`,
    [sku],
  );
  return Object.fromEntries(rows.map((row) => [row.code, row.quantity]));
}

describe('POST /v1/routing/simulate', () => {
  it('ships from the nearest location that has everything and says why', async () => {
    const at = await sites(['nj', 'pa', 'il']);
    const sku = await stocked(t, { [at.nj]: 5, [at.pa]: 5, [at.il]: 5 });
    const channel = (await makeChannel(t)).code;

    const simulation = await simulate(channel, [{ sku, quantity: 2 }]);
    expect(simulation.destination).toEqual({ latitude: 40.749, longitude: -73.9865, source: 'postal_code' });
    expect(simulation.plan).toEqual([{ location: at.nj, lines: [{ sku, quantity: 2 }] }]);
    expect(simulation.unfilled).toEqual([]);
    const { trace } = simulation;
    // No rule set saved for the channel or for *: the built-in one decides.
    expect(trace.rule_set).toEqual({ scope: '*', version: 0 });
    expect(trace.rule).toEqual({ index: null, name: 'fallback' });
    expect(trace.chosen).toMatchObject({ locations: [at.nj], shipments: 1, complete: true });
    expect(trace.why).toMatch(
      new RegExp(`^${at.nj} over ${at.pa} by nearest: [\\d.]+ km against [\\d.]+ km$`),
    );
    const distances = Object.fromEntries(trace.candidates.map((c) => [c.location, c.distance_km]));
    expect(distances[at.nj]).toBeGreaterThan(30);
    expect(distances[at.nj]).toBeLessThan(45);
    expect(distances[at.pa]).toBeGreaterThan(120);
    expect(distances[at.pa]).toBeLessThan(150);
    expect(distances[at.il]).toBeGreaterThan(1100);
    expect(trace.candidates.every((c) => c.eligible && c.reasons.length === 0)).toBe(true);
    expect(trace.candidates.find((c) => c.location === at.nj)?.available).toEqual({ [sku]: 5 });

    // A later strategy decides only when the earlier ones tie; the first that separates is named.
    const more = await stocked(t, { [at.nj]: 5, [at.pa]: 9 });
    await rules(channel, only({ ranking: ['min_splits', 'most_stock', 'nearest'] }));
    const byStock = await simulate(channel, [{ sku: more, quantity: 2 }]);
    expect(shipsFrom(byStock)).toEqual([at.pa]);
    expect(byStock.trace.rule_set).toEqual({ scope: channel, version: 1 });
    expect(byStock.trace.why).toBe(
      `${at.pa} over ${at.nj} by most stock: 9 units in stock against 5 units in stock`,
    );
  });

  it('splits only when no single location can ship everything and the policy allows it', async () => {
    const at = await sites(['nj', 'pa', 'il']);
    const a = await stocked(t, { [at.nj]: 3, [at.il]: 3 });
    const b = await stocked(t, { [at.pa]: 3 });
    const channel = (await makeChannel(t)).code;

    const split = await simulate(channel, [
      { sku: a, quantity: 2 },
      { sku: b, quantity: 2 },
    ]);
    expect(shipsFrom(split)).toEqual([at.nj, at.pa].sort());
    expect(split.plan.find((p) => p.location === at.nj)?.lines).toEqual([{ sku: a, quantity: 2 }]);
    expect(split.plan.find((p) => p.location === at.pa)?.lines).toEqual([{ sku: b, quantity: 2 }]);
    expect(split.unfilled).toEqual([]);
    expect(split.trace.chosen).toMatchObject({ shipments: 2, complete: true });
    expect(split.trace.why).toContain('by nearest'); // NJ + PA beats IL + PA on distance

    // One location with everything beats a split, even a nearer one.
    const c = await stocked(t, { [at.nj]: 1, [at.pa]: 5 });
    await rules(
      channel,
      only({ ranking: ['min_splits', 'nearest'], split: { policy: 'allowed', max_shipments: 3 } }),
    );
    const single = await simulate(channel, [{ sku: c, quantity: 2 }]);
    expect(single.plan).toEqual([{ location: at.pa, lines: [{ sku: c, quantity: 2 }] }]);
    expect(single.trace.why).toContain(`${at.pa} is the only plan that ships everything`);

    // Three SKUs, each at one location only: everything takes three shipments.
    const [x, y, z] = await Promise.all([
      stocked(t, { [at.nj]: 1 }),
      stocked(t, { [at.pa]: 1 }),
      stocked(t, { [at.il]: 1 }),
    ]);
    const three = [x, y, z].map((sku) => ({ sku, quantity: 1 }));
    expect(shipsFrom(await simulate(channel, three))).toEqual([at.nj, at.pa, at.il].sort());
    // At most two: the best two-location plan ships what it can and leaves the rest unfilled.
    const patient = (await makeChannel(t, { allow_backorders: true })).code;
    await rules(
      patient,
      only({ ranking: ['min_splits', 'nearest'], split: { policy: 'allowed', max_shipments: 2 } }),
    );
    const capped = await simulate(patient, three);
    expect(shipsFrom(capped)).toEqual([at.nj, at.pa].sort());
    expect(capped.unfilled).toEqual([{ sku: z, quantity: 1 }]);
    expect(capped.trace.chosen).toMatchObject({ complete: false, shipments: 2 });
  });

  it('plans nothing when splits are not allowed and no single location has everything', async () => {
    const at = await sites(['nj', 'pa']);
    const a = await stocked(t, { [at.nj]: 3 });
    const b = await stocked(t, { [at.pa]: 3 });
    const lines = [
      { sku: a, quantity: 2 },
      { sku: b, quantity: 1 },
    ];

    const strict = (await makeChannel(t, { allow_backorders: false })).code;
    await rules(strict, only({ split: { policy: 'none' } }));
    const none = await simulate(strict, lines);
    expect(none.plan).toEqual([]);
    expect(none.unfilled).toEqual([
      { sku: a, quantity: 2 },
      { sku: b, quantity: 1 },
    ]);
    expect(none.trace.why).toBe(
      `nothing covers every line; ${at.nj} covers the most (2 units), but the channel does not backorder`,
    );
    expect(none.trace.chosen?.complete).toBe(false);

    // A channel that backorders would reserve the best partial plan and wait for the rest.
    const patient = (await makeChannel(t, { allow_backorders: true })).code;
    await rules(patient, only({ split: { policy: 'none' } }));
    const partial = await simulate(patient, lines);
    expect(partial.plan).toEqual([{ location: at.nj, lines: [{ sku: a, quantity: 2 }] }]);
    expect(partial.unfilled).toEqual([{ sku: b, quantity: 1 }]);
    expect(partial.trace.why).toBe(`nothing covers every line; ${at.nj} covers the most (2 units)`);

    // No stock anywhere: nothing at all to choose.
    const empty = await simulate(strict, [{ sku: (await makeProduct(t)).sku, quantity: 1 }]);
    expect(empty).toMatchObject({ plan: [], unfilled: [{ quantity: 1 }] });
    expect(empty.trace.candidates).toEqual([]);
    expect(empty.trace.chosen).toBeNull();
  });

  it('keeps ineligible locations out, each with its reason in the trace', async () => {
    const at = await sites(['nj', 'pa', 'il', 'to'], {
      nj: { tags: ['cold'] },
      pa: { kind: 'store' },
    });
    const sku = await stocked(t, { [at.nj]: 4, [at.pa]: 4, [at.il]: 4, [at.to]: 4 });
    const channel = (await makeChannel(t)).code;
    const line = [{ sku, quantity: 1 }];
    const route = async (eligible: Record<string, unknown>) => {
      await rules(channel, only({ eligible }));
      const simulation = await simulate(channel, line);
      return { from: shipsFrom(simulation), reasons: reasonsOf(simulation.trace), simulation };
    };

    const stores = await route({ kinds: ['store'] });
    expect(stores.from).toEqual([at.pa]);
    expect(stores.reasons).toEqual({
      [at.nj]: ['kind warehouse is not one of store'],
      [at.pa]: [],
      [at.il]: ['kind warehouse is not one of store'],
      [at.to]: ['kind warehouse is not one of store'],
    });

    const cold = await route({ tags: ['cold'] });
    expect(cold.from).toEqual([at.nj]);
    expect(cold.reasons[at.pa]).toEqual(['lacks tag cold']);

    const included = await route({ include: [at.il, at.to] });
    expect(included.from).toEqual([at.to]);
    expect(included.reasons[at.nj]).toEqual(['not among the included locations']);
    expect(included.reasons[at.il]).toEqual([]);

    const excluded = await route({ exclude: [at.nj] });
    expect(excluded.from).toEqual([at.pa]);
    expect(excluded.reasons[at.nj]).toEqual(['excluded by the rule']);

    const near = await route({ max_distance_km: 300 });
    expect(near.from).toEqual([at.nj]);
    expect(near.reasons[at.pa]).toEqual([]);
    expect(near.reasons[at.il]?.[0]).toMatch(/^11\d\d km away, beyond 300 km$/);
    expect(near.reasons[at.to]?.[0]).toMatch(/^5\d\d km away, beyond 300 km$/);

    // Toronto is nearer than Chicago, but abroad.
    const domestic = await route({ same_country: true, exclude: [at.nj, at.pa] });
    expect(domestic.from).toEqual([at.il]);
    expect(domestic.reasons[at.to]).toEqual(['in CA, not US']);

    const several = await route({ kinds: ['store'], tags: ['cold'] });
    expect(several.reasons[at.il]).toEqual(['kind warehouse is not one of store', 'lacks tag cold']);
    expect(several.from).toEqual([]);
    expect(several.simulation.trace.why).toBe('no location is eligible for this order');
    expect(several.simulation.unfilled).toEqual([{ sku, quantity: 1 }]);
  });

  it('uses the first rule whose condition holds, else the fallback', async () => {
    const at = await sites(['nj', 'pa', 'il'], { pa: { kind: 'store' } });
    const plain = await stocked(t, { [at.nj]: 4, [at.pa]: 4, [at.il]: 4 });
    const fragile = await stocked(
      t,
      { [at.nj]: 4, [at.pa]: 4, [at.il]: 4 },
      { product: { tags: ['fragile'] } },
    );
    const channel = (await makeChannel(t)).code;
    const version = await rules(channel, {
      rules: [
        {
          name: 'same day from stores',
          condition: { '==': [{ var: 'service_level' }, 'same_day'] },
          action: { eligible: { kinds: ['store'] }, ranking: ['nearest'], split: { policy: 'none' } },
        },
        {
          name: 'big orders from Chicago',
          condition: { '>=': [{ var: 'order_value' }, 50_000] },
          action: { eligible: { include: [at.il] }, ranking: ['nearest'], split: { policy: 'none' } },
        },
        {
          name: 'fragile not from Edison',
          condition: { in: ['fragile', { var: 'line_tags' }] },
          action: { eligible: { exclude: [at.nj] }, ranking: ['nearest'], split: { policy: 'none' } },
        },
      ],
      fallback: { ranking: ['nearest'], split: { policy: 'none' } },
    });

    const cases: Array<[string, object[], Record<string, unknown>, number | null, string, string]> = [
      ['plain', [{ sku: plain, quantity: 1, unit_price: 1000 }], {}, null, 'fallback', at.nj],
      [
        'same day',
        [{ sku: plain, quantity: 1, unit_price: 1000 }],
        { service_level: 'same_day' },
        0,
        'same day from stores',
        at.pa,
      ],
      ['big', [{ sku: plain, quantity: 2, unit_price: 25_000 }], {}, 1, 'big orders from Chicago', at.il],
      ['fragile', [{ sku: fragile, quantity: 1 }], {}, 2, 'fragile not from Edison', at.pa],
      // Both the first and the third hold: the first decides.
      [
        'same day and fragile',
        [{ sku: fragile, quantity: 1 }],
        { service_level: 'same_day' },
        0,
        'same day from stores',
        at.pa,
      ],
    ];
    for (const [label, lines, fields, index, name, from] of cases) {
      const simulation = await simulate(channel, lines as Array<{ sku: string; quantity: number }>, fields);
      expect([label, simulation.trace.rule, shipsFrom(simulation)]).toEqual([label, { index, name }, [from]]);
      expect(simulation.trace.rule_set).toEqual({ scope: channel, version });
    }
  });

  it('ranks by carrier cost and transit time when the rules say so', async () => {
    const at = await sites(['nj', 'pa', 'il']);
    const sku = await stocked(t, { [at.nj]: 4, [at.pa]: 4, [at.il]: 4 });
    const channel = (await makeChannel(t)).code;
    await carrier();

    await rules(channel, only({ ranking: ['lowest_cost', 'nearest'] }));
    const cheapest = await simulate(channel, [{ sku, quantity: 1 }]);
    expect(shipsFrom(cheapest)).toEqual([at.pa]);
    expect(cheapest.trace.chosen?.cost).toBe(700);
    expect(cheapest.trace.why).toBe(`${at.pa} over ${at.il} by lowest cost: cost 700 against cost 1200`);

    await rules(channel, only({ ranking: ['fastest'] }));
    const fastest = await simulate(channel, [{ sku, quantity: 1 }]);
    expect(shipsFrom(fastest)).toEqual([at.nj]);
    expect(fastest.trace.why).toBe(
      `${at.nj} over ${at.pa} by fastest: 1 transit days against 3 transit days`,
    );

    // A service for other service levels quotes nothing: cost is unknown and cannot decide.
    const express = await simulate(channel, [{ sku, quantity: 1 }], { service_level: 'express' });
    expect(express.trace.chosen?.cost).toBeNull();
  });

  it('places the destination by given coordinates, else the postal code, else the country centre', async () => {
    const at = await sites(['nj', 'il']);
    const sku = await stocked(t, { [at.nj]: 4, [at.il]: 4 });
    const channel = (await makeChannel(t)).code;

    // Coordinates in Chicago win over the New York postal code.
    const given = await simulate(channel, [{ sku, quantity: 1 }], {
      ship_to: { ...empireStateBuilding, latitude: 41.8781, longitude: -87.6298 },
    });
    expect(given.destination).toEqual({ latitude: 41.8781, longitude: -87.6298, source: 'given' });
    expect(shipsFrom(given)).toEqual([at.il]);

    const toronto = await simulate(channel, [{ sku, quantity: 1 }], {
      ship_to: {
        line1: '290 Bremner Blvd',
        city: 'Toronto',
        region: 'ON',
        postal_code: 'M5V 3L9',
        country: 'CA',
      },
    });
    expect(toronto.destination).toMatchObject({ source: 'postal_code' });
    expect(toronto.destination?.latitude).toBeCloseTo(43.65, 1);

    const berlin = await simulate(channel, [{ sku, quantity: 1 }], {
      ship_to: { line1: 'Unter den Linden 1', city: 'Berlin', postal_code: '10117', country: 'DE' },
    });
    expect(berlin.destination).toEqual({ latitude: 51, longitude: 9, source: 'country_centroid' });
    expect(shipsFrom(berlin)).toEqual([at.nj]); // New Jersey is nearer to Germany than Chicago
    expect(berlin.trace.candidates.every((c) => (c.distance_km ?? 0) > 5000)).toBe(true);
  });

  it('writes nothing', async () => {
    const at = await sites(['nj'], { nj: { capacity_orders_per_day: 5 } });
    const sku = await stocked(t, { [at.nj]: 4 });
    const channel = (await makeChannel(t)).code;
    const snapshot = async () =>
      (
        await t.pool.query(`SELECT (SELECT count(*) FROM reservations)::int AS reservations,
                                   (SELECT sum(reserved)::int FROM inventory_levels) AS reserved,
                                   (SELECT sum(on_hand)::int FROM inventory_levels) AS on_hand,
                                   (SELECT count(*) FROM events)::int AS events,
                                   (SELECT count(*) FROM orders)::int AS orders,
                                   (SELECT count(*) FROM location_daily_usage)::int AS usage`)
      ).rows[0];
    const before = await snapshot();
    const simulation = await simulate(channel, [{ sku, quantity: 3 }]);
    expect(shipsFrom(simulation)).toEqual([at.nj]);
    expect(await snapshot()).toEqual(before);
    expect(await reservedAt(sku)).toEqual({});
  });

  it('checks its input and who asks', async () => {
    const at = await sites(['nj']);
    const sku = await stocked(t, { [at.nj]: 4 });
    const channel = (await makeChannel(t)).code;
    const other = (await makeChannel(t)).code;
    const post = (payload: object, key?: string) =>
      t.request({ method: 'POST', url: '/v1/routing/simulate', payload, ...(key ? { key } : {}) });
    const body = {
      channel,
      ship_to: empireStateBuilding,
      lines: [{ sku, quantity: 1 }],
      service_level: 'standard',
    };

    const unknown = await post({
      ...body,
      lines: [
        { sku, quantity: 1 },
        { sku: uniq('NOPE'), quantity: 1 },
      ],
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().errors).toEqual([expect.objectContaining({ pointer: '/lines/1/sku' })]);

    const { channel: _, ...unbound } = body;
    const noChannel = await post(unbound);
    expect(noChannel.statusCode).toBe(422);
    expect(noChannel.json().errors).toEqual([expect.objectContaining({ pointer: '/channel' })]);

    const noSuchChannel = await post({ ...body, channel: uniq('gone') });
    expect(noSuchChannel.statusCode).toBe(422);

    const malformed = await post({ ...body, lines: [], service_level: 'teleport' });
    expect(malformed.statusCode).toBe(422);
    expect(
      malformed
        .json()
        .errors.map((e: { pointer: string }) => e.pointer)
        .sort(),
    ).toEqual(['/lines', '/service_level']);

    // A key bound to a channel simulates for that channel only; another channel is not there for it.
    const bound = await t.keyWith(['orders:read'], channel);
    const own = await post(unbound, bound);
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json().plan).toEqual([{ location: at.nj, lines: [{ sku, quantity: 1 }] }]);
    expect((await post({ ...body, channel: other }, bound)).statusCode).toBe(404);

    expect((await post(body, await t.keyWith(['inventory:read']))).statusCode).toBe(403);
    expect(
      (await t.request({ method: 'POST', url: '/v1/routing/simulate', payload: body, key: null })).statusCode,
    ).toBe(401);
  });
});

describe('routing at capture', () => {
  it('records the decision on the order and announces it', async () => {
    const at = await sites(['nj', 'pa']);
    const sku = await stocked(t, { [at.nj]: 4, [at.pa]: 4 });
    const channel = (await makeChannel(t, unreleased)).code;
    const version = await rules(channel, only({ ranking: ['min_splits', 'nearest'] }));

    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 2 }]));
    expect(order).toMatchObject({ status: 'allocated', reservations: [{ location: at.nj }] });
    expect(order.promised_delivery_date).toBeNull(); // no carrier quotes a shipment

    const routing = await routingOf(order.id);
    expect(routing).toMatchObject({
      order_id: order.id,
      destination: { latitude: 40.749, longitude: -73.9865, source: 'postal_code' },
      promised_delivery_date: null,
      routing: {
        rule_set: { scope: channel, version },
        rule: { index: null, name: 'fallback' },
        chosen: { locations: [at.nj], shipments: 1, complete: true },
      },
    });
    expect(routing.routing?.candidates.map((c) => c.location).sort()).toEqual([at.nj, at.pa].sort());
    expect(routing.routing?.why).toContain(`${at.nj} over ${at.pa} by nearest`);
    // The order number finds it too.
    const byNumber = await t.request({ method: 'GET', url: `/v1/orders/${order.number}/routing` });
    expect(byNumber.json().order_id).toBe(order.id);

    const announced = await eventsOf(t, order.id);
    expect(announced.map((e) => e.type)).toEqual(['order.created', 'order.routed', 'order.allocated']);
    expect(announced[1]?.data.routing).toEqual({
      rule_set: { scope: channel, version },
      rule: { index: null, name: 'fallback' },
      locations: [at.nj],
      shipments: 1,
      cost: null,
      why: routing.routing?.why,
    });
    expect(await reservedAt(sku)).toEqual({ [at.nj]: 2 });
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('promises a delivery date when a carrier service quotes the shipment', async () => {
    const at = await sites(['nj']);
    const sku = await stocked(t, { [at.nj]: 4 });
    const channel = (await makeChannel(t)).code;
    await carrier();

    // Wednesday 10:00 in Edison, before its 17:00 cut-off: ships today, 1 business day in transit.
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    expect(order.promised_delivery_date).toBe('2026-11-26');
    const routing = await routingOf(order.id);
    expect(routing.promised_delivery_date).toBe('2026-11-26');
    expect(routing.routing?.chosen?.cost).toBe(1500);
    const routed = (await eventsOf(t, order.id)).find((e) => e.type === 'order.routed');
    expect(routed?.data.routing).toMatchObject({ cost: 1500, locations: [at.nj] });
  });

  it('uses the rule set version in force at capture', async () => {
    const at = await sites(['nj', 'pa']);
    const sku = await stocked(t, { [at.nj]: 4, [at.pa]: 4 });
    const channel = (await makeChannel(t)).code;

    const first = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    expect((await routingOf(first.id)).routing?.rule_set).toEqual({ scope: '*', version: 0 });

    expect(await rules(channel, only({ eligible: { include: [at.nj] } }))).toBe(1);
    const second = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    // Saved moments ago, in this process: no cached copy hides it.
    expect(await rules(channel, only({ eligible: { include: [at.pa] } }))).toBe(2);
    const third = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));

    const secondTrace = (await routingOf(second.id)).routing;
    const thirdTrace = (await routingOf(third.id)).routing;
    expect([secondTrace?.rule_set.version, secondTrace?.chosen?.locations]).toEqual([1, [at.nj]]);
    expect([thirdTrace?.rule_set.version, thirdTrace?.chosen?.locations]).toEqual([2, [at.pa]]);
    expect(third.reservations).toMatchObject([{ location: at.pa }]);
  });

  it('holds an order for stock when only ineligible locations have it, and the trace says why', async () => {
    const at = await sites(['nj', 'pa']);
    const sku = await stocked(t, { [at.nj]: 4 });
    const channel = (await makeChannel(t, { allow_backorders: false })).code;
    await rules(channel, only({ eligible: { exclude: [at.nj] } }));

    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    expect(order.status).toBe('on_hold');
    expect(order.holds).toMatchObject([{ kind: 'stock' }]);
    const routing = await routingOf(order.id);
    expect(routing.routing?.candidates).toMatchObject([
      { location: at.nj, reasons: ['excluded by the rule'] },
    ]);
    expect(routing.promised_delivery_date).toBeNull();
    expect(await eventTypes(t, order.id)).not.toContain('order.routed');
    expect(await reservedAt(sku)).toEqual({});
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });
});

describe('daily capacity', () => {
  it('takes a location with its daily orders used out of routing until its next local day', async () => {
    const at = await sites(['nj', 'pa'], { nj: { capacity_orders_per_day: 1 } });
    const sku = await stocked(t, { [at.nj]: 10, [at.pa]: 10 });
    const channel = (await makeChannel(t)).code;

    const first = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    expect(first.reservations).toMatchObject([{ location: at.nj }]);

    const second = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    expect(second.reservations).toMatchObject([{ location: at.pa }]);
    const trace = (await routingOf(second.id)).routing;
    const nj = trace?.candidates.find((c) => c.location === at.nj);
    expect(nj).toMatchObject({ eligible: false, reasons: ['at its daily order capacity until 2026-11-26'] });

    // Simulation sees the same capacity.
    const simulation = await simulate(channel, [{ sku, quantity: 1 }]);
    expect(shipsFrom(simulation)).toEqual([at.pa]);
    expect(reasonsOf(simulation.trace)[at.nj]).toEqual(['at its daily order capacity until 2026-11-26']);

    clock.advance(dayMs);
    const nextDay = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    expect(nextDay.reservations).toMatchObject([{ location: at.nj }]);

    const usage = await t.pool.query(
      `SELECT to_char(u.day, 'YYYY-MM-DD') AS day, u.orders, u.units FROM location_daily_usage u
         JOIN locations l ON l.id = u.location_id WHERE l.code = $1 ORDER BY u.day`,
      [at.nj],
    );
    expect(usage.rows).toEqual([
      { day: '2026-11-25', orders: 1, units: 1 },
      { day: '2026-11-26', orders: 1, units: 1 },
    ]);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('counts units per local day too', async () => {
    const at = await sites(['nj', 'pa'], { nj: { capacity_units_per_day: 3 } });
    const sku = await stocked(t, { [at.nj]: 20, [at.pa]: 20 });
    const channel = (await makeChannel(t)).code;

    const first = await captureOrder(t, orderBody(channel, [{ sku, quantity: 3 }]));
    expect(first.reservations).toMatchObject([{ location: at.nj, items: [{ quantity: 3 }] }]);

    const second = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    expect(second.reservations).toMatchObject([{ location: at.pa }]);
    const reasons = reasonsOf((await routingOf(second.id)).routing as Trace);
    expect(reasons[at.nj]).toEqual(['at its daily unit capacity until 2026-11-26']);

    clock.advance(dayMs);
    // A new day: room for 3 units again, but not 4 (the rest would need a second shipment).
    const nextDay = await captureOrder(t, orderBody(channel, [{ sku, quantity: 3 }]));
    expect(nextDay.reservations).toMatchObject([{ location: at.nj, items: [{ quantity: 3 }] }]);
    expect(await reservedAt(sku)).toEqual({ [at.nj]: 6, [at.pa]: 1 });
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('lets a location with some units left ship only what fits', async () => {
    const at = await sites(['nj', 'pa'], { nj: { capacity_units_per_day: 2 } });
    const sku = await stocked(t, { [at.nj]: 20, [at.pa]: 20 });
    const channel = (await makeChannel(t)).code;

    const big = await captureOrder(t, orderBody(channel, [{ sku, quantity: 3 }]));
    expect(big.reservations).toMatchObject([{ location: at.pa, items: [{ quantity: 3 }] }]);
    const small = await captureOrder(t, orderBody(channel, [{ sku, quantity: 2 }]));
    expect(small.reservations).toMatchObject([{ location: at.nj, items: [{ quantity: 2 }] }]);
  });
});

describe('stale feeds', () => {
  const minuteMs = 60_000;

  it('keeps a location whose feed is older than its max age out of routing, says "stale feed", and takes it back at the next feed', async () => {
    const at = await sites(['nj', 'pa'], { nj: { max_feed_age_minutes: 60 } });
    const sku = await stocked(t, { [at.nj]: 10, [at.pa]: 10 });
    const channel = (await makeChannel(t)).code;
    const nearest = async () => shipsFrom(await simulate(channel, [{ sku, quantity: 1 }]));

    clock.advance(60 * minuteMs); // exactly the max age: still fresh
    expect(await nearest()).toEqual([at.nj]);

    clock.advance(minuteMs);
    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    expect(order.reservations).toMatchObject([{ location: at.pa }]);
    const [reason] = reasonsOf((await routingOf(order.id)).routing as Trace)[at.nj] ?? [];
    expect(reason).toMatch(/^stale feed: the last stock feed arrived 61 min ago .*, more than 60 min$/);
    const simulation = await simulate(channel, [{ sku, quantity: 1 }]);
    expect(shipsFrom(simulation)).toEqual([at.pa]);
    expect(reasonsOf(simulation.trace)[at.nj]).toEqual([reason]);

    // Any feed at the location makes it fresh again, for every SKU there.
    await receive(t, [{ sku: await stocked(t, {}), location: at.nj, delta: 1 }]);
    const after = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    expect(after.reservations).toMatchObject([{ location: at.nj }]);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('holds the order for stock when the only stocked location is stale', async () => {
    const at = await sites(['nj'], { nj: { max_feed_age_minutes: 5 } });
    const sku = await stocked(t, { [at.nj]: 3 });
    const channel = (await makeChannel(t)).code;
    clock.advance(6 * minuteMs);

    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 1 }]));
    expect(order.status).toBe('on_hold');
    expect(order.holds).toMatchObject([{ kind: 'stock' }]);
    expect(reasonsOf((await routingOf(order.id)).routing as Trace)[at.nj]?.[0]).toMatch(/^stale feed/);
    expect(await reservedAt(sku)).toEqual({});
  });

  it('is set, changed and cleared on the location, and checked', async () => {
    const code = await site('nj');
    const set = async (value: unknown) =>
      t.request({ method: 'PATCH', url: `/v1/locations/${code}`, payload: { max_feed_age_minutes: value } });
    expect((await set(30)).json()).toMatchObject({ max_feed_age_minutes: 30 });
    for (const bad of [0, -5, 1.5, 'soon']) {
      const res = await set(bad);
      expect(res.statusCode, res.body).toBe(422);
      expect(JSON.stringify(res.json().errors)).toContain('/max_feed_age_minutes');
    }
    expect((await set(null)).json()).toMatchObject({ max_feed_age_minutes: null });
  });
});

describe('cost review', () => {
  const review = (threshold: number) =>
    only({ ranking: ['nearest'], split: { policy: 'none' }, cost_review_threshold: threshold });

  it('holds for review the orders of a channel that backorders, each hold with an id of its own', async () => {
    const at = await sites(['nj', 'pa']);
    const sku = await stocked(t, { [at.nj]: 4, [at.pa]: 4 });
    const channel = (await makeChannel(t, { ...unreleased, allow_backorders: true })).code;
    await carrier();
    await rules(channel, review(500));
    const orders = [
      await captureOrder(t, orderBody(channel, [{ sku, quantity: 2 }])),
      await captureOrder(t, orderBody(channel, [{ sku, quantity: 2 }])),
    ];
    for (const order of orders) {
      expect(order).toMatchObject({
        status: 'on_hold',
        holds: [{ kind: 'routing_review' }],
        reservations: [],
      });
    }
    const ids = orders.map((order) => order.holds[0].id);
    expect(ids.every((id) => id > 0)).toBe(true);
    expect(new Set(ids).size).toBe(2);
  });

  it('holds an order whose rules choose a plan costing too much more than the cheapest, until a person accepts it', async () => {
    const at = await sites(['nj', 'pa']);
    const sku = await stocked(t, { [at.nj]: 4, [at.pa]: 4 });
    const channel = (await makeChannel(t, unreleased)).code;
    await carrier();
    // Nearest is Edison at 1500; Philadelphia ships for 700: 800 more, above 500.
    await rules(channel, review(500));

    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 2 }]));
    expect(order.status).toBe('on_hold');
    expect(order.holds).toMatchObject([{ kind: 'routing_review', queue: 'routing_review', status: 'open' }]);
    expect(order.holds[0].reason).toContain('1500');
    expect(order.lines).toMatchObject([{ allocated: 0 }]);
    expect(order.reservations).toEqual([]);
    expect(await reservedAt(sku)).toEqual({});
    const routing = await routingOf(order.id);
    expect(routing.routing?.review).toEqual({
      reason: expect.any(String),
      chosen_cost: 1500,
      cheapest_cost: 700,
    });
    expect(routing.promised_delivery_date).toBeNull();
    expect(await eventTypes(t, order.id)).toEqual(['order.created', 'order.held']);

    // Simulation shows the same review, and plans nothing.
    const simulated = await simulate(channel, [{ sku, quantity: 2 }]);
    expect(simulated).toMatchObject({
      plan: [],
      unfilled: [],
      trace: { review: { chosen_cost: 1500, cheapest_cost: 700 } },
    });

    const queue = await t.request({ method: 'GET', url: '/v1/holds?queue=routing_review&status=open' });
    expect(queue.json().data.map((h: { order: { id: string } }) => h.order.id)).toContain(order.id);

    const released = await t.request({
      method: 'POST',
      url: `/v1/holds/${order.holds[0].id}/release`,
      payload: { note: 'Edison it is: the customer collects there' },
    });
    expect(released.statusCode, released.body).toBe(200);
    expect(released.json()).toMatchObject({
      status: 'allocated',
      holds: [{ kind: 'routing_review', status: 'released' }],
      lines: [{ allocated: 2 }],
      reservations: [{ location: at.nj, items: [{ quantity: 2 }] }],
    });
    expect(await reservedAt(sku)).toEqual({ [at.nj]: 2 });
    const after = await routingOf(order.id);
    expect(after.routing?.chosen?.locations).toEqual([at.nj]);
    expect(after.routing?.review).toBeUndefined();
    expect(await eventTypes(t, order.id)).toEqual([
      'order.created',
      'order.held',
      'order.hold_released',
      'order.routed',
      'order.allocated',
    ]);
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });

  it('decides at once when the gap is within the threshold', async () => {
    const at = await sites(['nj', 'pa']);
    const sku = await stocked(t, { [at.nj]: 4, [at.pa]: 4 });
    const channel = (await makeChannel(t)).code;
    await carrier();
    await rules(channel, review(800));

    const order = await captureOrder(t, orderBody(channel, [{ sku, quantity: 2 }]));
    expect(order).toMatchObject({ status: 'allocated', holds: [], reservations: [{ location: at.nj }] });
    expect((await routingOf(order.id)).routing?.review).toBeUndefined();
    expect(await brokenInvariants(t.pool)).toEqual([]);
  });
});
