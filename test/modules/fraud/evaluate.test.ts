import fc from 'fast-check';
import jsonLogic, { type RulesLogic } from 'json-logic-js';
import { describe, expect, it } from 'vitest';
import {
  decide,
  defaultFraudRuleSet,
  evaluateFraud,
  exampleFacts,
  type FraudFacts,
  type FraudRule,
  type FraudRuleSet,
  factNames,
  ruleErrors,
} from '../../../src/modules/fraud/evaluate.js';

const facts = (overrides: Partial<FraudFacts> = {}): FraudFacts => ({ ...exampleFacts, ...overrides });

const ruleSet = (rules: FraudRule[], review_threshold = 50, reject_threshold = 100): FraudRuleSet => ({
  version: 7,
  rules,
  review_threshold,
  reject_threshold,
});

const bigOrder: FraudRule = {
  condition: { '>': [{ var: 'total' }, 100_000] },
  weight: 40,
  reason: 'Large order',
};
const countriesDiffer: FraudRule = {
  condition: { var: 'countries_differ' },
  weight: 30,
  reason: 'Countries differ',
};
const vip: FraudRule = { condition: { in: ['vip', { var: 'tags' }] }, weight: -50, reason: 'VIP customer' };
const velocity: FraudRule = {
  condition: { '>=': [{ var: 'orders_from_email_last_hour' }, 3] },
  weight: 60,
  reason: 'Email velocity',
};

describe('evaluateFraud', () => {
  it('accepts everything under the default rule set', () => {
    expect(defaultFraudRuleSet).toEqual({
      version: 0,
      rules: [],
      review_threshold: 50,
      reject_threshold: 100,
    });
    expect(evaluateFraud(exampleFacts, defaultFraudRuleSet)).toEqual({
      score: 0,
      version: 0,
      decision: 'accept',
      reasons: [],
      errors: [],
    });
  });

  it('sums the weights of the rules that fire and lists their reasons in rule order', () => {
    const set = ruleSet([velocity, bigOrder, vip, countriesDiffer]);
    const result = evaluateFraud(
      facts({ total: 150_000, countries_differ: true, orders_from_email_last_hour: 0 }),
      set,
    );
    expect(result).toEqual({
      score: 70,
      version: 7,
      decision: 'review',
      reasons: ['Large order', 'Countries differ'],
      errors: [],
    });
  });

  it('lets negative weights lower the score', () => {
    const result = evaluateFraud(
      facts({ total: 150_000, countries_differ: true, tags: ['vip'] }),
      ruleSet([bigOrder, countriesDiffer, vip]),
    );
    expect(result).toMatchObject({
      score: 20,
      decision: 'accept',
      reasons: ['Large order', 'Countries differ', 'VIP customer'],
    });
  });

  it('decides at the thresholds inclusively', () => {
    const set = ruleSet([], 50, 100);
    expect([49, 50, 99, 100, 101].map((score) => decide(score, set))).toEqual([
      'accept',
      'review',
      'review',
      'reject',
      'reject',
    ]);
    expect(decide(60, ruleSet([], 60, 60))).toBe('reject');
  });

  it('rejects when the score reaches the reject threshold', () => {
    const result = evaluateFraud(
      facts({ total: 150_000, orders_from_email_last_hour: 5 }),
      ruleSet([bigOrder, velocity]),
    );
    expect(result).toMatchObject({
      score: 100,
      decision: 'reject',
      reasons: ['Large order', 'Email velocity'],
    });
  });

  it('uses JSONLogic truthiness and boolean literals', () => {
    const set = ruleSet([
      { condition: true, weight: 1, reason: 'always' },
      { condition: false, weight: 2, reason: 'never' },
      {
        condition: { filter: [{ var: 'tags' }, { '==': [{ var: '' }, 'x'] }] },
        weight: 4,
        reason: 'empty array',
      },
      { condition: { var: 'tags.0' }, weight: 8, reason: 'has a first tag' },
    ]);
    expect(evaluateFraud(facts({ tags: ['gift'] }), set)).toMatchObject({
      score: 9,
      reasons: ['always', 'has a first tag'],
    });
  });

  it('counts a condition that throws on these facts as not firing, and reports it', () => {
    const set = ruleSet([{ condition: { missing_some: 1 }, weight: 500, reason: 'broken' }, countriesDiffer]);
    const result = evaluateFraud(facts({ countries_differ: true }), set);
    expect(result).toMatchObject({ score: 30, reasons: ['Countries differ'] });
    expect(result.errors).toEqual([{ rule: 0, detail: expect.any(String) }]);
  });
});

