import fc from 'fast-check';
import jsonLogic, { type RulesLogic } from 'json-logic-js';
import { describe, expect, it } from 'vitest';
import {
  type ClimateBand,
  climateBand,
  exampleFacts,
  factNames,
  type PackingRule,
  type PackingRuleSetBody,
  packingFor,
  packingRuleErrors,
  roundQuantity,
  type ShipmentFacts,
} from '../../../src/modules/fulfillment/packing.js';

const facts = (overrides: Partial<ShipmentFacts> = {}): ShipmentFacts => ({ ...exampleFacts, ...overrides });

const body = (rules: PackingRule[], carrier_preferences: PackingRuleSetBody['carrier_preferences'] = []) => ({
  rules,
  carrier_preferences,
});

const dryIce: PackingRule = {
  name: 'Dry ice',
  condition: { and: [{ in: ['perishable', { var: 'tags' }] }, { '!=': [{ var: 'climate_band' }, 'cold'] }] },
  instructions: ['Insulated liner, dry ice on top'],
  materials: [
    {
      code: 'dry-ice',
      unit: 'kg',
      quantity: { '*': [{ var: 'units_by_tag.perishable' }, { '+': [{ var: 'transit_days' }, 1] }, 0.5] },
    },
    { code: 'liner', unit: 'each', quantity: 1 },
  ],
};
const fragile: PackingRule = {
  name: 'Fragile',
  condition: { in: ['fragile', { var: 'tags' }] },
  instructions: ['Bubble wrap each unit', 'Mark the box FRAGILE'],
  materials: [{ code: 'bubble-wrap', unit: 'm', quantity: { '*': [{ var: 'units_by_tag.fragile' }, 0.6] } }],
};
const gift: PackingRule = {
  name: 'Gift',
  condition: { var: 'gift' },
  instructions: ['Gift wrap'],
};

describe('climateBand', () => {
  it('is hot in the tropics and cold near the poles all year', () => {
    for (const date of ['2026-01-15', '2026-04-15', '2026-07-15', '2026-10-15']) {
      expect(climateBand(0, date)).toBe('hot');
      expect(climateBand(23.4, date)).toBe('hot');
      expect(climateBand(-23.4, date)).toBe('hot');
      expect(climateBand(60, date)).toBe('cold');
      expect(climateBand(-60, date)).toBe('cold');
      expect(climateBand(89.9, date)).toBe('cold');
    }
  });

  it('follows the seasons in between, swapped in the southern hemisphere', () => {
    const newYork = 40.7;
    const sydney = -33.9;
    expect(['2026-06-01', '2026-07-31', '2026-08-31'].map((d) => climateBand(newYork, d))).toEqual([
      'hot',
      'hot',
      'hot',
    ]);
    expect(['2026-12-01', '2027-01-15', '2026-02-28'].map((d) => climateBand(newYork, d))).toEqual([
      'cold',
      'cold',
      'cold',
    ]);
    expect(
      ['2026-03-15', '2026-05-31', '2026-09-01', '2026-11-30'].map((d) => climateBand(newYork, d)),
    ).toEqual(['temperate', 'temperate', 'temperate', 'temperate']);
    expect(climateBand(sydney, '2026-01-10')).toBe('hot');
    expect(climateBand(sydney, '2026-07-10')).toBe('cold');
    expect(climateBand(sydney, '2026-10-10')).toBe('temperate');
    expect(climateBand(23.5, '2026-04-01')).toBe('temperate');
    expect(climateBand(59.99, '2026-01-01')).toBe('cold');
  });

  it('is temperate when the latitude is unknown', () => {
    expect(climateBand(null, '2026-07-01')).toBe('temperate');
    expect(climateBand(Number.NaN, '2026-07-01')).toBe('temperate');
  });

  it('is symmetric: a latitude in one season is the mirror latitude six months later', () => {
    const bands: ClimateBand[] = ['cold', 'temperate', 'hot'];
    fc.assert(
      fc.property(
        fc.double({ min: -90, max: 90, noNaN: true }),
        fc.integer({ min: 1, max: 12 }),
        (lat, month) => {
          const date = (m: number) => `2026-${String(m).padStart(2, '0')}-15`;
          const mirrored = ((month + 5) % 12) + 1;
          const band = climateBand(lat, date(month));
          expect(bands).toContain(band);
          expect(climateBand(lat === 0 ? 0 : -lat, date(mirrored))).toBe(band);
        },
      ),
    );
  });
});

