import Type, { type Static } from 'typebox';
import { Code, Text, Timestamp } from '../../http/fields.js';
import { factDescriptions, factNames } from './packing.js';

export const limits = { rules: 200, preferences: 100, instructions: 20, materials: 20 } as const;

const exampleRules = [
  {
    name: 'Dry ice for perishables',
    condition: {
      and: [{ in: ['perishable', { var: 'tags' }] }, { '!=': [{ var: 'climate_band' }, 'cold'] }],
    },
    instructions: ['Pack perishables in the insulated liner with dry ice on top'],
    materials: [
      {
        code: 'dry-ice',
        unit: 'kg',
        quantity: { '*': [{ var: 'units_by_tag.perishable' }, { '+': [{ var: 'transit_days' }, 1] }, 0.5] },
      },
      { code: 'insulated-liner', unit: 'each', quantity: 1 },
    ],
  },
  {
    name: 'Fragile',
    condition: { in: ['fragile', { var: 'tags' }] },
    instructions: ['Wrap each fragile unit in bubble wrap; mark the box FRAGILE'],
    materials: [
      { code: 'bubble-wrap', unit: 'm', quantity: { '*': [{ var: 'units_by_tag.fragile' }, 0.6] } },
    ],
  },
  {
    name: 'Gift wrap',
    condition: { var: 'gift' },
    instructions: ['Gift wrap; leave the packing slip without prices'],
    materials: [{ code: 'gift-wrap', unit: 'each', quantity: { var: 'line_count' } }],
  },
];

const examplePreferences = [
  {
    name: 'electronics',
    condition: { in: ['electronics', { var: 'tags' }] },
    carrier: 'ups',
    tolerance: 300,
  },
];

const condition = (what: string) =>
  Type.Unknown({
    description: `A JSONLogic expression over the shipment facts (an object with one operator), or \`true\`/\`false\`: when it holds, ${what}. \`var\` may name only the facts listed in \`facts\`, and \`units_by_tag.<tag>\`.`,
    examples: [{ in: ['fragile', { var: 'tags' }] }],
  });

export const MaterialSchema = Type.Object(
  {
    code: Code('Material code', 'dry-ice'),
    unit: Text(20, 'Unit of the quantity, e.g. `kg`, `m`, `each`'),
    quantity: Type.Union(
      [
        Type.Number({ minimum: 0, maximum: 1_000_000 }),
        Type.Object({}, { additionalProperties: true, minProperties: 1, maxProperties: 1 }),
      ],
      {
        description:
          'A constant, or a JSONLogic expression over the shipment facts that evaluates to a number; it is tried on example shipments where the rule applies (including one with 0 units when the condition allows it). A tag the shipment lacks reads as null: write `{"var": ["units_by_tag.perishable", 0]}` where that can happen. Negative results count as 0; results round up to 2 decimals.',
        examples: [2, { '*': [{ var: 'units_by_tag.perishable' }, 0.5] }],
      },
    ),
  },
  { additionalProperties: false },
);

export const PackingRuleSchema = Type.Object(
  {
    name: Text(100, 'Unique within the rule set; instructions and materials say which rule added them'),
    condition: condition('its instructions and materials are added to the shipment'),
    instructions: Type.Optional(
      Type.Array(Text(500), { maxItems: limits.instructions, description: 'Shown to the packer, in order' }),
    ),
    materials: Type.Optional(Type.Array(MaterialSchema, { maxItems: limits.materials })),
  },
  { additionalProperties: false },
);

export const CarrierPreferenceSchema = Type.Object(
  {
    name: Text(100, 'Unique within the preferences; named in the rate shopping `why`'),
    condition: condition('rate shopping prefers this carrier'),
    carrier: Code('Carrier code', 'ups'),
    service: Type.Optional(Code('Service code; without it any service of the carrier', 'ground')),
    tolerance: Type.Integer({
      minimum: 0,
      maximum: 1_000_000_000,
      description:
        'The preferred option wins when it meets the promise and costs at most this much (minor units) more than the cheapest that does',
    }),
  },
  { additionalProperties: false },
);

const ruleSetFields = {
  rules: Type.Array(PackingRuleSchema, {
    maxItems: limits.rules,
    description: 'Every rule whose condition holds adds its instructions and materials, in rule order',
  }),
  carrier_preferences: Type.Array(CarrierPreferenceSchema, {
    maxItems: limits.preferences,
    description:
      'In order: the first whose condition holds and whose carrier has an option within the tolerance is chosen',
  }),
};

export const ReplacePackingRulesSchema = Type.Object(ruleSetFields, {
  additionalProperties: false,
  examples: [{ rules: exampleRules, carrier_preferences: examplePreferences }],
});
export type ReplacePackingRules = Static<typeof ReplacePackingRulesSchema>;

export const PackingFactSchema = Type.Object({
  name: Type.String({ examples: ['units'] }),
  description: Type.String({ examples: [factDescriptions.units] }),
});

export const PackingRuleSetSchema = Type.Object(
  {
    version: Type.Integer({
      minimum: 0,
      description: 'Increases by one on every save; 0 is the built-in default (no rules, no preferences)',
    }),
    ...ruleSetFields,
    created_at: Type.Union([Timestamp, Type.Null()], {
      description: 'When it was saved; null for version 0',
    }),
    facts: Type.Array(PackingFactSchema, {
      description: 'The shipment facts a condition can read with `var`',
    }),
  },
  {
    title: 'PackingRuleSet',
    examples: [
      {
        version: 2,
        rules: exampleRules,
        carrier_preferences: examplePreferences,
        created_at: '2026-11-27T10:00:00.000Z',
        facts: [{ name: 'units', description: factDescriptions.units }],
      },
    ],
  },
);

/** The `facts` list every rule set response carries. */
export const packingFactList = factNames.map((name) => ({ name, description: factDescriptions[name] }));
