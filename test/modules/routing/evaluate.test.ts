import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Demand } from '../../../src/modules/allocation/plan.js';
import { evaluateRouting } from '../../../src/modules/routing/evaluate.js';
import type { RoutingCandidate, RoutingInput } from '../../../src/modules/routing/routing-input.js';
import {
  builtInRuleSet,
  exampleRoutingFacts,
  type RoutingAction,
  type RuleSet,
} from '../../../src/modules/routing/rules.js';

const candidate = (
  id: number,
  fields: Partial<RoutingCandidate> & { stock: Record<number, number> },
): RoutingCandidate => ({
  locationId: id,
  code: `L${id}`,
  kind: 'warehouse',
  tags: [],
  priority: 0,
  country: 'US',
  distanceKm: 100 * id,
  ordersLeft: null,
  unitsLeft: null,
  nextDay: '2026-11-28',
  staleFeed: null,
  ...fields,
  available: new Map(Object.entries(fields.stock).map(([p, q]) => [Number(p), q])),
});

const withAction = (action: RoutingAction, rules: RuleSet['body']['rules'] = []): RuleSet => ({
  scope: 'web',
  version: 7,
  body: { rules, fallback: action },
});

const input = (
  overrides: Partial<RoutingInput> & { candidates: RoutingCandidate[]; demand: Demand[] },
): RoutingInput => ({
  facts: exampleRoutingFacts,
  skus: new Map([
    [1, 'A'],
    [2, 'B'],
    [3, 'C'],
  ]),
  weights: new Map([
    [1, 500],
    [2, 1000],
    [3, 250],
  ]),
  quotes: (c, grams) => [
    {
      carrier: 'ups',
      service: 'ground',
      price: 500 + Math.round((c.distanceKm ?? 0) + grams / 10),
      transitDays: 1 + Math.floor((c.distanceKm ?? 0) / 500),
    },
  ],
  ruleSet: builtInRuleSet,
  allowPartial: false,
  ...overrides,
});

/** Demand lines are keyed by their order line: a, b and c stand for lines 1, 2 and 3. */
const lineIds = { a: 1, b: 2, c: 3 } as const;
const line = (name: keyof typeof lineIds, productId: number, quantity: number): Demand => ({
  key: lineIds[name],
  productId,
  quantity,
});

