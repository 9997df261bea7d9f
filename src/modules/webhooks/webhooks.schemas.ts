import Type, { type Static } from 'typebox';
import { Id, Timestamp, timestamps } from '../../http/fields.js';

export const limits = { patterns: 50, urlLength: 2048, replayEvents: 10_000, attemptsShown: 20 } as const;

const Pattern = Type.String({
  minLength: 1,
  maxLength: 100,
  description: 'An event type (`order.created`), a family (`order.*`) or `*` for every type',
});

const subscriptionFields = {
  url: Type.String({
    minLength: 1,
    maxLength: limits.urlLength,
    description:
      'http(s) URL the events are POSTed to; no credentials in it, and no private, loopback or link-local address (checked again before every delivery) unless the operator allows them',
    examples: ['https://erp.example.com/ordo/webhooks'],
  }),
  event_types: Type.Array(Pattern, { minItems: 1, maxItems: limits.patterns, uniqueItems: true }),
  channel: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()], {
    description: 'Only events of this channel; a channel-bound key may only subscribe to its own',
  }),
  description: Type.Union([Type.String({ maxLength: 500 }), Type.Null()]),
  active: Type.Boolean({ description: 'Inactive subscriptions receive nothing; deliveries wait' }),
};

export const CreateSubscriptionSchema = Type.Object(
  {
    url: subscriptionFields.url,
    event_types: subscriptionFields.event_types,
    channel: Type.Optional(subscriptionFields.channel),
    description: Type.Optional(subscriptionFields.description),
    active: Type.Optional(subscriptionFields.active),
  },
  {
    additionalProperties: false,
    examples: [
      {
        url: 'https://erp.example.com/ordo/webhooks',
        event_types: ['order.*', 'inventory.shortfall'],
        channel: 'web',
        description: 'ERP order import',
      },
    ],
  },
);
export type CreateSubscription = Static<typeof CreateSubscriptionSchema>;

export const UpdateSubscriptionSchema = Type.Object(
  {
    url: Type.Optional(subscriptionFields.url),
    event_types: Type.Optional(subscriptionFields.event_types),
    channel: Type.Optional(subscriptionFields.channel),
    description: Type.Optional(subscriptionFields.description),
    active: Type.Optional(
      Type.Boolean({
        description: 'true re-enables a disabled subscription (and clears why it was disabled)',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ active: true }] },
);
export type UpdateSubscription = Static<typeof UpdateSubscriptionSchema>;

const subscriptionExample = {
  id: '3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a',
  url: 'https://erp.example.com/ordo/webhooks',
  event_types: ['order.*', 'inventory.shortfall'],
  channel: 'web',
  description: 'ERP order import',
  active: true,
  disabled_at: null,
  disabled_reason: null,
  failing_since: null,
  previous_secret_expires_at: null,
  created_at: '2026-11-27T10:00:00.000Z',
  updated_at: '2026-11-27T10:00:00.000Z',
};

export const SubscriptionSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    url: Type.String(),
    event_types: Type.Array(Type.String()),
    channel: Type.Union([Type.String(), Type.Null()]),
    description: Type.Union([Type.String(), Type.Null()]),
    active: Type.Boolean(),
    disabled_at: Type.Union([Timestamp, Type.Null()]),
    disabled_reason: Type.Union([Type.String(), Type.Null()], {
      description: 'Why Ordo disabled the subscription (410 Gone, or failing for days)',
    }),
    failing_since: Type.Union([Timestamp, Type.Null()], {
      description: 'Deliveries have failed since then without a success',
    }),
    previous_secret_expires_at: Type.Union([Timestamp, Type.Null()], {
      description: 'After a rotation, the old secret also signs until then',
    }),
    ...timestamps,
  },
  { title: 'WebhookSubscription', examples: [subscriptionExample] },
);
export type Subscription = Static<typeof SubscriptionSchema>;

export const SubscriptionWithSecretSchema = Type.Object(
  {
    ...SubscriptionSchema.properties,
    secret: Type.String({
      description:
        'The signing secret (`whsec_…`), shown only in this response: verify `webhook-signature` with it (Standard Webhooks)',
    }),
  },
  { examples: [{ ...subscriptionExample, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }] },
);
export type SubscriptionWithSecret = Static<typeof SubscriptionWithSecretSchema>;

