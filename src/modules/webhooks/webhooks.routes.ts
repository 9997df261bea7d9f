import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { callerOf } from '../../http/auth.js';
import { Page, pageQuery } from '../../http/pagination.js';
import {
  CreateSubscriptionSchema,
  DeliveryListQuerySchema,
  DeliveryParamsSchema,
  DeliverySchema,
  ReplayResultSchema,
  ReplaySchema,
  SubscriptionListQuerySchema,
  SubscriptionParamsSchema,
  SubscriptionSchema,
  SubscriptionWithSecretSchema,
  UpdateSubscriptionSchema,
} from './webhooks.schemas.js';
import type { WebhookService } from './webhooks.service.js';

const tags = ['Webhooks'];
const write = { scope: 'webhooks:write' as const };
const subscription = (description: string) => ({ ...SubscriptionSchema, description });

const deliveryRules =
  'Deliveries follow Standard Webhooks: a JSON POST of the event with `webhook-id` (the event id: ' +
  'deduplicate by it), `webhook-timestamp` and `webhook-signature`. At least once: 2xx is success; 3xx, ' +
  'other statuses, timeouts (15 s) and network errors are retried over about three days (5 s, 5 min, ' +
  '30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h, with jitter); 429 and 503 honour `Retry-After`; 410 disables ' +
  'the subscription. Deliveries may arrive out of order and in parallel: order by the event `sequence`.';

// The routes: scope and schema of each, named by operationId; the plugin below adds the handlers.

const createWebhook = {
  config: write,
  schema: {
    operationId: 'createWebhook',
    tags,
    summary: 'Subscribe a URL to event types; the signing secret is in this response only',
    description: deliveryRules,
    body: CreateSubscriptionSchema,
    response: {
      201: { ...SubscriptionWithSecretSchema, description: 'The subscription and its secret' },
    },
  },
};

const listWebhooks = {
  config: write,
  schema: {
    operationId: 'listWebhooks',
    tags,
    summary: 'List webhook subscriptions',
    querystring: Type.Object({ ...pageQuery, ...SubscriptionListQuerySchema.properties }),
    response: { 200: { ...Page(SubscriptionSchema), description: 'A page of subscriptions' } },
  },
};

const getWebhook = {
  config: write,
  schema: {
    operationId: 'getWebhook',
    tags,
    summary: 'Get a webhook subscription (and why it was disabled, if it was)',
    params: SubscriptionParamsSchema,
    response: { 200: subscription('The subscription') },
  },
};

const updateWebhook = {
  config: write,
  schema: {
    operationId: 'updateWebhook',
    tags,
    summary: 'Change a subscription; `active: true` re-enables a disabled one',
    params: SubscriptionParamsSchema,
    body: UpdateSubscriptionSchema,
    response: { 200: subscription('The updated subscription') },
  },
};

const deleteWebhook = {
  config: write,
  schema: {
    operationId: 'deleteWebhook',
    tags,
    summary: 'Delete a subscription with its deliveries',
    params: SubscriptionParamsSchema,
    response: { 204: { type: 'null', description: 'Deleted' } },
  },
};

const rotateWebhookSecret = {
  config: write,
  schema: {
    operationId: 'rotateWebhookSecret',
    tags,
    summary: 'Issue a new signing secret; the old one also signs for 24 hours',
    params: SubscriptionParamsSchema,
    response: {
      200: { ...SubscriptionWithSecretSchema, description: 'The subscription and its new secret' },
    },
  },
};

const listWebhookDeliveries = {
  config: write,
  schema: {
    operationId: 'listWebhookDeliveries',
    tags,
    summary: 'The delivery log of a subscription, newest first, with every attempt',
    params: SubscriptionParamsSchema,
    querystring: Type.Object({ ...pageQuery, ...DeliveryListQuerySchema.properties }),
    response: { 200: { ...Page(DeliverySchema), description: 'A page of deliveries' } },
  },
};

const replayWebhook = {
  config: write,
  schema: {
    operationId: 'replayWebhook',
    tags,
    summary: 'Send the events of a sequence range again (those the subscription matches)',
    params: SubscriptionParamsSchema,
    body: ReplaySchema,
    response: { 202: { ...ReplayResultSchema, description: 'The deliveries were queued' } },
  },
};

const retryWebhookDelivery = {
  config: write,
  schema: {
    operationId: 'retryWebhookDelivery',
    tags,
    summary: 'Attempt a delivery again now, whatever its status',
    params: DeliveryParamsSchema,
    response: { 202: { ...DeliverySchema, description: 'The delivery, due now' } },
  },
};

export const webhookRoutes: FastifyPluginAsyncTypebox<{ webhooks: WebhookService }> = async (
  app,
  { webhooks },
) => {
  app.post('/webhooks', createWebhook, async (request, reply) =>
    reply.code(201).send(await webhooks.create(request.body, callerOf(request))),
  );
  app.get('/webhooks', listWebhooks, async (request) => webhooks.list(request.query, callerOf(request)));
  app.get('/webhooks/:id', getWebhook, async (request) => webhooks.get(request.params.id, callerOf(request)));
  app.patch('/webhooks/:id', updateWebhook, async (request) =>
    webhooks.update(request.params.id, request.body, callerOf(request)),
  );
  app.delete('/webhooks/:id', deleteWebhook, async (request, reply) => {
    await webhooks.remove(request.params.id, callerOf(request));
    return reply.code(204).send(null);
  });
  app.post('/webhooks/:id/rotate-secret', rotateWebhookSecret, async (request) =>
    webhooks.rotateSecret(request.params.id, callerOf(request)),
  );
  app.get('/webhooks/:id/deliveries', listWebhookDeliveries, async (request) =>
    webhooks.deliveries(request.params.id, request.query, callerOf(request)),
  );
  app.post('/webhooks/:id/replay', replayWebhook, async (request, reply) =>
    reply.code(202).send(await webhooks.replay(request.params.id, request.body, callerOf(request))),
  );
  app.post('/webhook-deliveries/:id/retry', retryWebhookDelivery, async (request, reply) =>
    reply.code(202).send(await webhooks.retry(request.params.id, callerOf(request))),
  );
};
