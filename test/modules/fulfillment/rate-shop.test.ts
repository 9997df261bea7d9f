import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServiceRate } from '../../../src/modules/carriers/carriers.service.js';
import type { CarrierPreference } from '../../../src/modules/fulfillment/packing.js';
import { type RateShopInput, rateShop } from '../../../src/modules/fulfillment/rate-shop.js';

// Monday 2026-11-30, 05:00 in New York: before the 15:00 cut-off, so parcels leave the same day.
const now = new Date('2026-11-30T10:00:00Z');
const location = { code: 'NJ-DC', timeZone: 'America/New_York', cutoff: '15:00', processingDays: 0 };

/** A service with one price and transit time for parcels up to 300 km and 10 kg. */
function service(
  carrier: string,
  code: string,
  price: number,
  transitDays: number,
  fields: Partial<ServiceRate> = {},
): ServiceRate {
  return {
    carrier,
    service: code,
    name: `${carrier} ${code}`,
    serviceLevels: ['standard', 'express'],
    rateCard: {
      distance_bands: [{ min_km: 0, max_km: 300 }],
      weight_brackets: [{ min_grams: 0, max_grams: 10_000 }],
      rates: [[{ price, transit_days: transitDays }]],
    },
    pickupCutoffs: {},
    ...fields,
  };
}

const input = (fields: Partial<RateShopInput>): RateShopInput => ({
  services: [],
  serviceLevel: 'standard',
  distanceKm: 120,
  weightGrams: 2000,
  location,
  now,
  promisedDeliveryDate: '2026-12-02',
  preferences: [],
  ...fields,
});

const ground = service('usps', 'ground', 700, 3); // arrives 12-03
const twoDay = service('ups', 'two-day', 900, 2); // 12-02
const fedexTwoDay = service('fedex', 'two-day', 1000, 2); // 12-02
const overnight = service('ups', 'overnight', 2500, 1); // 12-01

const electronics: CarrierPreference = { name: 'electronics', carrier: 'fedex', tolerance: 300 };

