import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServiceRate } from '../../../src/modules/carriers/carriers.service.js';
import { demandOf, plansFor, promiseOptions, type ShipFrom } from '../../../src/modules/promising/options.js';
import { promisedDelivery } from '../../../src/modules/promising/promise.service.js';

/** Wednesday 2026-11-25, 10:00 in New York. */
const now = new Date('2026-11-25T15:00:00Z');

const from = (code: string, distanceKm: number, fields: Partial<ShipFrom> = {}): ShipFrom => ({
  code,
  distanceKm,
  timeZone: 'America/New_York',
  cutoffTime: '14:00',
  processingDays: 0,
  ...fields,
});

const service = (
  name: string,
  levels: string[],
  cells: Array<[maxKm: number, price: number, transitDays: number]>,
  fields: Partial<ServiceRate> = {},
): ServiceRate => ({
  carrier: 'acme',
  service: name,
  name,
  serviceLevels: levels,
  rateCard: {
    distance_bands: cells.map(([maxKm], i) => ({ min_km: cells[i - 1]?.[0] ?? 0, max_km: maxKm })),
    weight_brackets: [{ min_grams: 0, max_grams: 10_000 }],
    rates: cells.map(([, price, transit_days]) => [{ price, transit_days }]),
  },
  pickupCutoffs: {},
  ...fields,
});

const stockOf = (levels: Record<string, Record<string, number>>) =>
  new Map(Object.entries(levels).map(([code, skus]) => [code, new Map(Object.entries(skus))]));

describe('plansFor', () => {
  const weights = new Map([
    ['A', 200],
    ['B', 1000],
  ]);

  it('offers each location that has everything, nearest first, weighing the parcel', () => {
    const plans = plansFor({
      demand: demandOf([
        { sku: 'A', quantity: 1 },
        { sku: 'B', quantity: 2 },
        { sku: 'A', quantity: 1 },
      ]),
      locations: [from('far', 900), from('near', 10), from('short', 5)],
      stock: stockOf({ far: { A: 2, B: 2 }, near: { A: 5, B: 5 }, short: { A: 1, B: 5 } }),
      weights,
    });
    expect(plans.map((plan) => plan.map((s) => [s.from.code, s.weightGrams, s.lines]))).toEqual([
      [
        [
          'near',
          2400,
          [
            { sku: 'A', quantity: 2 },
            { sku: 'B', quantity: 2 },
          ],
        ],
      ],
      [
        [
          'far',
          2400,
          [
            { sku: 'A', quantity: 2 },
            { sku: 'B', quantity: 2 },
          ],
        ],
      ],
    ]);
  });

  it('otherwise makes one split, filling from the nearest; none when the stock falls short', () => {
    const input = {
      locations: [from('far', 900), from('near', 10)],
      stock: stockOf({ far: { A: 5, B: 1 }, near: { B: 1 } }),
      weights,
    };
    const plans = plansFor({
      ...input,
      demand: [
        { sku: 'A', quantity: 1 },
        { sku: 'B', quantity: 2 },
      ],
    });
    expect(plans.map((plan) => plan.map((s) => [s.from.code, s.lines]))).toEqual([
      [
        ['near', [{ sku: 'B', quantity: 1 }]],
        [
          'far',
          [
            { sku: 'A', quantity: 1 },
            { sku: 'B', quantity: 1 },
          ],
        ],
      ],
    ]);
    expect(plansFor({ ...input, demand: [{ sku: 'B', quantity: 3 }] })).toEqual([]);
  });

  it('ships a kit whole from one location unless it may split, its components as the lines', () => {
    const kit = (split: boolean) => ({
      split,
      parts: [
        { productId: 1, sku: 'A', quantity: 2 },
        { productId: 2, sku: 'B', quantity: 1 },
      ],
    });
    const input = {
      locations: [from('far', 900), from('near', 10)],
      // Near has a whole kit's A but no B; far has B for one kit and A for half of one.
      stock: stockOf({ near: { A: 2 }, far: { A: 1, B: 1 } }),
      weights,
    };
    const whole = plansFor({ ...input, demand: demandOf([{ sku: 'KIT', quantity: 1 }], () => kit(false)) });
    expect(whole).toEqual([]);
    const split = plansFor({ ...input, demand: demandOf([{ sku: 'KIT', quantity: 1 }], () => kit(true)) });
    expect(split.map((plan) => plan.map((s) => [s.from.code, s.lines]))).toEqual([
      [
        ['near', [{ sku: 'A', quantity: 2 }]],
        ['far', [{ sku: 'B', quantity: 1 }]],
      ],
    ]);
  });

  it('never ships more than a location has, and ships exactly the demand (property)', () => {
    const skus = ['A', 'B', 'C', 'D'];
    const codes = ['L1', 'L2', 'L3', 'L4', 'L5'];
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom(...skus), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 4, maxLength: 4 }),
        fc.array(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 4, maxLength: 4 }), {
          minLength: 5,
          maxLength: 5,
        }),
        fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 5, maxLength: 5 }),
        (chosen, quantities, levels, distances) => {
          const demand = chosen.map((sku, i) => ({ sku, quantity: quantities[i] ?? 1 }));
          const stock = new Map(
            codes.map((code, l) => [code, new Map(skus.map((sku, s) => [sku, levels[l]?.[s] ?? 0]))]),
          );
          const plans = plansFor({
            demand,
            locations: codes.map((code, l) => from(code, distances[l] ?? 0)),
            stock,
            weights,
          });
          const total = (sku: string) =>
            codes.reduce((sum, code) => sum + (stock.get(code)?.get(sku) ?? 0), 0);
          const feasible = demand.every((line) => total(line.sku) >= line.quantity);
          expect(plans.length > 0).toBe(feasible);
          const singles = codes.filter((code) =>
            demand.every((line) => (stock.get(code)?.get(line.sku) ?? 0) >= line.quantity),
          );
          if (singles.length > 0) {
            expect(plans.map((plan) => plan.map((s) => s.from.code))).toEqual(
              expect.arrayContaining(singles.map((code) => [code])),
            );
            expect(plans).toHaveLength(singles.length);
          }
          for (const plan of plans) {
            for (const line of demand) {
              const shipped = plan.flatMap((s) => s.lines.filter((l) => l.sku === line.sku));
              expect(shipped.reduce((sum, l) => sum + l.quantity, 0)).toBe(line.quantity);
            }
            for (const s of plan) {
              for (const l of s.lines) {
                expect(l.quantity).toBeLessThanOrEqual(stock.get(s.from.code)?.get(l.sku) ?? 0);
              }
            }
          }
        },
      ),
    );
  });
});