describe('packingFor', () => {
  it('adds nothing under an empty rule set', () => {
    expect(packingFor({ version: 0, body: body([]) }, facts())).toEqual({
      packing: { version: 0, instructions: [], materials: [] },
      preferences: [],
      errors: [],
    });
  });

  it('adds the instructions and computed materials of every matching rule, in rule order', () => {
    const result = packingFor(
      { version: 4, body: body([fragile, dryIce, gift]) },
      facts({ transit_days: 2, units_by_tag: { perishable: 3, fragile: 2 }, gift: false }),
    );
    expect(result.packing).toEqual({
      version: 4,
      instructions: [
        { rule: 'Fragile', text: 'Bubble wrap each unit' },
        { rule: 'Fragile', text: 'Mark the box FRAGILE' },
        { rule: 'Dry ice', text: 'Insulated liner, dry ice on top' },
      ],
      materials: [
        { rule: 'Fragile', code: 'bubble-wrap', quantity: 1.2, unit: 'm' },
        { rule: 'Dry ice', code: 'dry-ice', quantity: 4.5, unit: 'kg' },
        { rule: 'Dry ice', code: 'liner', quantity: 1, unit: 'each' },
      ],
    });
    expect(result.errors).toEqual([]);
  });

  it('skips rules whose condition does not hold', () => {
    const result = packingFor(
      { version: 1, body: body([dryIce, fragile, gift]) },
      facts({ climate_band: 'cold', tags: ['perishable'], gift: true }),
    );
    expect(result.packing.instructions).toEqual([{ rule: 'Gift', text: 'Gift wrap' }]);
    expect(result.packing.materials).toEqual([]);
  });

  it('lists the same material once per rule that asks for it', () => {
    const again: PackingRule = {
      name: 'More ice for long trips',
      condition: { '>': [{ var: 'transit_days' }, 3] },
      materials: [{ code: 'dry-ice', unit: 'kg', quantity: 2 }],
    };
    const { packing } = packingFor(
      { version: 1, body: body([dryIce, again]) },
      facts({ transit_days: 4, units_by_tag: { perishable: 1 } }),
    );
    expect(packing.materials.filter((m) => m.code === 'dry-ice')).toEqual([
      { rule: 'Dry ice', code: 'dry-ice', quantity: 2.5, unit: 'kg' },
      { rule: 'More ice for long trips', code: 'dry-ice', quantity: 2, unit: 'kg' },
    ]);
  });

  it('counts negative quantities as 0 and rounds up to 2 decimals', () => {
    const rule: PackingRule = {
      name: 'r',
      condition: true,
      materials: [
        { code: 'neg', unit: 'kg', quantity: { '-': [1, { var: 'units' }] } },
        { code: 'third', unit: 'kg', quantity: { '/': [1, 3] } },
        { code: 'noise', unit: 'kg', quantity: { '*': [0.1, 3] } },
        { code: 'missing-tag', unit: 'kg', quantity: { '*': [{ var: ['units_by_tag.nope', 0] }, 2] } },
      ],
    };
    const { packing, errors } = packingFor({ version: 1, body: body([rule]) }, facts({ units: 6 }));
    expect(errors).toEqual([]);
    expect(packing.materials.map((m) => [m.code, m.quantity])).toEqual([
      ['neg', 0],
      ['third', 0.34],
      ['noise', 0.3],
      ['missing-tag', 0],
    ]);
  });

  it('reports a condition that throws or a quantity that is not a number, without failing', () => {
    const rule: PackingRule = {
      name: 'broken',
      condition: true,
      materials: [{ code: 'x', unit: 'kg', quantity: { cat: ['a', 'b'] } }],
    };
    const throws: PackingRule = { name: 'throws', condition: { missing_some: 1 }, instructions: ['never'] };
    const result = packingFor({ version: 1, body: body([throws, rule]) }, facts());
    expect(result.packing.materials).toEqual([{ rule: 'broken', code: 'x', quantity: 0, unit: 'kg' }]);
    expect(result.packing.instructions).toEqual([]);
    expect(result.errors).toEqual([
      { pointer: '/rules/0/condition', detail: expect.any(String) },
      { pointer: '/rules/1/materials/0/quantity', detail: expect.stringContaining('finite number') },
    ]);
  });

  it('returns the carrier preferences whose condition holds, in order, without their conditions', () => {
    const preferences = [
      {
        name: 'electronics',
        condition: { in: ['electronics', { var: 'tags' }] },
        carrier: 'ups',
        tolerance: 300,
      },
      {
        name: 'heavy',
        condition: { '>': [{ var: 'weight_kg' }, 20] },
        carrier: 'fedex',
        service: 'freight',
        tolerance: 0,
      },
      { name: 'always', condition: true, carrier: 'usps', tolerance: 50 },
    ];
    const result = packingFor(
      { version: 2, body: body([], preferences) },
      facts({ tags: ['electronics'], weight_kg: 25 }),
    );
    expect(result.preferences).toEqual([
      { name: 'electronics', carrier: 'ups', tolerance: 300 },
      { name: 'heavy', carrier: 'fedex', service: 'freight', tolerance: 0 },
      { name: 'always', carrier: 'usps', tolerance: 50 },
    ]);
    expect(packingFor({ version: 2, body: body([], preferences) }, facts({ tags: [] })).preferences).toEqual([
      { name: 'always', carrier: 'usps', tolerance: 50 },
    ]);
  });
});