describe('rateShop', () => {
  it('chooses the cheapest option that meets the promise and explains every option', () => {
    const { chosen, options } = rateShop(input({ services: [overnight, ground, fedexTwoDay, twoDay] }));
    expect(chosen).toEqual({
      carrier: 'ups',
      service: 'two-day',
      price: 900,
      transit_days: 2,
      delivery_date: '2026-12-02',
      meets_promise: true,
      chosen: true,
      why: 'cheapest that meets 2026-12-02',
    });
    expect(
      options.map((o) => [o.carrier, o.service, o.price, o.delivery_date, o.meets_promise, o.chosen, o.why]),
    ).toEqual([
      ['ups', 'two-day', 900, '2026-12-02', true, true, 'cheapest that meets 2026-12-02'],
      [
        'usps',
        'ground',
        700,
        '2026-12-03',
        false,
        false,
        'arrives 2026-12-03, after the promised 2026-12-02',
      ],
      ['fedex', 'two-day', 1000, '2026-12-02', true, false, 'costs 100 more than the chosen'],
      ['ups', 'overnight', 2500, '2026-12-01', true, false, 'costs 1600 more than the chosen'],
    ]);
  });

  it('chooses the cheapest of all when there is no promise', () => {
    const { chosen, options } = rateShop(
      input({ services: [overnight, ground, twoDay], promisedDeliveryDate: null }),
    );
    expect(chosen).toMatchObject({
      carrier: 'usps',
      service: 'ground',
      why: 'cheapest (no promised delivery date)',
    });
    expect(options.every((o) => o.meets_promise)).toBe(true);
  });

  it('lets a preference win within its tolerance of the cheapest', () => {
    const { chosen, options } = rateShop(
      input({ services: [ground, twoDay, fedexTwoDay, overnight], preferences: [electronics] }),
    );
    expect(chosen).toMatchObject({
      carrier: 'fedex',
      service: 'two-day',
      price: 1000,
      why: 'preferred for electronics: within 300 of the cheapest (100 more)',
    });
    expect(options[0]).toBe(chosen);
    expect(options.find((o) => o.carrier === 'ups' && o.service === 'two-day')?.why).toBe(
      'costs 100 less than the chosen, which is preferred for electronics: within 300 of the cheapest (100 more)',
    );
  });

  it('ignores a preference beyond its tolerance, or for another service, and takes the next one', () => {
    const tight = { ...electronics, tolerance: 99 };
    const otherService = { name: 'ups overnight', carrier: 'ups', service: 'overnight', tolerance: 1000 };
    const usps = { name: 'usps', carrier: 'usps', tolerance: 10_000 };
    const fedexAny = { name: 'fedex any', carrier: 'fedex', tolerance: 100 };
    const services = [ground, twoDay, fedexTwoDay, overnight];
    expect(rateShop(input({ services, preferences: [tight] })).chosen?.carrier).toBe('ups');
    expect(rateShop(input({ services, preferences: [tight, otherService] })).chosen).toMatchObject({
      carrier: 'ups',
      service: 'two-day',
    });
    // usps only has an option that misses the promise: a preference never breaks the promise.
    expect(rateShop(input({ services, preferences: [usps, tight, fedexAny] })).chosen).toMatchObject({
      carrier: 'fedex',
      why: expect.stringContaining('preferred for fedex any'),
    });
  });

  it('picks the cheapest service of a preferred carrier when no service is named', () => {
    const fedexOvernight = service('fedex', 'overnight', 1100, 1);
    const { chosen } = rateShop(
      input({
        services: [twoDay, fedexOvernight, fedexTwoDay],
        preferences: [{ ...electronics, tolerance: 500 }],
      }),
    );
    expect(chosen).toMatchObject({ carrier: 'fedex', service: 'two-day' });
  });

  it('keeps the cheapest when the preferred carrier is the cheapest', () => {
    const { chosen } = rateShop(
      input({ services: [twoDay, fedexTwoDay], preferences: [{ ...electronics, carrier: 'ups' }] }),
    );
    expect(chosen).toMatchObject({ carrier: 'ups', why: 'cheapest that meets 2026-12-02' });
  });

  it('chooses the earliest delivery, then the cheapest, when nothing meets the promise', () => {
    const slowCheap = service('a', 'slow', 100, 5);
    const fastDear = service('b', 'fast', 900, 3);
    const fastCheap = service('c', 'fast', 800, 3);
    const { chosen, options } = rateShop(
      input({
        services: [slowCheap, fastDear, fastCheap],
        promisedDeliveryDate: '2026-12-01',
        preferences: [{ name: 'b', carrier: 'b', tolerance: 10_000 }],
      }),
    );
    expect(chosen).toMatchObject({
      carrier: 'c',
      delivery_date: '2026-12-03',
      meets_promise: false,
      why: 'earliest delivery, 2026-12-03: no option meets the promised 2026-12-01',
    });
    expect(options.map((o) => o.carrier)).toEqual(['c', 'a', 'b']);
    expect(options[1]?.why).toBe('arrives 2026-12-07, after the promised 2026-12-01');
  });

  it('breaks price ties by earlier delivery, then carrier and service code', () => {
    const a = service('zeta', 'x', 500, 2);
    const b = service('alpha', 'y', 500, 3);
    const c = service('alpha', 'b', 500, 2);
    const { options } = rateShop(input({ services: [a, b, c], promisedDeliveryDate: null }));
    expect(options.map((o) => `${o.carrier}/${o.service}`)).toEqual(['alpha/b', 'zeta/x', 'alpha/y']);
    expect(options[1]?.why).toContain('comes first by carrier and service code');
    expect(options[2]?.why).toBe('costs the same as the chosen but arrives later (2026-12-03)');
  });

  it('considers only services of the level whose card quotes the distance and weight', () => {
    const expressOnly = service('dhl', 'express', 100, 1, { serviceLevels: ['express'] });
    const { options } = rateShop(
      input({
        services: [expressOnly, twoDay],
        distanceKm: 120,
        weightGrams: 2000,
        promisedDeliveryDate: null,
      }),
    );
    expect(options.map((o) => o.carrier)).toEqual(['ups']);
    expect(rateShop(input({ services: [twoDay], distanceKm: 300 })).options).toEqual([]);
    expect(rateShop(input({ services: [twoDay], weightGrams: 10_000 }))).toEqual({
      chosen: undefined,
      options: [],
    });
  });

  it('quotes an unknown distance as 0 km and says so', () => {
    const { chosen } = rateShop(input({ services: [twoDay], distanceKm: null }));
    expect(chosen?.why).toBe('cheapest that meets 2026-12-02; distance unknown, quoted as 0 km');
  });

  it("uses the service's pickup cut-off at the location, else the location's", () => {
    // 16:00 in New York: past the location's 15:00 cut-off, before the carrier's 17:00 pickup.
    const late = new Date('2026-11-30T21:00:00Z');
    const pickup = service('ups', 'late-pickup', 900, 1, { pickupCutoffs: { 'NJ-DC': '17:00' } });
    const plain = service('usps', 'plain', 900, 1);
    const { options } = rateShop(input({ services: [pickup, plain], now: late, promisedDeliveryDate: null }));
    expect(options.map((o) => [o.carrier, o.delivery_date])).toEqual([
      ['ups', '2026-12-01'],
      ['usps', '2026-12-02'],
    ]);
  });
});