describe('routing examples', () => {
  it('prefers one location that ships everything over a nearer split', () => {
    const decision = evaluateRouting(
      input({
        demand: [line('a', 1, 2), line('b', 2, 1)],
        candidates: [
          candidate(1, { stock: { 1: 5 } }),
          candidate(2, { stock: { 2: 5 } }),
          candidate(3, { stock: { 1: 5, 2: 5 } }),
        ],
      }),
    );
    expect(decision.trace.chosen?.locations).toEqual(['L3']);
    expect(decision.plan.allocations.every((a) => a.locationId === 3)).toBe(true);
    expect(decision.trace.rule).toEqual({ index: null, name: 'fallback' });
    expect(decision.trace.rule_set).toEqual({ scope: '*', version: 0 });
  });

  it('splits only when no single location can ship everything, up to the policy', () => {
    const candidates = [
      candidate(1, { stock: { 1: 5 } }),
      candidate(2, { stock: { 2: 5 } }),
      candidate(3, { stock: { 3: 5 } }),
    ];
    const demand = [line('a', 1, 1), line('b', 2, 1), line('c', 3, 1)];
    const three = evaluateRouting(input({ demand, candidates }));
    expect(three.trace.chosen?.shipments).toBe(3);
    const two = evaluateRouting(
      input({
        demand,
        candidates,
        ruleSet: withAction({ ranking: ['min_splits'], split: { policy: 'allowed', max_shipments: 2 } }),
      }),
    );
    expect(two.trace.chosen).toMatchObject({ complete: false, shipments: 2 });
    expect(two.plan.unfilled).toHaveLength(1);
    expect(two.trace.why).toMatch(/nothing covers every line.*does not backorder/);
  });

  it('ranks by the strategies in order and says which one decided', () => {
    const candidates = [
      candidate(1, { stock: { 1: 5 }, priority: 1, distanceKm: 50 }),
      candidate(2, { stock: { 1: 5 }, priority: 9, distanceKm: 900 }),
    ];
    const nearest = evaluateRouting(
      input({
        demand: [line('a', 1, 1)],
        candidates,
        ruleSet: withAction({ ranking: ['nearest'], split: { policy: 'none' } }),
      }),
    );
    expect(nearest.trace.chosen?.locations).toEqual(['L1']);
    expect(nearest.trace.why).toMatch(/L1 over L2 by nearest: 50 km against 900 km/);
    const priority = evaluateRouting(
      input({
        demand: [line('a', 1, 1)],
        candidates,
        ruleSet: withAction({ ranking: ['location_priority'], split: { policy: 'none' } }),
      }),
    );
    expect(priority.trace.chosen?.locations).toEqual(['L2']);
  });

  it('applies the first rule whose condition holds, with its eligibility', () => {
    const ruleSet = withAction({ ranking: ['nearest'], split: { policy: 'none' } }, [
      {
        name: 'express from stores',
        condition: { '==': [{ var: 'service_level' }, 'express'] },
        action: { eligible: { kinds: ['store'] }, ranking: ['nearest'], split: { policy: 'none' } },
      },
    ]);
    const candidates = [candidate(1, { stock: { 1: 5 } }), candidate(2, { stock: { 1: 5 }, kind: 'store' })];
    const express = evaluateRouting(
      input({
        facts: { ...exampleRoutingFacts, service_level: 'express' },
        demand: [line('a', 1, 1)],
        candidates,
        ruleSet,
      }),
    );
    expect(express.trace.rule).toEqual({ index: 0, name: 'express from stores' });
    expect(express.trace.chosen?.locations).toEqual(['L2']);
    expect(express.trace.candidates.find((c) => c.location === 'L1')?.reasons).toEqual([
      'kind warehouse is not one of store',
    ]);
    const standard = evaluateRouting(input({ demand: [line('a', 1, 1)], candidates, ruleSet }));
    expect(standard.trace.rule.name).toBe('fallback');
    expect(standard.trace.chosen?.locations).toEqual(['L1']);
  });

  it('explains every kind of ineligibility, including capacity', () => {
    const decision = evaluateRouting(
      input({
        demand: [line('a', 1, 1)],
        candidates: [
          candidate(1, { stock: { 1: 5 }, tags: [] }),
          candidate(2, { stock: { 1: 5 }, tags: ['cold'], distanceKm: 5000 }),
          candidate(3, { stock: { 1: 5 }, tags: ['cold'], country: 'CA' }),
          candidate(4, { stock: { 1: 5 }, tags: ['cold'], ordersLeft: 0 }),
          candidate(5, { stock: { 1: 5 }, tags: ['cold'] }),
        ],
        ruleSet: withAction({
          eligible: { tags: ['cold'], max_distance_km: 1000, same_country: true, exclude: ['L5'] },
          ranking: ['nearest'],
          split: { policy: 'none' },
        }),
      }),
    );
    const reasons = Object.fromEntries(decision.trace.candidates.map((c) => [c.location, c.reasons]));
    expect(reasons.L1).toEqual(['lacks tag cold']);
    expect(reasons.L2).toEqual(['5000 km away, beyond 1000 km']);
    expect(reasons.L3).toEqual(['in CA, not US']);
    expect(reasons.L4).toEqual(['at its daily order capacity until 2026-11-28']);
    expect(reasons.L5).toEqual(['excluded by the rule']);
    expect(decision.trace.chosen).toBeNull();
    expect(decision.trace.why).toBe('no location is eligible for this order');
  });

  it('keeps the best partial plan for a channel that backorders', () => {
    const decision = evaluateRouting(
      input({
        demand: [line('a', 1, 10)],
        candidates: [candidate(1, { stock: { 1: 3 } }), candidate(2, { stock: { 1: 4 } })],
        allowPartial: true,
        ruleSet: withAction({ ranking: ['min_splits'], split: { policy: 'none' } }),
      }),
    );
    expect(decision.plan.allocations).toEqual([{ key: lineIds.a, productId: 1, locationId: 2, quantity: 4 }]);
    expect(decision.plan.unfilled).toEqual([{ key: lineIds.a, productId: 1, quantity: 6 }]);
  });

  it('asks for a review when the chosen plan costs too much more than the cheapest', () => {
    const candidates = [
      candidate(1, { stock: { 1: 5 }, distanceKm: 10, priority: 0 }),
      candidate(2, { stock: { 1: 5 }, distanceKm: 2000, priority: 9 }),
    ];
    const ruleSet = withAction({
      ranking: ['location_priority'],
      split: { policy: 'none' },
      cost_review_threshold: 500,
    });
    const decision = evaluateRouting(input({ demand: [line('a', 1, 1)], candidates, ruleSet }));
    expect(decision.review).toMatchObject({ chosen_cost: 2550, cheapest_cost: 560 });
    expect(decision.plan).toEqual({ allocations: [], unfilled: [] });
    const accepted = evaluateRouting(
      input({ demand: [line('a', 1, 1)], candidates, ruleSet, skipCostReview: true }),
    );
    expect(accepted.review).toBeUndefined();
    expect(accepted.trace.chosen?.locations).toEqual(['L2']);
  });

  it('respects units capacity while filling', () => {
    const decision = evaluateRouting(
      input({
        demand: [line('a', 1, 5)],
        candidates: [candidate(1, { stock: { 1: 9 }, unitsLeft: 2 }), candidate(2, { stock: { 1: 9 } })],
        ruleSet: withAction({ ranking: ['nearest'], split: { policy: 'allowed', max_shipments: 2 } }),
      }),
    );
    expect(decision.trace.chosen?.locations).toEqual(['L2']);
  });
});

