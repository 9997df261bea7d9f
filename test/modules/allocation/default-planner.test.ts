import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultPlanner } from '../../../src/modules/allocation/default-planner.js';
import type { CandidateLocation, Demand } from '../../../src/modules/allocation/plan.js';

const location = (
  locationId: number,
  priority: number,
  stock: Record<number, number>,
): CandidateLocation => ({
  locationId,
  code: `L${locationId}`,
  priority,
  available: new Map(Object.entries(stock).map(([product, qty]) => [Number(product), qty])),
});

describe('the default planner', () => {
  it('ships everything from the highest-priority location that has it all', () => {
    const plan = defaultPlanner({
      demand: [
        { key: 1, productId: 1, quantity: 2 },
        { key: 2, productId: 2, quantity: 1 },
      ],
      candidates: [location(1, 9, { 1: 5 }), location(2, 1, { 1: 2, 2: 1 }), location(3, 5, { 1: 9, 2: 9 })],
    });
    expect(plan.unfilled).toEqual([]);
    expect(plan.allocations.map((a) => a.locationId)).toEqual([3, 3]);
  });

  it('counts repeated lines of one product together when choosing a single location', () => {
    const plan = defaultPlanner({
      demand: [
        { key: 1, productId: 1, quantity: 2 },
        { key: 2, productId: 1, quantity: 2 },
      ],
      candidates: [location(1, 9, { 1: 3 }), location(2, 1, { 1: 4 })],
    });
    expect(plan.allocations.map((a) => a.locationId)).toEqual([2, 2]);
  });

  it('otherwise fills by priority and reports what is missing', () => {
    const plan = defaultPlanner({
      demand: [{ key: 1, productId: 1, quantity: 10 }],
      candidates: [location(1, 1, { 1: 3 }), location(2, 5, { 1: 4 })],
    });
    expect(plan.allocations.map((a) => [a.locationId, a.quantity])).toEqual([
      [2, 4],
      [1, 3],
    ]);
    expect(plan.unfilled).toEqual([{ key: 1, productId: 1, quantity: 3 }]);
  });

  const scenarios = fc.record({
    demand: fc.array(
      fc.record({
        key: fc.constantFrom(1, 2, 3),
        productId: fc.integer({ min: 1, max: 4 }),
        quantity: fc.integer({ min: 1, max: 8 }),
      }),
      { minLength: 1, maxLength: 6 },
    ),
    candidates: fc.uniqueArray(
      fc.record({
        locationId: fc.integer({ min: 1, max: 20 }),
        priority: fc.integer({ min: 0, max: 3 }),
        stock: fc.dictionary(fc.constantFrom('1', '2', '3', '4'), fc.integer({ min: 0, max: 10 })),
      }),
      { selector: (c) => c.locationId, maxLength: 5 },
    ),
  });

  it('never plans more than a location has, and accounts for every unit demanded', () => {
    fc.assert(
      fc.property(scenarios, ({ demand, candidates }) => {
        const locations = candidates.map((c) => location(c.locationId, c.priority, c.stock));
        const plan = defaultPlanner({ demand: demand as Demand[], candidates: locations });
        for (const candidate of locations) {
          for (const [productId, available] of candidate.available) {
            const planned = plan.allocations
              .filter((a) => a.locationId === candidate.locationId && a.productId === productId)
              .reduce((sum, a) => sum + a.quantity, 0);
            expect(planned).toBeLessThanOrEqual(available);
          }
        }
        const demanded = demand.reduce((sum, line) => sum + line.quantity, 0);
        const covered =
          plan.allocations.reduce((sum, a) => sum + a.quantity, 0) +
          plan.unfilled.reduce((sum, u) => sum + u.quantity, 0);
        expect(covered).toBe(demanded);
        expect(
          plan.allocations.every(
            (a) => locations.some((l) => l.locationId === a.locationId) && a.quantity > 0,
          ),
        ).toBe(true);
      }),
    );
  });

  it('uses a single location whenever one can ship everything', () => {
    fc.assert(
      fc.property(scenarios, ({ demand, candidates }) => {
        const locations = candidates.map((c) => location(c.locationId, c.priority, c.stock));
        const plan = defaultPlanner({ demand: demand as Demand[], candidates: locations });
        const needs = new Map<number, number>();
        for (const line of demand) {
          needs.set(line.productId, (needs.get(line.productId) ?? 0) + line.quantity);
        }
        const someoneHasAll = locations.some((l) =>
          [...needs].every(([p, q]) => (l.available.get(p) ?? 0) >= q),
        );
        if (someoneHasAll) {
          expect(new Set(plan.allocations.map((a) => a.locationId)).size).toBe(1);
          expect(plan.unfilled).toEqual([]);
        }
      }),
    );
  });
});