describe('packing properties', () => {
  // As fulfillment builds them: every tag of the shipment has its units.
  const shipmentFacts = fc
    .record({
      tags: fc.subarray(['perishable', 'fragile', 'electronics']),
      counts: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 3, maxLength: 3 }),
      transit_days: fc.integer({ min: 0, max: 20 }),
      climate_band: fc.constantFrom<ClimateBand>('cold', 'temperate', 'hot'),
      gift: fc.boolean(),
      weight_kg: fc.double({ min: 0, max: 1000, noNaN: true }),
    })
    .map(({ counts, ...rest }) => ({
      ...rest,
      units_by_tag: Object.fromEntries(rest.tags.map((tag, i) => [tag, counts[i] ?? 1])),
    }));
  const rules = fc.array(fc.constantFrom(dryIce, fragile, gift), { maxLength: 6 });

  it('always yields quantities of at least 0 with at most 2 decimals, never below what was computed', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e4, max: 1e4, noNaN: true }), (value) => {
        const rounded = roundQuantity(value);
        expect(rounded).toBeGreaterThanOrEqual(0);
        expect(Math.abs(rounded * 100 - Math.round(rounded * 100))).toBeLessThan(1e-6);
        expect(rounded).toBeGreaterThanOrEqual(value - 1e-6);
        expect(rounded - Math.max(value, 0)).toBeLessThan(0.01 + 1e-9);
      }),
    );
  });

  it('adds exactly the instructions of the matching rules, with non-negative quantities', () => {
    fc.assert(
      fc.property(rules, shipmentFacts, (ruleList, overrides) => {
        const f = facts(overrides);
        const { packing, errors } = packingFor({ version: 3, body: body(ruleList) }, f);
        const matching = ruleList.filter((rule) =>
          jsonLogic.truthy(jsonLogic.apply(rule.condition as RulesLogic, f)),
        );
        expect(packing.instructions.length).toBe(
          matching.reduce((n, rule) => n + (rule.instructions?.length ?? 0), 0),
        );
        for (const material of packing.materials) {
          expect(material.quantity).toBeGreaterThanOrEqual(0);
        }
        expect(errors).toEqual([]);
        expect(packing.version).toBe(3);
      }),
    );
  });

  it('needs more dry ice for more perishable units or longer transit, never less', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 20 }),
        (u1, u2, d1, d2) => {
          const ice = (units: number, days: number) =>
            packingFor(
              { version: 1, body: body([dryIce]) },
              facts({ units_by_tag: { perishable: units }, transit_days: days, climate_band: 'hot' }),
            ).packing.materials.find((m) => m.code === 'dry-ice')?.quantity ?? 0;
          expect(ice(Math.max(u1, u2), Math.max(d1, d2))).toBeGreaterThanOrEqual(
            ice(Math.min(u1, u2), Math.min(d1, d2)),
          );
        },
      ),
    );
  });
});