const scenario = fc.record({
  demand: fc.uniqueArray(
    fc.record({ productId: fc.integer({ min: 1, max: 3 }), quantity: fc.integer({ min: 1, max: 6 }) }),
    { selector: (d) => d.productId, minLength: 1, maxLength: 3 },
  ),
  candidates: fc.uniqueArray(
    fc.record({
      id: fc.integer({ min: 1, max: 8 }),
      kind: fc.constantFrom('warehouse' as const, 'store' as const, 'dropship' as const),
      distance: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: null }),
      priority: fc.integer({ min: 0, max: 3 }),
      unitsLeft: fc.option(fc.integer({ min: 0, max: 10 }), { nil: null }),
      stock: fc.dictionary(fc.constantFrom('1', '2', '3'), fc.integer({ min: 0, max: 8 })),
    }),
    { selector: (c) => c.id, maxLength: 6 },
  ),
  ranking: fc.shuffledSubarray(
    ['min_splits', 'nearest', 'lowest_cost', 'fastest', 'location_priority', 'most_stock'] as const,
    {
      minLength: 1,
    },
  ),
  maxShipments: fc.integer({ min: 1, max: 4 }),
  kinds: fc.option(fc.subarray(['warehouse', 'store', 'dropship'] as const, { minLength: 1 }), {
    nil: undefined,
  }),
  maxDistance: fc.option(fc.integer({ min: 1, max: 3000 }), { nil: undefined }),
  allowPartial: fc.boolean(),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function build(s: Scenario, ranking = [...s.ranking]) {
  const candidates = s.candidates.map((c) =>
    candidate(c.id, {
      kind: c.kind,
      distanceKm: c.distance,
      priority: c.priority,
      unitsLeft: c.unitsLeft,
      stock: c.stock,
    }),
  );
  const demand = s.demand.map((d, i) => ({ key: i, productId: d.productId, quantity: d.quantity }));
  const action: RoutingAction = {
    ranking,
    split: s.maxShipments > 1 ? { policy: 'allowed', max_shipments: s.maxShipments } : { policy: 'none' },
    eligible: {
      ...(s.kinds ? { kinds: [...s.kinds] } : {}),
      ...(s.maxDistance !== undefined ? { max_distance_km: s.maxDistance } : {}),
    },
  };
  const decision = evaluateRouting(
    input({ demand, candidates, ruleSet: withAction(action), allowPartial: s.allowPartial }),
  );
  return { candidates, demand, decision };
}

describe('routing properties', () => {
  it('never plans more than a location can sell (or take today)', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { candidates, decision } = build(s);
        for (const c of candidates) {
          const planned = decision.plan.allocations.filter((a) => a.locationId === c.locationId);
          for (const [productId, available] of c.available) {
            expect(
              planned.filter((a) => a.productId === productId).reduce((n, a) => n + a.quantity, 0),
            ).toBeLessThanOrEqual(available);
          }
          if (c.unitsLeft !== null) {
            expect(planned.reduce((n, a) => n + a.quantity, 0)).toBeLessThanOrEqual(Math.max(0, c.unitsLeft));
          }
        }
      }),
    );
  });

  it('never uses an ineligible location, and never more shipments than the policy allows', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { decision } = build(s);
        const eligible = new Set(decision.trace.candidates.filter((c) => c.eligible).map((c) => c.location));
        const used = new Set(decision.plan.allocations.map((a) => `L${a.locationId}`));
        for (const location of used) {
          expect(eligible.has(location)).toBe(true);
        }
        expect(used.size).toBeLessThanOrEqual(s.maxShipments);
      }),
    );
  });

  it('accounts for every unit demanded: planned plus unfilled', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { demand, decision } = build(s);
        if (decision.review) {
          return;
        }
        const planned = decision.plan.allocations.reduce((n, a) => n + a.quantity, 0);
        const unfilled = decision.plan.unfilled.reduce((n, u) => n + u.quantity, 0);
        expect(planned + unfilled).toBe(demand.reduce((n, d) => n + d.quantity, 0));
      }),
    );
  });

  it('ships from a single location whenever one can ship everything and min_splits ranks first', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const ranking = ['min_splits' as const, ...s.ranking.filter((r) => r !== 'min_splits')];
        const { candidates, demand, decision } = build(s, ranking);
        const eligible = new Set(decision.trace.candidates.filter((c) => c.eligible).map((c) => c.location));
        const someoneHasAll = candidates.some(
          (c) =>
            eligible.has(c.code) &&
            demand.every((d) => (c.available.get(d.productId) ?? 0) >= d.quantity) &&
            (c.unitsLeft === null || c.unitsLeft >= demand.reduce((n, d) => n + d.quantity, 0)),
        );
        if (someoneHasAll) {
          expect(new Set(decision.plan.allocations.map((a) => a.locationId)).size).toBe(1);
          expect(decision.plan.unfilled).toEqual([]);
        }
      }),
    );
  });
});