describe('ruleErrors', () => {
  const rule = (condition: unknown): FraudRule => ({ condition, weight: 10, reason: 'r' });

  it('accepts conditions over known facts, including per-element logic and missing', () => {
    expect(
      ruleErrors([
        bigOrder,
        vip,
        rule(true),
        rule({ some: [{ var: 'tags' }, { '==': [{ var: '' }, 'gift'] }] }),
        rule({ reduce: [{ var: 'tags' }, { '+': [{ var: 'accumulator' }, 1] }, 0] }),
        rule({ missing: ['billing_country', 'avs_result'] }),
        rule({ '!': { var: ['cvv_result', 'M'] } }),
        rule({ if: [{ '==': [{ var: 'service_level' }, 'same_day'] }, true, false] }),
      ]),
    ).toEqual([]);
  });

  it('reports unknown facts, wherever they are in the tree', () => {
    const errors = ruleErrors([
      bigOrder,
      rule({ and: [{ var: 'total' }, { or: [{ '>': [{ var: 'credit_score' }, 3] }] }] }),
      rule({ missing: ['total', 'nope'] }),
      rule({ var: 'total.constructor' }),
      rule({ var: { cat: ['to', 'tal'] } }),
      rule({ var: '' }),
    ]);
    expect(errors.map((e) => e.pointer)).toEqual([
      '/rules/1/condition',
      '/rules/2/condition',
      '/rules/3/condition',
      '/rules/4/condition',
      '/rules/5/condition',
    ]);
    expect(errors[0]?.detail).toContain('"credit_score" is not a fact');
    expect(errors[1]?.detail).toContain('"nope"');
  });

  it('reports unknown and disallowed operators, even in branches that would not run', () => {
    const errors = ruleErrors([
      rule({ frobnicate: [1, 2] }),
      rule({ and: [false, { eval: 'process.exit()' }] }),
      rule({ log: { var: 'total' } }),
      rule({ '==.call': [1, 1] }),
    ]);
    expect(errors).toEqual([
      { pointer: '/rules/0/condition', detail: '"frobnicate" is not a supported JSONLogic operator' },
      { pointer: '/rules/1/condition', detail: '"eval" is not a supported JSONLogic operator' },
      { pointer: '/rules/2/condition', detail: '"log" is not a supported JSONLogic operator' },
      { pointer: '/rules/3/condition', detail: '"==.call" is not a supported JSONLogic operator' },
    ]);
  });

  it('refuses conditions that are not JSONLogic', () => {
    const errors = ruleErrors([
      rule(1),
      rule('total > 5'),
      rule(null),
      rule([{ var: 'total' }]),
      rule({}),
      rule({ '>': [1, 0], '<': [0, 1] }),
      rule({ '==': [{ a: 1, b: 2 }, 1] }),
    ]);
    expect(errors.map((e) => e.pointer)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `/rules/${i}/condition`));
  });

  it('refuses conditions that throw on order facts, and absurdly deep ones', () => {
    let deep: unknown = { var: 'total' };
    for (let i = 0; i < 40; i++) {
      deep = { '!': deep };
    }
    const errors = ruleErrors([rule({ missing_some: 1 }), rule(deep)]);
    expect(errors).toEqual([
      { pointer: '/rules/0/condition', detail: expect.stringContaining('fails when applied to order facts') },
      { pointer: '/rules/1/condition', detail: expect.stringContaining('nested more than') },
    ]);
  });

  it('documents every fact with an example value', () => {
    expect(Object.keys(exampleFacts).sort()).toEqual([...factNames].sort());
  });
});

describe('scoring properties', () => {
  const conditions: unknown[] = [
    true,
    false,
    { var: 'countries_differ' },
    { var: 'first_order_of_email' },
    { '>': [{ var: 'total' }, 50_000] },
    { '>=': [{ var: 'unit_count' }, 10] },
    { '==': [{ var: 'service_level' }, 'same_day'] },
    { in: ['vip', { var: 'tags' }] },
    { '!': { var: 'avs_result' } },
  ];
  const rules = fc.array(
    fc.record({
      condition: fc.constantFrom(...conditions),
      weight: fc.integer({ min: -1000, max: 1000 }),
      reason: fc.string({ minLength: 1, maxLength: 20 }),
    }),
    { maxLength: 20 },
  );
  const orderFacts = fc.record({
    total: fc.integer({ min: 0, max: 200_000 }),
    countries_differ: fc.boolean(),
    first_order_of_email: fc.boolean(),
    unit_count: fc.integer({ min: 1, max: 30 }),
    service_level: fc.constantFrom('standard' as const, 'express' as const, 'same_day' as const),
    tags: fc.subarray(['vip', 'gift', 'b2b']),
    avs_result: fc.constantFrom(null, 'Y', 'N'),
  });
  const thresholds = fc
    .tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 3000 }))
    .map(([a, b]) => (a <= b ? [a, b] : [b, a]));

  it('scores the sum of the weights of the rules that fire, in rule order', () => {
    fc.assert(
      fc.property(rules, orderFacts, thresholds, (ruleList, overrides, [review, reject]) => {
        const f = facts(overrides);
        const result = evaluateFraud(f, ruleSet(ruleList, review, reject));
        const fires = (r: FraudRule) => jsonLogic.truthy(jsonLogic.apply(r.condition as RulesLogic, f));
        const fired = ruleList.filter(fires);
        expect(result.score).toBe(fired.reduce((sum, r) => sum + r.weight, 0));
        expect(result.reasons).toEqual(fired.map((r) => r.reason));
        expect(result.errors).toEqual([]);
      }),
    );
  });

  it('never decides more leniently for a higher score', () => {
    const severity = { accept: 0, review: 1, reject: 2 };
    fc.assert(
      fc.property(
        fc.integer({ min: -5000, max: 5000 }),
        fc.integer({ min: -5000, max: 5000 }),
        thresholds,
        (a, b, [review, reject]) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          const set = ruleSet([], review, reject);
          expect(severity[decide(low, set)]).toBeLessThanOrEqual(severity[decide(high, set)]);
        },
      ),
    );
  });

  it('decides from the score alone', () => {
    fc.assert(
      fc.property(rules, orderFacts, thresholds, (ruleList, overrides, [review, reject]) => {
        const set = ruleSet(ruleList, review, reject);
        const result = evaluateFraud(facts(overrides), set);
        expect(result.decision).toBe(decide(result.score, set));
        const expected = result.score >= reject ? 'reject' : result.score >= review ? 'review' : 'accept';
        expect(result.decision).toBe(expected);
      }),
    );
  });
});