export const SubscriptionParamsSchema = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const DeliveryParamsSchema = Type.Object({ id: Id() });

export const SubscriptionListQuerySchema = Type.Object({
  active: Type.Optional(Type.Boolean()),
});

export const deliveryStatuses = ['pending', 'delivered', 'exhausted'] as const;

export const DeliveryListQuerySchema = Type.Object({
  status: Type.Optional(Type.Enum(deliveryStatuses)),
});

const AttemptSchema = Type.Object({
  attempt: Type.Integer({ minimum: 1 }),
  started_at: Timestamp,
  duration_ms: Type.Integer({ minimum: 0 }),
  status: Type.Union([Type.Integer(), Type.Null()], {
    description: 'The HTTP status; null when no response arrived',
  }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'Timeout, connection or URL problem' }),
  response_excerpt: Type.Union([Type.String(), Type.Null()], {
    description: 'The first 1,024 bytes of the response body',
  }),
  success: Type.Boolean(),
});

const deliveryExample = {
  id: 981,
  subscription_id: subscriptionExample.id,
  event: {
    id: '0b7d3c1e-2f4a-4b5c-8d6e-7f8091a2b3c4',
    type: 'order.created',
    sequence: 4711,
    occurred_at: '2026-11-27T10:00:02.000Z',
  },
  origin: 'event',
  status: 'pending',
  attempts: 2,
  next_attempt_at: '2026-11-27T10:05:09.000Z',
  last_status: 503,
  last_error: null,
  delivered_at: null,
  created_at: '2026-11-27T10:00:02.000Z',
  attempt_log: [
    {
      attempt: 1,
      started_at: '2026-11-27T10:00:02.100Z',
      duration_ms: 41,
      status: 500,
      error: null,
      response_excerpt: 'Internal Server Error',
      success: false,
    },
    {
      attempt: 2,
      started_at: '2026-11-27T10:00:07.300Z',
      duration_ms: 12,
      status: 503,
      error: null,
      response_excerpt: '',
      success: false,
    },
  ],
};

export const DeliverySchema = Type.Object(
  {
    id: Type.Integer(),
    subscription_id: Type.String({ format: 'uuid' }),
    event: Type.Object({
      id: Type.String({ format: 'uuid', description: 'Also the `webhook-id` header' }),
      type: Type.String(),
      sequence: Type.Integer(),
      occurred_at: Timestamp,
    }),
    origin: Type.Enum(['event', 'replay'], { description: 'From the event itself, or from a replay' }),
    status: Type.Enum(deliveryStatuses, {
      description: 'pending (waiting or retrying), delivered (2xx), exhausted (every attempt failed)',
    }),
    attempts: Type.Integer({ minimum: 0 }),
    next_attempt_at: Type.Union([Timestamp, Type.Null()], { description: 'Null unless pending' }),
    last_status: Type.Union([Type.Integer(), Type.Null()]),
    last_error: Type.Union([Type.String(), Type.Null()]),
    delivered_at: Type.Union([Timestamp, Type.Null()]),
    created_at: Timestamp,
    attempt_log: Type.Array(AttemptSchema, {
      description: `Each attempt, oldest first (the last ${limits.attemptsShown})`,
    }),
  },
  { title: 'WebhookDelivery', examples: [deliveryExample] },
);
export type Delivery = Static<typeof DeliverySchema>;

export const ReplaySchema = Type.Object(
  {
    from_sequence: Id({ description: 'First event `sequence` to send again' }),
    to_sequence: Id({ description: 'Last one (inclusive)' }),
  },
  { additionalProperties: false, examples: [{ from_sequence: 4700, to_sequence: 4800 }] },
);
export type Replay = Static<typeof ReplaySchema>;

export const ReplayResultSchema = Type.Object(
  {
    deliveries: Type.Integer({
      minimum: 0,
      description: 'Deliveries queued: the events in the range this subscription matches',
    }),
  },
  { examples: [{ deliveries: 37 }] },
);
