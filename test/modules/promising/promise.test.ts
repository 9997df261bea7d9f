import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PromiseRequest, PromiseView } from '../../../src/modules/promising/promise.schemas.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { testClock } from '../../helpers/clock.js';
import { makeChannel, makeLocation, makeProduct, newYork, receive, uniq } from '../../helpers/factories.js';
import { expectInvalid } from '../../helpers/problems.js';

/** Wednesday 2026-11-25, 10:00 in New York, 09:00 in Chicago, 07:00 in Los Angeles. */
const wednesday = new Date('2026-11-25T15:00:00Z');
const clock = testClock(wednesday);

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t.close());
beforeEach(() => {
  clock.reset();
});

/** Carriers are global: each test's own are deactivated after it, so they never show up in another's options. */
const carriersMade: string[] = [];
afterEach(async () => {
  for (const code of carriersMade.splice(0)) {
    const res = await t.request({ method: 'POST', url: `/v1/carriers/${code}/deactivate` });
    expect(res.statusCode, res.body).toBe(200);
  }
});

const sites = {
  nj: {
    latitude: 40.5187,
    longitude: -74.4121,
    time_zone: 'America/New_York',
    region: 'NJ',
    postal: '08837',
  },
  il: { latitude: 41.8781, longitude: -87.6298, time_zone: 'America/Chicago', region: 'IL', postal: '60601' },
  ca: {
    latitude: 34.0522,
    longitude: -118.2437,
    time_zone: 'America/Los_Angeles',
    region: 'CA',
    postal: '90021',
  },
};

type Cell = { price: number; transit_days: number };

/**
 * A rate card by distance band (up to 500 km, 2,000 km, 5,000 km) with one weight bracket up to
 * `maxGrams`; a band given as null ends the card before it.
 */
function card(bands: Array<Cell | null>, maxGrams = 30_000) {
  const edges = [0, 500, 2000, 5000];
  const rows = bands.slice(0, bands.includes(null) ? bands.indexOf(null) : bands.length) as Cell[];
  return {
    distance_bands: rows.map((_, i) => ({ min_km: edges[i] ?? 0, max_km: edges[i + 1] ?? 0 })),
    weight_brackets: [{ min_grams: 0, max_grams: maxGrams }],
    rates: rows.map((cell) => [cell]),
  };
}

interface ServiceSpec {
  code: string;
  service_levels: string[];
  rate_card: ReturnType<typeof card>;
  pickup_cutoffs?: Record<string, string>;
}

async function makeCarrier(services: ServiceSpec[]): Promise<string> {
  const code = uniq('car');
  const res = await t.request({
    method: 'POST',
    url: '/v1/carriers',
    payload: { code, name: code, services: services.map((s) => ({ name: s.code, ...s })) },
  });
  expect(res.statusCode, res.body).toBe(201);
  carriersMade.push(code);
  return code;
}

/** Ground: 1 day near, 3 days mid, 5 days far; cheaper the nearer. */
const ground = (fields: Partial<ServiceSpec> = {}): ServiceSpec => ({
  code: 'ground',
  service_levels: ['standard'],
  rate_card: card([
    { price: 600, transit_days: 1 },
    { price: 900, transit_days: 3 },
    { price: 1200, transit_days: 5 },
  ]),
  ...fields,
});

/** A channel of the test's own, and locations serving only it. */
async function world(
  locations: Array<{
    site: keyof typeof sites;
    cutoff_time?: string;
    processing_days?: number;
    max_feed_age_minutes?: number;
    capacity_orders_per_day?: number;
    stock: Record<string, number>;
  }>,
) {
  const channel = (await makeChannel(t)).code as string;
  const products = {
    a: (await makeProduct(t, { weight_grams: 500 })).sku as string,
    b: (await makeProduct(t, { weight_grams: 1500 })).sku as string,
    c: (await makeProduct(t)).sku as string,
  };
  const codes: string[] = [];
  for (const spec of locations) {
    const site = sites[spec.site];
    const location = await makeLocation(t, {
      address: {
        line1: '1 Dock Rd',
        city: 'Metro',
        region: site.region,
        postal_code: site.postal,
        country: 'US',
      },
      latitude: site.latitude,
      longitude: site.longitude,
      time_zone: site.time_zone,
      cutoff_time: spec.cutoff_time ?? '14:00',
      processing_days: spec.processing_days ?? 0,
      ...(spec.max_feed_age_minutes ? { max_feed_age_minutes: spec.max_feed_age_minutes } : {}),
      ...(spec.capacity_orders_per_day === undefined
        ? {}
        : { capacity_orders_per_day: spec.capacity_orders_per_day }),
      channels: [channel],
    });
    codes.push(location.code);
    const items = Object.entries(spec.stock).map(([key, delta]) => ({
      sku: products[key as keyof typeof products],
      location: location.code as string,
      delta,
    }));
    if (items.length > 0) {
      await receive(t, items);
    }
  }
  return { channel, products, locations: codes };
}