describe('rateShop properties', () => {
  const services = fc.uniqueArray(
    fc.record({
      carrier: fc.constantFrom('a', 'b', 'c'),
      service: fc.constantFrom('x', 'y'),
      price: fc.integer({ min: 0, max: 5000 }),
      transit: fc.integer({ min: 0, max: 8 }),
    }),
    { selector: (s) => `${s.carrier}/${s.service}`, maxLength: 6 },
  );
  const promised = fc.option(
    fc.constantFrom('2026-11-30', '2026-12-01', '2026-12-02', '2026-12-04', '2026-12-10'),
  );
  const preferences = fc.array(
    fc.record({
      name: fc.constantFrom('p', 'q'),
      carrier: fc.constantFrom('a', 'b', 'c'),
      tolerance: fc.integer({ min: 0, max: 2000 }),
    }),
    { maxLength: 3 },
  );

  it('chooses exactly one option when there is any, first, and never breaks the promise when it can be kept', () => {
    fc.assert(
      fc.property(services, promised, preferences, (list, promise, prefs) => {
        const { chosen, options } = rateShop(
          input({
            services: list.map((s) => service(s.carrier, s.service, s.price, s.transit)),
            promisedDeliveryDate: promise,
            preferences: prefs,
          }),
        );
        expect(options).toHaveLength(list.length);
        if (list.length === 0) {
          expect(chosen).toBeUndefined();
          return;
        }
        expect(options.filter((o) => o.chosen)).toHaveLength(1);
        expect(options[0]).toBe(chosen);
        const rest = options.slice(1).map((o) => o.price);
        expect(rest).toEqual([...rest].sort((x, y) => x - y));
        const meeting = options.filter((o) => o.meets_promise);
        if (meeting.length > 0) {
          const cheapest = Math.min(...meeting.map((o) => o.price));
          expect(chosen?.meets_promise).toBe(true);
          const allowed = Math.max(0, ...prefs.map((p) => p.tolerance));
          expect(chosen?.price).toBeLessThanOrEqual(cheapest + allowed);
          if (prefs.length === 0) {
            expect(chosen?.price).toBe(cheapest);
          }
        } else {
          const earliest = options.map((o) => o.delivery_date).sort()[0];
          expect(chosen?.delivery_date).toBe(earliest);
        }
        for (const option of options) {
          expect(option.meets_promise).toBe(promise === null || option.delivery_date <= promise);
          expect(option.why.length).toBeGreaterThan(0);
        }
      }),
    );
  });
});