describe('packingRuleErrors', () => {
  it('accepts the example rules and preferences', () => {
    expect(
      packingRuleErrors(
        body(
          [dryIce, fragile, gift],
          [{ name: 'e', condition: { in: ['electronics', { var: 'tags' }] }, carrier: 'ups', tolerance: 1 }],
        ),
      ),
    ).toEqual([]);
  });

  it('lists every problem by pointer: conditions, quantities, repeated names', () => {
    const errors = packingRuleErrors(
      body(
        [
          { name: 'a', condition: { var: 'colour' } },
          {
            name: 'b',
            condition: true,
            materials: [
              { code: 'ok', unit: 'kg', quantity: 1 },
              { code: 'str', unit: 'kg', quantity: { var: 'destination_country' } },
              { code: 'div', unit: 'kg', quantity: { '/': [10, { var: 'units' }] } },
              { code: 'fact', unit: 'kg', quantity: { var: 'weight_lb' } },
              { code: 'neg', unit: 'kg', quantity: -1 },
              { code: 'op', unit: 'kg', quantity: { log: 1 } },
            ],
          },
          { name: 'a', condition: { teleport: [] } },
        ],
        [
          { name: 'p', condition: { var: 'units_by_tag.constructor' }, carrier: 'ups', tolerance: 0 },
          { name: 'p', condition: true, carrier: 'ups', tolerance: 0 },
        ],
      ),
    );
    expect(errors.map((e) => e.pointer)).toEqual([
      '/rules/2/name',
      '/rules/0/condition',
      '/rules/1/materials/1/quantity',
      '/rules/1/materials/2/quantity',
      '/rules/1/materials/3/quantity',
      '/rules/1/materials/4/quantity',
      '/rules/1/materials/5/quantity',
      '/rules/2/condition',
      '/carrier_preferences/1/name',
      '/carrier_preferences/0/condition',
    ]);
    expect(errors[0]?.detail).toContain('"a"');
    expect(errors[1]?.detail).toContain('"colour" is not a fact');
    expect(errors[2]?.detail).toContain('finite number');
    expect(errors[3]?.detail).toContain('finite number');
    expect(errors[4]?.detail).toContain('"weight_lb" is not a fact');
  });

  it('tries a quantity only on the example facts where its rule applies, and hints at defaults', () => {
    const perUnit = { '*': [{ var: 'units_by_tag.perishable' }, 2] };
    const guarded: PackingRule = {
      name: 'guarded',
      condition: { in: ['perishable', { var: 'tags' }] },
      materials: [{ code: 'ice', unit: 'kg', quantity: perUnit }],
    };
    const unguarded: PackingRule = { ...guarded, name: 'unguarded', condition: true };
    const defaulted: PackingRule = {
      ...unguarded,
      name: 'defaulted',
      materials: [
        { code: 'ice', unit: 'kg', quantity: { '*': [{ var: ['units_by_tag.perishable', 0] }, 2] } },
      ],
    };
    const errors = packingRuleErrors(body([guarded, unguarded, defaulted]));
    expect(errors).toEqual([
      { pointer: '/rules/1/materials/0/quantity', detail: expect.stringContaining('give a default') },
    ]);
  });

  it('documents every fact with an example value', () => {
    expect(Object.keys(exampleFacts).sort()).toEqual([...factNames].sort());
  });
});