describe('promiseOptions', () => {
  it('uses a service’s pickup cut-off where it has one', () => {
    const options = promiseOptions({
      now,
      plans: [[{ from: from('NJ', 10), lines: [{ sku: 'A', quantity: 1 }], weightGrams: 100 }]],
      services: [
        service('ground', ['standard'], [[500, 600, 1]]),
        service('early', ['standard'], [[500, 500, 1]], { pickupCutoffs: { NJ: '09:00' } }),
        service('air', ['express'], [[500, 100, 1]]),
      ],
      serviceLevel: 'standard',
    });
    expect(options.map((o) => [o.service, o.ship_date, o.delivery_date, o.cost])).toEqual([
      ['ground', '2026-11-25', '2026-11-26', 600],
      ['early', '2026-11-26', '2026-11-27', 500],
    ]);
  });
});

describe('promisedDelivery', () => {
  const location = { code: 'NJ', timeZone: 'America/New_York', cutoffTime: '14:00', processingDays: 0 };
  const services = [
    service(
      'ground',
      ['standard'],
      [
        [500, 600, 2],
        [3000, 900, 4],
      ],
    ),
    service('economy', ['standard'], [[500, 400, 3]]),
    service('air', ['express'], [[3000, 2500, 1]]),
  ];

  it('is the earliest delivery date among the services of the level that quote the parcel', () => {
    const promised = (fields: { serviceLevel?: string; distanceKm?: number; weightGrams?: number }) =>
      promisedDelivery({
        now,
        location,
        services,
        serviceLevel: 'standard',
        distanceKm: 100,
        weightGrams: 1000,
        ...fields,
      });
    expect(promised({})).toBe('2026-11-27');
    expect(promised({ distanceKm: 1000 })).toBe('2026-12-01');
    expect(promised({ serviceLevel: 'express' })).toBe('2026-11-26');
    expect(promised({ serviceLevel: 'same_day' })).toBeUndefined();
    expect(promised({ distanceKm: 5000 })).toBeUndefined();
    expect(promised({ weightGrams: 20_000 })).toBeUndefined();
  });

  it('respects the location’s cut-off, processing days and the service’s pickup cut-off', () => {
    expect(
      promisedDelivery({
        now,
        location: { ...location, cutoffTime: '09:00', processingDays: 1 },
        services,
        serviceLevel: 'standard',
        distanceKm: 100,
        weightGrams: 1000,
      }),
    ).toBe('2026-12-01');
    expect(
      promisedDelivery({
        now,
        location,
        services: [service('air', ['express'], [[3000, 2500, 1]], { pickupCutoffs: { NJ: '09:30' } })],
        serviceLevel: 'express',
        distanceKm: 100,
        weightGrams: 1000,
      }),
    ).toBe('2026-11-27');
  });
});