/** A promise body; tests send invalid ones too. */
type Body = Omit<Partial<PromiseRequest>, 'service_level'> & Record<string, unknown>;

/** POST /v1/promise to New York at the standard level; `key` null sends no key. */
const promise = (body: Body, key?: string | null) =>
  t.request({
    method: 'POST',
    url: '/v1/promise',
    payload: { destination: newYork, service_level: 'standard', ...body },
    ...(key === undefined ? {} : { key }),
  });

async function options(body: Body): Promise<PromiseView['options']> {
  const res = await promise(body);
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as PromiseView).options;
}

/** Each option as `carrier/service from locations: ship -> delivery, cost`. */
const summary = (found: PromiseView['options']) =>
  found.map(
    (o) =>
      `${o.service} from ${o.locations.map((l) => l.location).join('+')}: ${o.ship_date} -> ${o.delivery_date}, ${o.cost}`,
  );

describe('POST /v1/promise', () => {
  describe('single-location options', () => {
    it('offers every location that has all lines, each with the services that quote it', async () => {
      const w = await world([
        { site: 'nj', stock: { a: 10, b: 10 } },
        { site: 'il', stock: { a: 10, b: 10 } },
        { site: 'ca', stock: { a: 10 } },
      ]);
      const carrier = await makeCarrier([ground()]);
      const res = await promise({
        channel: w.channel,
        lines: [
          { sku: w.products.a, quantity: 2 },
          { sku: w.products.b, quantity: 1 },
        ],
      });
      expect(res.statusCode, res.body).toBe(200);
      const lines = [
        { sku: w.products.a, quantity: 2 },
        { sku: w.products.b, quantity: 1 },
      ];
      expect(res.json()).toEqual({
        destination: { latitude: 40.7484, longitude: -73.9967, source: 'given' },
        // What capture would reserve: the built-in rules rank the nearest of equal-priority locations first.
        chosen: {
          locations: [{ location: w.locations[0], lines }],
          delivery_date: '2026-11-26',
          unfilled: [],
        },
        options: [
          {
            locations: [{ location: w.locations[0], lines }],
            carrier,
            service: 'ground',
            ship_date: '2026-11-25',
            delivery_date: '2026-11-26',
            cost: 600,
            transit_days: 1,
          },
          {
            locations: [{ location: w.locations[1], lines }],
            carrier,
            service: 'ground',
            ship_date: '2026-11-25',
            delivery_date: '2026-11-30',
            cost: 900,
            transit_days: 3,
          },
        ],
      });
    });

    it('leaves out a location whose stock feed is older than its max age, until its next feed', async () => {
      const w = await world([
        { site: 'nj', max_feed_age_minutes: 30, stock: { a: 10 } },
        { site: 'il', stock: { a: 10 } },
      ]);
      await makeCarrier([ground()]);
      const shipFroms = async () =>
        (await options({ channel: w.channel, lines: [{ sku: w.products.a, quantity: 1 }] })).map(
          (o) => o.locations[0]?.location,
        );
      expect(await shipFroms()).toEqual([w.locations[0], w.locations[1]]);

      clock.advance(31 * 60_000);
      expect(await shipFroms()).toEqual([w.locations[1]]);

      await receive(t, [{ sku: w.products.c, location: w.locations[0] as string, delta: 1 }]);
      expect(await shipFroms()).toEqual([w.locations[0], w.locations[1]]);
    });

    it('places the destination by postal code, else by country', async () => {
      const w = await world([{ site: 'nj', stock: { a: 5 } }]);
      await makeCarrier([ground()]);
      const { latitude: _, longitude: __, ...noCoordinates } = newYork;
      const res = await promise({
        channel: w.channel,
        lines: [{ sku: w.products.a, quantity: 1 }],
        destination: noCoordinates,
      });
      const body = res.json() as PromiseView;
      expect(body.destination.source).toBe('postal_code');
      expect(body.destination.latitude).toBeCloseTo(40.75, 1);
      expect(body.options).toHaveLength(1);

      const paris = { line1: '1 Rue de Rivoli', city: 'Paris', postal_code: '75001', country: 'FR' };
      const abroad = (
        await promise({
          channel: w.channel,
          lines: [{ sku: w.products.a, quantity: 1 }],
          destination: paris,
        })
      ).json() as PromiseView;
      // France's centre is ~5,900 km from Edison: beyond the card, so nothing to offer.
      expect(abroad).toEqual({
        destination: expect.objectContaining({ source: 'country_centroid' }),
        // Capture would still reserve the units, but promise no date: no service quotes the parcel.
        chosen: expect.objectContaining({ delivery_date: null }),
        options: [],
      });
    });

    it('counts lines repeating a SKU together', async () => {
      const w = await world([
        { site: 'nj', stock: { a: 3 } },
        { site: 'il', stock: { a: 4 } },
      ]);
      await makeCarrier([ground()]);
      const found = await options({
        channel: w.channel,
        lines: [
          { sku: w.products.a, quantity: 2 },
          { sku: w.products.a, quantity: 2 },
        ],
      });
      expect(found.map((o) => o.locations)).toEqual([
        [{ location: w.locations[1], lines: [{ sku: w.products.a, quantity: 4 }] }],
      ]);
    });

    it('skips locations without coordinates, inactive ones and ones that do not serve the channel', async () => {
      const w = await world([{ site: 'il', stock: { a: 5 } }]);
      await makeCarrier([ground()]);
      const london = await makeLocation(t, {
        address: { line1: '1 Strand', city: 'London', postal_code: 'WC2N 5DN', country: 'GB' },
        channels: [w.channel],
      });
      const other = await makeChannel(t);
      const elsewhere = await makeLocation(t, {
        latitude: sites.nj.latitude,
        longitude: sites.nj.longitude,
        channels: [other.code],
      });
      const closed = await makeLocation(t, {
        latitude: sites.nj.latitude,
        longitude: sites.nj.longitude,
        channels: [w.channel],
        active: false,
      });
      expect(london.latitude).toBeNull();
      await receive(
        t,
        [london, elsewhere, closed].map((l) => ({ sku: w.products.a, location: l.code, delta: 5 })),
      );
      const found = await options({ channel: w.channel, lines: [{ sku: w.products.a, quantity: 1 }] });
      expect(found.map((o) => o.locations[0]?.location)).toEqual([w.locations[0]]);
    });
  });

  describe('what capture would choose', () => {
    it('follows the channel’s rule set: eligibility for the options, ranking for the chosen plan', async () => {
      const w = await world([
        { site: 'nj', stock: { a: 10 } },
        { site: 'il', stock: { a: 10 } },
        { site: 'ca', stock: { a: 20 } },
      ]);
      await makeCarrier([ground()]);
      const saved = await t.request({
        method: 'PUT',
        url: `/v1/routing/rule-sets/${w.channel}`,
        payload: {
          rules: [],
          fallback: {
            eligible: { exclude: [w.locations[0]] },
            ranking: ['most_stock'],
            split: { policy: 'none' },
          },
        },
      });
      expect(saved.statusCode, saved.body).toBe(200);
      const lines = [{ sku: w.products.a, quantity: 2 }];
      const body = (await promise({ channel: w.channel, lines })).json() as PromiseView;
      // Los Angeles has the most stock: capture reserves there and promises its 5-day ground date.
      expect(body.chosen).toEqual({
        locations: [{ location: w.locations[2], lines }],
        delivery_date: '2026-12-02',
        unfilled: [],
      });
      // New Jersey is nearest and fastest, but the rules exclude it: it is not offered either.
      expect(summary(body.options)).toEqual([
        `ground from ${w.locations[1]}: 2026-11-25 -> 2026-11-30, 900`,
        `ground from ${w.locations[2]}: 2026-11-25 -> 2026-12-02, 1200`,
      ]);
    });

    it('leaves out a location at its daily order capacity, and says when nothing would be reserved', async () => {
      const w = await world([
        { site: 'nj', capacity_orders_per_day: 0, stock: { a: 10 } },
        { site: 'il', stock: { a: 1 } },
      ]);
      await makeCarrier([ground()]);
      const one = (await promise({ channel: w.channel, lines: [{ sku: w.products.a, quantity: 1 }] })).json();
      expect(one.chosen?.locations.map((l: { location: string }) => l.location)).toEqual([w.locations[1]]);
      expect(summary(one.options)).toEqual([`ground from ${w.locations[1]}: 2026-11-25 -> 2026-11-30, 900`]);
      const two = (await promise({ channel: w.channel, lines: [{ sku: w.products.a, quantity: 2 }] })).json();
      expect(two).toMatchObject({ chosen: null, options: [] });
    });
  });

  describe('splits', () => {
    it('splits across the nearest locations when no location has everything', async () => {
      const w = await world([
        { site: 'nj', stock: { a: 10 } },
        { site: 'il', stock: { b: 10 } },
        { site: 'ca', stock: { a: 10, b: 10 } },
      ]);
      const carrier = await makeCarrier([ground()]);
      const found = await options({
        channel: w.channel,
        lines: [
          { sku: w.products.a, quantity: 1 },
          { sku: w.products.b, quantity: 1 },
          { sku: w.products.c, quantity: 1 },
        ],
      });
      // Nobody stocks c: nothing can ship.
      expect(found).toEqual([]);

      const split = await options({
        channel: w.channel,
        lines: [
          { sku: w.products.b, quantity: 2 },
          { sku: w.products.a, quantity: 1 },
        ],
      });
      // Los Angeles, though farthest, is the only location with both: it ships alone.
      expect(split.map((o) => o.locations.map((l) => l.location))).toEqual([[w.locations[2]]]);

      await receive(t, [{ sku: w.products.b, location: w.locations[2] ?? '', delta: -10 }]);
      const nowSplit = await options({
        channel: w.channel,
        lines: [
          { sku: w.products.b, quantity: 2 },
          { sku: w.products.a, quantity: 1 },
        ],
      });
      expect(nowSplit).toEqual([
        {
          locations: [
            { location: w.locations[0], lines: [{ sku: w.products.a, quantity: 1 }] },
            { location: w.locations[1], lines: [{ sku: w.products.b, quantity: 2 }] },
          ],
          carrier,
          service: 'ground',
          ship_date: '2026-11-25',
          // The slowest parcel (Chicago, 3 days) sets the date; the costs add up.
          delivery_date: '2026-11-30',
          cost: 600 + 900,
          transit_days: 3,
        },
      ]);
    });

    it('takes a line from several locations, nearest first, when none has enough', async () => {
      const w = await world([
        { site: 'ca', stock: { a: 10 } },
        { site: 'nj', stock: { a: 3 } },
        { site: 'il', stock: { a: 4 } },
      ]);
      await makeCarrier([ground()]);
      const found = await options({ channel: w.channel, lines: [{ sku: w.products.a, quantity: 12 }] });
      expect(found.map((o) => o.locations)).toEqual([
        [
          { location: w.locations[1], lines: [{ sku: w.products.a, quantity: 3 }] },
          { location: w.locations[2], lines: [{ sku: w.products.a, quantity: 4 }] },
          { location: w.locations[0], lines: [{ sku: w.products.a, quantity: 5 }] },
        ],
      ]);
      expect(found[0]).toMatchObject({
        cost: 600 + 900 + 1200,
        delivery_date: '2026-12-02',
        transit_days: 5,
      });
      expect(await options({ channel: w.channel, lines: [{ sku: w.products.a, quantity: 18 }] })).toEqual([]);
    });
  });

  describe('ship dates', () => {
    it('ships today before the location’s cut-off and the next business day after it', async () => {
      // 10:00 in New York, 09:00 in Chicago.
      const w = await world([
        { site: 'nj', cutoff_time: '10:01', stock: { a: 5 } },
        { site: 'il', cutoff_time: '08:59', stock: { a: 5 } },
      ]);
      await makeCarrier([ground()]);
      const found = await options({ channel: w.channel, lines: [{ sku: w.products.a, quantity: 1 }] });
      expect(summary(found)).toEqual([
        `ground from ${w.locations[0]}: 2026-11-25 -> 2026-11-26, 600`,
        `ground from ${w.locations[1]}: 2026-11-26 -> 2026-12-01, 900`,
      ]);
    });

    it('uses a service’s pickup cut-off at a location instead of the location’s own', async () => {
      const w = await world([{ site: 'nj', cutoff_time: '17:00', stock: { a: 5 } }]);
      const late = w.locations[0] ?? '';
      await makeCarrier([ground(), ground({ code: 'early-pickup', pickup_cutoffs: { [late]: '09:30' } })]);
      const found = await options({ channel: w.channel, lines: [{ sku: w.products.a, quantity: 1 }] });
      expect(summary(found)).toEqual([
        `ground from ${late}: 2026-11-25 -> 2026-11-26, 600`,
        `early-pickup from ${late}: 2026-11-26 -> 2026-11-27, 600`,
      ]);
    });

    it('counts a weekend order, or a Friday order after the cut-off, from Monday', async () => {
      const w = await world([{ site: 'nj', stock: { a: 5 } }]);
      await makeCarrier([ground()]);
      const lines = [{ sku: w.products.a, quantity: 1 }];
      clock.set('2026-11-28T15:00:00Z'); // Saturday 10:00 in New York
      expect(summary(await options({ channel: w.channel, lines }))).toEqual([
        `ground from ${w.locations[0]}: 2026-11-30 -> 2026-12-01, 600`,
      ]);
      clock.set('2026-11-27T20:00:00Z'); // Friday 15:00 in New York, after the 14:00 cut-off
      expect(summary(await options({ channel: w.channel, lines }))).toEqual([
        `ground from ${w.locations[0]}: 2026-11-30 -> 2026-12-01, 600`,
      ]);
      clock.set('2026-11-27T18:00:00Z'); // Friday 13:00: ships Friday, arrives Monday
      expect(summary(await options({ channel: w.channel, lines }))).toEqual([
        `ground from ${w.locations[0]}: 2026-11-27 -> 2026-11-30, 600`,
      ]);
    });

    it('adds the location’s processing days', async () => {
      const w = await world([{ site: 'nj', processing_days: 2, stock: { a: 5 } }]);
      await makeCarrier([ground()]);
      const found = await options({ channel: w.channel, lines: [{ sku: w.products.a, quantity: 1 }] });
      expect(summary(found)).toEqual([`ground from ${w.locations[0]}: 2026-11-27 -> 2026-11-30, 600`]);
    });
  });

  describe('services', () => {
    const air = (): ServiceSpec => ({
      code: 'air',
      service_levels: ['express'],
      rate_card: card([
        { price: 1500, transit_days: 1 },
        { price: 2500, transit_days: 1 },
        { price: 3500, transit_days: 2 },
      ]),
    });
    const courier = (): ServiceSpec => ({
      code: 'courier',
      service_levels: ['same_day', 'express'],
      rate_card: card([{ price: 2900, transit_days: 0 }, null]),
    });

    it('offers only the services of the requested level', async () => {
      const w = await world([{ site: 'il', stock: { a: 5 } }]);
      await makeCarrier([ground(), air(), courier()]);
      const lines = [{ sku: w.products.a, quantity: 1 }];
      expect(summary(await options({ channel: w.channel, lines }))).toEqual([
        `ground from ${w.locations[0]}: 2026-11-25 -> 2026-11-30, 900`,
      ]);
      expect(summary(await options({ channel: w.channel, lines, service_level: 'express' }))).toEqual([
        `air from ${w.locations[0]}: 2026-11-25 -> 2026-11-26, 2500`,
      ]);
      // The courier only covers 500 km: Chicago is too far for same-day.
      expect(await options({ channel: w.channel, lines, service_level: 'same_day' })).toEqual([]);
    });

    it('delivers same-day the day it ships', async () => {
      const w = await world([{ site: 'nj', stock: { a: 5 } }]);
      const carrier = await makeCarrier([courier()]);
      const found = await options({
        channel: w.channel,
        lines: [{ sku: w.products.a, quantity: 1 }],
        service_level: 'same_day',
      });
      expect(found).toEqual([
        expect.objectContaining({
          carrier,
          service: 'courier',
          ship_date: '2026-11-25',
          delivery_date: '2026-11-25',
          transit_days: 0,
        }),
      ]);
    });

    it('leaves out services whose rate card does not reach the distance or carry the weight', async () => {
      const w = await world([
        { site: 'nj', stock: { a: 10, b: 10, c: 10 } },
        { site: 'il', stock: { a: 10, b: 10, c: 10 } },
      ]);
      await makeCarrier([
        ground({ code: 'near-only', rate_card: card([{ price: 500, transit_days: 1 }, null]) }),
        ground({
          code: 'light-only',
          rate_card: card(
            [
              { price: 400, transit_days: 2 },
              { price: 400, transit_days: 2 },
              { price: 400, transit_days: 2 },
            ],
            2000,
          ),
        }),
      ]);
      const light = [{ sku: w.products.a, quantity: 2 }]; // 1,000 g
      expect(summary(await options({ channel: w.channel, lines: light }))).toEqual([
        `near-only from ${w.locations[0]}: 2026-11-25 -> 2026-11-26, 500`,
        `light-only from ${w.locations[0]}: 2026-11-25 -> 2026-11-27, 400`,
        `light-only from ${w.locations[1]}: 2026-11-25 -> 2026-11-27, 400`,
      ]);
      // 500 + 1,500 g = 2,000 g: past the light card (brackets end before 2,000).
      const heavy = [
        { sku: w.products.a, quantity: 1 },
        { sku: w.products.b, quantity: 1 },
      ];
      expect(summary(await options({ channel: w.channel, lines: heavy }))).toEqual([
        `near-only from ${w.locations[0]}: 2026-11-25 -> 2026-11-26, 500`,
      ]);
      // Products without a weight weigh nothing.
      const weightless = [{ sku: w.products.c, quantity: 10 }];
      expect(await options({ channel: w.channel, lines: weightless })).toHaveLength(3);
      // 3,000 g to near Chicago: New Jersey is too far for one card, the parcel too heavy for the other.
      const nearChicago = { ...newYork, latitude: 41.88, longitude: -87.0 };
      const res = await promise({
        channel: w.channel,
        lines: [{ sku: w.products.b, quantity: 2 }],
        destination: nearChicago,
      });
      expect(res.statusCode).toBe(200);
      expect(summary((res.json() as PromiseView).options)).toEqual([
        `near-only from ${w.locations[1]}: 2026-11-25 -> 2026-11-26, 500`,
      ]);
      // And nothing at all reaches Los Angeles from here: an empty list, not an error.
      const losAngeles = { ...newYork, latitude: 34.05, longitude: -118.24 };
      const far = await promise({
        channel: w.channel,
        lines: [{ sku: w.products.b, quantity: 2 }],
        destination: losAngeles,
      });
      expect(far.statusCode).toBe(200);
      expect((far.json() as PromiseView).options).toEqual([]);
    });

    it('sorts by delivery date, then cost', async () => {
      const w = await world([
        { site: 'nj', processing_days: 1, stock: { a: 5 } },
        { site: 'il', stock: { a: 5 } },
      ]);
      await makeCarrier([
        ground(),
        ground({
          code: 'economy',
          rate_card: card([
            { price: 450, transit_days: 1 },
            { price: 700, transit_days: 3 },
          ]),
        }),
      ]);
      const found = await options({ channel: w.channel, lines: [{ sku: w.products.a, quantity: 1 }] });
      expect(summary(found)).toEqual([
        `economy from ${w.locations[0]}: 2026-11-26 -> 2026-11-27, 450`,
        `ground from ${w.locations[0]}: 2026-11-26 -> 2026-11-27, 600`,
        `economy from ${w.locations[1]}: 2026-11-25 -> 2026-11-30, 700`,
        `ground from ${w.locations[1]}: 2026-11-25 -> 2026-11-30, 900`,
      ]);
    });
  });

  describe('errors', () => {
    it('names every unknown or inactive SKU and an unknown channel (422)', async () => {
      const w = await world([{ site: 'nj', stock: { a: 5 } }]);
      const retired = await makeProduct(t, { active: false });
      const res = await promise({
        channel: 'no-such-channel',
        lines: [
          { sku: 'NOPE-1', quantity: 1 },
          { sku: w.products.a, quantity: 1 },
          { sku: retired.sku, quantity: 1 },
        ],
      });
      const problem = expectInvalid(res, ['/channel', '/lines/0/sku', '/lines/2/sku'], 'body', {
        only: true,
      });
      expect(problem.errors?.map((e) => e.detail)).toEqual(
        expect.arrayContaining([
          '"no-such-channel" is not a known channel',
          '"NOPE-1" is not a known SKU',
          `"${retired.sku}" is not an active product`,
        ]),
      );
    });

    it('rejects a destination in no known country and bad bodies (422)', async () => {
      const w = await world([{ site: 'nj', stock: { a: 5 } }]);
      const lines = [{ sku: w.products.a, quantity: 1 }];
      expectInvalid(
        await promise({ channel: w.channel, lines, destination: { line1: 'x', city: 'y', country: 'ZZ' } }),
        ['/destination/country'],
        'body',
        { only: true },
      );
      expect((await promise({ channel: w.channel, lines: [] })).statusCode).toBe(422);
      expect((await promise({ channel: w.channel, lines, service_level: 'teleport' })).statusCode).toBe(422);
      expect(
        (await promise({ channel: w.channel, lines: [{ sku: w.products.a, quantity: 0 }] })).statusCode,
      ).toBe(422);
      const tooMany = Array.from({ length: 101 }, () => ({ sku: w.products.a, quantity: 1 }));
      expect((await promise({ channel: w.channel, lines: tooMany })).statusCode).toBe(422);
    });

    it('needs a channel from the body or the key (422)', async () => {
      const key = await t.keyWith(['orders:read']);
      const res = await promise({ lines: [{ sku: 'X', quantity: 1 }] }, key);
      expectInvalid(res, ['/channel'], 'body', { only: true });
    });
  });

  describe('security', () => {
    it('needs a key with orders:read', async () => {
      const w = await world([{ site: 'nj', stock: { a: 5 } }]);
      const body = { channel: w.channel, lines: [{ sku: w.products.a, quantity: 1 }] };
      expect((await promise(body, null)).statusCode).toBe(401);
      expect((await promise(body, await t.keyWith(['inventory:read']))).statusCode).toBe(403);
      expect((await promise(body, await t.keyWith(['orders:read']))).statusCode).toBe(200);
    });

    it('defaults to a channel-bound key’s channel and hides other channels (404)', async () => {
      const w = await world([{ site: 'nj', stock: { a: 5 } }]);
      await makeCarrier([ground()]);
      const other = await makeChannel(t);
      const key = await t.keyWith(['orders:read'], w.channel);
      const lines = [{ sku: w.products.a, quantity: 1 }];
      const own = await promise({ lines }, key);
      expect(own.statusCode, own.body).toBe(200);
      expect((own.json() as PromiseView).options).toHaveLength(1);
      expect((await promise({ channel: w.channel, lines }, key)).statusCode).toBe(200);
      const foreign = await promise({ channel: other.code, lines }, key);
      expect(foreign.statusCode).toBe(404);
      expect(foreign.body).not.toContain(w.products.a);
    });
  });

  it('is read-only: no stock, ledger, event, reservation or order row changes', async () => {
    const w = await world([
      { site: 'nj', stock: { a: 5 } },
      { site: 'il', stock: { b: 5 } },
    ]);
    await makeCarrier([ground()]);
    const snapshot = async () =>
      (
        await t.pool.query(`
          SELECT (SELECT json_agg(l ORDER BY l.id) FROM inventory_levels l) AS levels,
                 (SELECT count(*)::int FROM inventory_movements) AS movements,
                 (SELECT count(*)::int FROM events) AS events,
                 (SELECT count(*)::int FROM reservations) AS reservations,
                 (SELECT count(*)::int FROM orders) AS orders,
                 (SELECT count(*)::int FROM idempotency_keys) AS idempotency_keys`)
      ).rows[0];
    const before = await snapshot();
    const found = await Promise.all(
      Array.from({ length: 5 }, () =>
        options({
          channel: w.channel,
          lines: [
            { sku: w.products.a, quantity: 2 },
            { sku: w.products.b, quantity: 2 },
          ],
        }),
      ),
    );
    expect(found.every((o) => o.length === 1 && o[0]?.locations.length === 2)).toBe(true);
    expect(await snapshot()).toEqual(before);
  });
});
