import Type, { type Static } from 'typebox';
import { Timestamp } from '../../http/fields.js';
import { factDescriptions, factNames } from './evaluate.js';

const exampleRules = [
  {
    condition: { and: [{ var: 'countries_differ' }, { '>': [{ var: 'total' }, 50_000] }] },
    weight: 40,
    reason: 'Billing and shipping countries differ on a large order',
  },
  {
    condition: { in: [{ var: 'avs_result' }, ['N', 'U']] },
    weight: 30,
    reason: 'Address verification failed',
  },
  {
    condition: { '>=': [{ var: 'orders_from_email_last_hour' }, 3] },
    weight: 50,
    reason: 'Many orders from one email within an hour',
  },
  { condition: { in: ['vip', { var: 'tags' }] }, weight: -30, reason: 'Known VIP customer' },
];

const threshold = (description: string) => Type.Integer({ minimum: 0, maximum: 1_000_000, description });

export const FraudRuleSchema = Type.Object(
  {
    condition: Type.Unknown({
      description:
        'A JSONLogic expression over the order facts (an object with one operator, e.g. `{">": [{"var": "total"}, 50000]}`), or `true`/`false`. `var` may name only the facts listed in `facts`.',
      examples: [{ '>': [{ var: 'total' }, 50_000] }],
    }),
    weight: Type.Integer({
      minimum: -1000,
      maximum: 1000,
      description: 'Added to the score when the condition holds; negative weights lower suspicion',
    }),
    reason: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Recorded on the order when the rule fires',
    }),
  },
  { additionalProperties: false },
);

const ruleSetFields = {
  rules: Type.Array(FraudRuleSchema, {
    maxItems: 200,
    description: 'Every rule is evaluated; the score is the sum of the weights of those that fire',
  }),
  review_threshold: threshold(
    'A score at or above this (and below `reject_threshold`) holds the order for review',
  ),
  reject_threshold: threshold('A score at or above this rejects the order; must be >= `review_threshold`'),
};

export const ReplaceFraudRulesSchema = Type.Object(ruleSetFields, {
  additionalProperties: false,
  examples: [{ rules: exampleRules, review_threshold: 50, reject_threshold: 100 }],
});
export type ReplaceFraudRules = Static<typeof ReplaceFraudRulesSchema>;

export const FactSchema = Type.Object({
  name: Type.String({ examples: ['total'] }),
  description: Type.String({ examples: [factDescriptions.total] }),
});

export const FraudRuleSetSchema = Type.Object(
  {
    version: Type.Integer({
      minimum: 0,
      description: 'Increases by one on every save; 0 is the built-in default (no rules)',
    }),
    ...ruleSetFields,
    created_at: Type.Union([Timestamp, Type.Null()], {
      description: 'When it was saved; null for version 0',
    }),
    facts: Type.Array(FactSchema, { description: 'The order facts a condition can read with `var`' }),
  },
  {
    title: 'FraudRuleSet',
    examples: [
      {
        version: 3,
        rules: exampleRules,
        review_threshold: 50,
        reject_threshold: 100,
        created_at: '2026-11-27T10:00:00.000Z',
        facts: [{ name: 'total', description: factDescriptions.total }],
      },
    ],
  },
);
export type FraudRuleSetBody = Static<typeof FraudRuleSetSchema>;

/** The `facts` list every rule set response carries. */
export const factList = factNames.map((name) => ({ name, description: factDescriptions[name] }));
