import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { callerOf } from '../../http/auth.js';
import { Page, pageQuery } from '../../http/pagination.js';
import {
  ConnectorParamsSchema,
  ConnectorSchema,
  ConnectorStatusSchema,
  DeliveryResultSchema,
  FulfilmentListQuerySchema,
  FulfilmentParamsSchema,
  FulfilmentSchema,
  InboxEntryParamsSchema,
  InboxEntrySchema,
  PutConnectorSchema,
  ShopifyHeadersSchema,
  ShopifyOrderBodySchema,
} from './connectors.schemas.js';
import type { ConnectorService } from './connectors.service.js';

const tags = ['Connectors'];
const admin = { scope: 'admin' as const };
const read = { scope: 'orders:read' as const };

const putShopifyConnector = {
  config: admin,
  schema: {
    operationId: 'putShopifyConnector',
    tags,
    summary: 'Connect a channel to a Shopify store (or change its connection)',
    description:
      'The webhook secret and the Admin API token are write-only: required the first time, kept when left out later, never returned or logged.',
    params: ConnectorParamsSchema,
    body: PutConnectorSchema,
    response: {
      200: { ...ConnectorSchema, description: 'The connection was changed' },
      201: { ...ConnectorSchema, description: 'The channel is now connected' },
    },
  },
};

const getShopifyConnector = {
  config: read,
  schema: {
    operationId: 'getShopifyConnector',
    tags,
    summary: 'The channel’s Shopify connection (without its secrets)',
    params: ConnectorParamsSchema,
    response: { 200: { ...ConnectorSchema, description: 'The connection' } },
  },
};

const deleteShopifyConnector = {
  config: admin,
  schema: {
    operationId: 'deleteShopifyConnector',
    tags,
    summary: 'Disconnect the channel from Shopify (its orders stay)',
    params: ConnectorParamsSchema,
    response: { 204: { type: 'null', description: 'Disconnected' } },
  },
};

const getShopifyConnectorStatus = {
  config: read,
  schema: {
    operationId: 'getShopifyConnectorStatus',
    tags,
    summary: 'Stock push backlog, last push, last error and inbox size',
    params: ConnectorParamsSchema,
    response: { 200: { ...ConnectorStatusSchema, description: 'The status' } },
  },
};

const listShopifyInbox = {
  config: read,
  schema: {
    operationId: 'listShopifyInbox',
    tags,
    summary: 'Deliveries that could not be read (dead letters), newest first, with the reason',
    params: ConnectorParamsSchema,
    querystring: Type.Object(pageQuery),
    response: { 200: { ...Page(InboxEntrySchema), description: 'A page of inbox entries' } },
  },
};

const dismissShopifyInboxEntry = {
  config: { scope: 'orders:write' as const },
  schema: {
    operationId: 'dismissShopifyInboxEntry',
    tags,
    summary: 'Dismiss an inbox entry once looked at (it stays listed, and no longer raises the alert)',
    description:
      'The `connector_inbox` alert holds while the inbox has entries nobody dismissed; dismissing the last one resolves it at the next evaluation. Dismissing twice keeps the first time.',
    params: InboxEntryParamsSchema,
    response: { 200: { ...InboxEntrySchema, description: 'The entry, dismissed' } },
  },
};

const listShopifyFulfilments = {
  config: read,
  schema: {
    operationId: 'listShopifyFulfilments',
    tags,
    summary: 'Fulfilments of shipped shipments to create in Shopify, newest first (e.g. the failed ones)',
    description:
      'A shipped shipment of a Shopify order becomes a fulfilment to create in Shopify with its carrier and tracking. `pending` ones are retried with backoff; `failed` ones wait for a person: fix the cause, then `POST …/fulfilments/{shipment_id}/retry`.',
    params: ConnectorParamsSchema,
    querystring: FulfilmentListQuerySchema,
    response: { 200: { ...Page(FulfilmentSchema), description: 'A page of fulfilments' } },
  },
};

