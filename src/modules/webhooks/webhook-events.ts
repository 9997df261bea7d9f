import Type from 'typebox';
import type { EventTypeDefinitions } from '../events/index.js';

const Subscription = Type.Object({
  id: Type.String({ format: 'uuid' }),
  url: Type.String(),
  channel: Type.Union([Type.String(), Type.Null()]),
});

const DeliveryExhausted = Type.Object({
  subscription: Subscription,
  delivery_id: Type.Integer(),
  event_id: Type.String({ format: 'uuid', description: 'The event that could not be delivered' }),
  event_type: Type.String(),
  event_sequence: Type.Integer(),
  attempts: Type.Integer(),
  last_status: Type.Union([Type.Integer(), Type.Null()]),
  last_error: Type.Union([Type.String(), Type.Null()]),
});

const SubscriptionDisabled = Type.Object({
  subscription: Subscription,
  reason: Type.String(),
});

/** The webhook.* event types, with the schema of their `data`: adding a type is one line here. */
export const webhookEvents = {
  'webhook.delivery_exhausted': {
    scope: 'webhooks:write',
    summary: 'A webhook delivery failed on every attempt and will not be retried by itself',
    data: DeliveryExhausted,
  },
  'webhook.subscription_disabled': {
    scope: 'webhooks:write',
    summary: 'A webhook subscription was disabled: its endpoint answered 410 or kept failing',
    data: SubscriptionDisabled,
  },
} satisfies EventTypeDefinitions;
