import Type, { type Static } from 'typebox';
import { alertStatuses } from '../../db/schema/alerts.js';
import { orderStatuses, serviceLevels } from '../../db/schema/orders.js';
import { Code, Id, Text, Timestamp } from '../../http/fields.js';
import { alertKinds, defaultAlertRules, kindGuides, shipmentChecks, subjectTypes } from './alert-rules.js';

export const maxRules = 100;

const kindList = alertKinds.map((kind) => `\`${kind}\` (${kindGuides[kind].watches})`).join('; ');

const codes = (what: string, example: string, description: string) =>
  Type.Array(Code(what, example), { minItems: 1, maxItems: 200, uniqueItems: true, description });

export const AlertRuleSchema = Type.Object(
  {
    id: Code('The rule’s id: alerts name it as their `rule`; keep it across versions', 'hold-aging'),
    kind: Type.Enum(alertKinds, { description: `What the rule watches: ${kindList}` }),
    enabled: Type.Optional(
      Type.Boolean({
        default: true,
        description: 'A disabled rule raises nothing, and its unresolved alerts are resolved (default true)',
      }),
    ),
    description: Type.Optional(Text(500, 'What the rule is for, for people')),
    statuses: Type.Optional(
      Type.Array(Type.Enum(orderStatuses), {
        minItems: 1,
        maxItems: orderStatuses.length,
        uniqueItems: true,
        description: '`order_status`: the order statuses watched',
      }),
    ),
    minutes: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 525_600,
        description: '`order_status`, `webhook_failing`: how long, in minutes, before an alert',
      }),
    ),
    hours: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 8760,
        description:
          '`shipment_overdue` (no tracking update), `delivery_late` (past the promised date), `feed_stale`, `hold_age`: how long, in hours, before an alert; `connector_inbox`: only inbox entries received within the last `hours` (else any not dismissed)',
      }),
    ),
    checks: Type.Optional(
      Type.Array(Type.Enum(shipmentChecks), {
        minItems: 1,
        maxItems: 2,
        uniqueItems: true,
        description: '`shipment_overdue`: `ship_by`, `tracking` or both (the default)',
      }),
    ),
    queues: Type.Optional(
      Type.Array(Code('A hold queue', 'payments'), {
        minItems: 1,
        maxItems: 20,
        uniqueItems: true,
        description:
          '`hold_age`: only holds in these queues (payments, address_review, fraud_review, inventory, routing_review, customer_service, returns, credit)',
      }),
    ),
    locations: Type.Optional(
      codes('A location code', 'NJ-DC', '`below_reorder_point`, `feed_stale`: only these locations'),
    ),
    channels: Type.Optional(
      codes(
        'A channel code',
        'web',
        'Order, shipment, hold, webhook and connector kinds: only subjects of these channels',
      ),
    ),
    service_levels: Type.Optional(
      Type.Array(Type.Enum(serviceLevels), {
        minItems: 1,
        maxItems: serviceLevels.length,
        uniqueItems: true,
        description: 'Order and shipment kinds: only these service levels',
      }),
    ),
    min_priority: Type.Optional(
      Type.Integer({
        minimum: -1_000_000,
        maximum: 1_000_000,
        description:
          'Order and shipment kinds: only subjects of at least this priority (higher is served first)',
      }),
    ),
  },
  { additionalProperties: false },
);

const exampleRules = [
  {
    id: 'stuck-on-hold',
    kind: 'order_status',
    enabled: true,
    statuses: ['on_hold', 'backordered'],
    minutes: 240,
    channels: ['web'],
  },
  { id: 'express-overdue', kind: 'shipment_overdue', enabled: true, hours: 24, service_levels: ['express'] },
  { id: 'below-reorder-point', kind: 'below_reorder_point', enabled: true },
  { id: 'payments-aging', kind: 'hold_age', enabled: true, hours: 4, queues: ['payments'] },
];

export const ReplaceAlertRulesSchema = Type.Object(
  {
    rules: Type.Array(AlertRuleSchema, {
      maxItems: maxRules,
      description: 'Every enabled rule is evaluated on every pass; ids are unique',
    }),
  },
  { additionalProperties: false, examples: [{ rules: exampleRules }] },
);
export type ReplaceAlertRules = Static<typeof ReplaceAlertRulesSchema>;

export const AlertRuleSetSchema = Type.Object(
  {
    version: Type.Integer({
      minimum: 0,
      description: 'Increases by one on every save; 0 is the built-in default set',
    }),
    rules: Type.Array(AlertRuleSchema),
    created_at: Type.Union([Timestamp, Type.Null()], {
      description: 'When it was saved; null for version 0',
    }),
  },
  {
    title: 'AlertRuleSet',
    examples: [{ version: 0, rules: defaultAlertRules, created_at: null }],
  },
);
export type AlertRuleSetBody = Static<typeof AlertRuleSetSchema>;

export const AlertSchema = Type.Object(
  {
    id: Type.Integer(),
    rule: Type.String({ description: 'The id of the rule that raised it' }),
    kind: Type.Enum(alertKinds),
    subject_type: Type.Enum(subjectTypes),
    subject_id: Type.String({
      description:
        'The order or shipment id (uuid), the hold id, the location code, the webhook subscription id, or `SKU@LOCATION` for a stock level',
    }),
    channel: Type.Union([Type.String(), Type.Null()], {
      description: 'The channel of the subject; null for locations, stock levels and unbound webhooks',
    }),
    status: Type.Enum(alertStatuses),
    summary: Type.String(),
    details: Type.Record(Type.String(), Type.Unknown(), {
      description: 'The facts that made the condition hold when it was raised',
    }),
    rule_version: Type.Integer({ description: 'The rule set version in force when it was raised' }),
    raised_at: Timestamp,
    seen_at: Timestamp,
    acknowledged_at: Type.Union([Timestamp, Type.Null()]),
    acknowledged_by: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
      description: 'The API key that acknowledged it',
    }),
    resolved_at: Type.Union([Timestamp, Type.Null()]),
  },
  {
    title: 'Alert',
    examples: [
      {
        id: 42,
        rule: 'payments-aging',
        kind: 'hold_age',
        subject_type: 'hold',
        subject_id: '17',
        channel: 'web',
        status: 'open',
        summary: 'Hold 17 (payment) on order 100042 has been open in queue payments for more than 4 h',
        details: {
          order_id: '5b1e8f0a-6c39-4f7e-9a0b-2d4c6e8f1a3b',
          order_number: 100042,
          queue: 'payments',
        },
        rule_version: 3,
        raised_at: '2026-11-27T10:00:00.000Z',
        seen_at: '2026-11-27T10:05:00.000Z',
        acknowledged_at: null,
        acknowledged_by: null,
        resolved_at: null,
      },
    ],
  },
);
export type Alert = Static<typeof AlertSchema>;

export const AlertListQuerySchema = Type.Object({
  rule: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  kind: Type.Optional(Type.Enum(alertKinds)),
  status: Type.Optional(Type.Enum(alertStatuses)),
  subject_type: Type.Optional(Type.Enum(subjectTypes)),
  subject_id: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  channel: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});
export type AlertListQuery = Static<typeof AlertListQuerySchema> & { limit: number; cursor?: string };

export const AlertParamsSchema = Type.Object({ id: Id() });
