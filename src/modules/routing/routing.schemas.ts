import Type, { type Static } from 'typebox';
import { maxMoney, Tags, Timestamp } from '../../http/fields.js';
import { AddressSchema } from '../addresses/index.js';
import { strategies } from './rules.js';

const Codes = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 200, uniqueItems: true });

const ActionSchema = Type.Object(
  {
    eligible: Type.Optional(
      Type.Object(
        {
          kinds: Type.Optional(
            Type.Array(Type.Enum(['warehouse', 'store', 'dropship']), { minItems: 1, uniqueItems: true }),
          ),
          tags: Type.Optional({ ...Tags, description: 'A location must carry every one of these tags' }),
          include: Type.Optional({ ...Codes, description: 'Only these locations' }),
          exclude: Type.Optional({ ...Codes, description: 'Never these locations' }),
          max_distance_km: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 40_000 })),
          same_country: Type.Optional(
            Type.Boolean({ description: 'Only locations in the destination country' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    ranking: Type.Array(Type.Enum(strategies), {
      minItems: 1,
      uniqueItems: true,
      description: 'Strategies applied in order: the first decides, the next breaks ties',
    }),
    split: Type.Union(
      [
        Type.Object({ policy: Type.Literal('none') }, { additionalProperties: false }),
        Type.Object(
          { policy: Type.Literal('allowed'), max_shipments: Type.Integer({ minimum: 2, maximum: 5 }) },
          { additionalProperties: false },
        ),
      ],
      { description: 'Whether an order may ship from several locations, and into how many shipments' },
    ),
    cost_review_threshold: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0, maximum: maxMoney }), Type.Null()], {
        description:
          'When the chosen plan costs more than the cheapest feasible plan by more than this (minor units), a routing_review hold asks a person instead',
      }),
    ),
  },
  { additionalProperties: false },
);

const ruleSetExample = {
  rules: [
    {
      name: 'same-day from stores nearby',
      condition: { '==': [{ var: 'service_level' }, 'same_day'] },
      action: {
        eligible: { kinds: ['store'], max_distance_km: 50 },
        ranking: ['nearest'],
        split: { policy: 'none' },
      },
    },
    {
      name: 'large orders from warehouses',
      condition: { '>=': [{ var: 'order_value' }, 50000] },
      action: {
        eligible: { kinds: ['warehouse'], same_country: true },
        ranking: ['min_splits', 'lowest_cost'],
        split: { policy: 'allowed', max_shipments: 2 },
        cost_review_threshold: 2000,
      },
    },
  ],
  fallback: { ranking: ['min_splits', 'nearest'], split: { policy: 'allowed', max_shipments: 3 } },
};

export const RuleSetBodySchema = Type.Object(
  {
    rules: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 200 }),
          condition: Type.Unknown({
            description:
              'A JSONLogic condition over the order facts: channel, destination_country, destination_region, order_value, currency, line_tags, service_level, priority, line_count, unit_count, weight_grams',
          }),
          action: ActionSchema,
        },
        { additionalProperties: false },
      ),
      { maxItems: 100 },
    ),
    fallback: { ...ActionSchema, description: 'Applies when no rule matches' },
  },
  { additionalProperties: false, examples: [ruleSetExample] },
);

export const RuleSetSchema = Type.Object(
  {
    scope: Type.String({ description: 'A channel code, or * for channels without their own' }),
    version: Type.Integer({ description: '0 is the built-in rule set' }),
    created_at: Type.Union([Timestamp, Type.Null()]),
    ...RuleSetBodySchema.properties,
  },
  {
    title: 'RoutingRuleSet',
    examples: [{ scope: 'web', version: 3, created_at: '2026-11-27T10:00:00.000Z', ...ruleSetExample }],
  },
);

export const RuleSetParamsSchema = Type.Object({
  scope: Type.String({ pattern: '^(\\*|[A-Za-z0-9][A-Za-z0-9_.-]{0,63})$' }),
});

const TraceSchema = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'The rule set and rule used, every candidate with its eligibility, the plans compared and why the winner won',
});

export const SimulateSchema = Type.Object(
  {
    channel: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    ship_to: AddressSchema,
    lines: Type.Array(
      Type.Object(
        {
          sku: Type.String({ minLength: 1, maxLength: 128 }),
          quantity: Type.Integer({ minimum: 1, maximum: 100_000 }),
          unit_price: Type.Optional(Type.Integer({ minimum: 0, maximum: maxMoney })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 500 },
    ),
    service_level: Type.Enum(['standard', 'express', 'same_day']),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
    tags: Type.Optional(Tags),
  },
  {
    additionalProperties: false,
    examples: [
      {
        channel: 'web',
        ship_to: {
          line1: '350 5th Ave',
          city: 'New York',
          region: 'NY',
          postal_code: '10118',
          country: 'US',
        },
        lines: [{ sku: 'TSHIRT-BLK-M', quantity: 2, unit_price: 1999 }],
        service_level: 'standard',
      },
    ],
  },
);
export type Simulate = Static<typeof SimulateSchema>;

const PlacementSchema = Type.Union([
  Type.Object({
    latitude: Type.Number(),
    longitude: Type.Number(),
    source: Type.Enum(['given', 'postal_code', 'country_centroid']),
  }),
  Type.Null(),
]);

export const SimulationSchema = Type.Object(
  {
    destination: PlacementSchema,
    plan: Type.Array(
      Type.Object({
        location: Type.String(),
        lines: Type.Array(Type.Object({ sku: Type.String(), quantity: Type.Integer() })),
      }),
    ),
    unfilled: Type.Array(Type.Object({ sku: Type.String(), quantity: Type.Integer() })),
    trace: TraceSchema,
  },
  {
    description: 'What routing would decide now for this order; nothing is reserved',
    examples: [
      {
        destination: { latitude: 40.7484, longitude: -73.9967, source: 'postal_code' },
        plan: [{ location: 'NJ-DC', lines: [{ sku: 'TSHIRT-BLK-M', quantity: 2 }] }],
        unfilled: [],
        trace: {
          rule: { index: null, name: 'fallback' },
          why: 'NJ-DC over PA-DC by nearest: 38 km against 140 km',
        },
      },
    ],
  },
);

export type Simulation = Static<typeof SimulationSchema>;

export const OrderRoutingSchema = Type.Object(
  {
    order_id: Type.String(),
    destination: PlacementSchema,
    promised_delivery_date: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
    routing: Type.Union([TraceSchema, Type.Null()]),
  },
  {
    description: 'The routing decision recorded on the order',
    examples: [
      {
        order_id: '5b1e8f0a-6c39-4f7e-9a0b-2d4c6e8f1a3b',
        destination: { latitude: 40.7484, longitude: -73.9967, source: 'postal_code' },
        promised_delivery_date: '2026-12-01',
        routing: {
          rule_set: { scope: 'web', version: 3 },
          rule: { index: null, name: 'fallback' },
          why: '…',
        },
      },
    ],
  },
);