const retryShopifyFulfilment = {
  config: { scope: 'orders:write' as const },
  schema: {
    operationId: 'retryShopifyFulfilment',
    tags,
    summary: 'Retry a failed Shopify fulfilment now',
    description:
      'Puts a `failed` fulfilment back to `pending`, due now, with its attempts counted from 0 again. A fulfilment that is not failed is a 409 (a pending one is retried already; a created one is done).',
    params: FulfilmentParamsSchema,
    response: { 200: { ...FulfilmentSchema, description: 'The fulfilment, pending again' } },
  },
};

/** The API routes of the connector: configuration, status, inbox and fulfilments (API key required). */
export const connectorRoutes: FastifyPluginAsyncTypebox<{ connectors: ConnectorService }> = async (
  app,
  { connectors },
) => {
  app.put('/connectors/shopify/:channel', putShopifyConnector, async (request, reply) => {
    const { connector, created } = await connectors.put(request.params.channel, request.body);
    return reply.code(created ? 201 : 200).send(connector);
  });
  app.get('/connectors/shopify/:channel', getShopifyConnector, async (request) =>
    connectors.get(request.params.channel, callerOf(request)),
  );
  app.delete('/connectors/shopify/:channel', deleteShopifyConnector, async (request, reply) => {
    await connectors.remove(request.params.channel);
    return reply.code(204).send(null);
  });
  app.get('/connectors/shopify/:channel/status', getShopifyConnectorStatus, async (request) =>
    connectors.status(request.params.channel, callerOf(request)),
  );
  app.get('/connectors/shopify/:channel/inbox', listShopifyInbox, async (request) =>
    connectors.inbox(request.params.channel, request.query, callerOf(request)),
  );
  app.post('/connectors/shopify/:channel/inbox/:id/dismiss', dismissShopifyInboxEntry, async (request) =>
    connectors.dismiss(request.params.channel, request.params.id, callerOf(request)),
  );
  app.get('/connectors/shopify/:channel/fulfilments', listShopifyFulfilments, async (request) =>
    connectors.fulfilments(request.params.channel, request.query, callerOf(request)),
  );
  app.post(
    '/connectors/shopify/:channel/fulfilments/:shipment_id/retry',
    retryShopifyFulfilment,
    async (request) =>
      connectors.retryFulfilment(request.params.channel, request.params.shipment_id, callerOf(request)),
  );
};

const receiveShopifyWebhook = {
  config: { signedBy: 'shopifyHmac' as const },
  // The body is the raw bytes (the signature covers them); headers are checked by the handler, so a
  // missing signature is a 401 like a wrong one, never a 422.
  validatorCompiler: () => () => true,
  schema: {
    operationId: 'receiveShopifyWebhook',
    tags,
    summary: 'Shopify order webhooks (orders/create, orders/updated, orders/cancelled); no API key',
    description:
      'Authenticated by `X-Shopify-Hmac-Sha256` (base64 HMAC-SHA256 of the raw body with the webhook secret), checked in constant time before the body is read: missing or wrong is a 401 and nothing is stored. A repeated event (`X-Shopify-Event-Id`, else `X-Shopify-Webhook-Id`) changes nothing. Every signed delivery is answered 200, even one Ordo cannot read: that one is kept in the inbox.',
    params: ConnectorParamsSchema,
    headers: ShopifyHeadersSchema,
    body: ShopifyOrderBodySchema,
    response: { 200: { ...DeliveryResultSchema, description: 'The delivery was taken' } },
  },
};

/**
 * Shopify's deliveries: outside the API-key context (Shopify signs, it has no key), with a parser
 * that keeps the raw bytes, for this route only.
 */
export const shopifyWebhookRoutes: FastifyPluginAsyncTypebox<{
  connectors: ConnectorService;
  bodyLimit: number;
}> = async (app, { connectors, bodyLimit }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
  app.post('/connectors/shopify/:channel/webhooks', receiveShopifyWebhook, async (request) =>
    connectors.receive(
      request.params.channel,
      request.headers,
      Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      request.id,
    ),
  );
};
