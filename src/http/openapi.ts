import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import type { OpenAPIV3_1 } from 'openapi-types';
import { ProblemSchema, problemTypeBase } from './problem.js';

type ResponseMap = Record<string, unknown>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A /v1 route a channel calls with no API key, authenticated by its signature instead. */
    signedBy?: 'shopifyHmac';
    /** A /v1 route anyone may call with no API key (a customer's order status). */
    public?: boolean;
  }
}

/**
 * Routes under /v1 need an API key, except those a channel signs (Shopify's webhooks) and the public
 * ones (a customer's order status); the system routes (health, metrics, documents) need neither.
 */
const isApiRoute = (url: string, route?: { config?: { signedBy?: string; public?: boolean } }) =>
  url.startsWith('/v1/') && route?.config?.signedBy === undefined && route?.config?.public !== true;

const problem = (description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
});

const retryAfter = { 'retry-after': { type: 'integer', description: 'Seconds to wait before retrying' } };
const rateLimitHeaders = {
  'ratelimit-limit': { type: 'integer', description: 'Requests allowed in the current window' },
  'ratelimit-remaining': { type: 'integer', description: 'Requests left in the current window' },
  'ratelimit-reset': { type: 'integer', description: 'Seconds until the window resets' },
};

/**
 * The problem responses a route can produce by the shared conventions (auth, validation, idempotency,
 * body limits, rate limits), added to the document so every operation lists them.
 */
function conventionalProblems(schema: FastifySchema, route: RouteOptions): ResponseMap {
  const responses: ResponseMap = {};
  const isPublic = !isApiRoute(route.url, route);
  const hasInput = Boolean(schema.body || schema.querystring || schema.params || schema.headers);
  if (schema.body) {
    responses['400'] = problem('The body is not valid JSON');
    responses['413'] = problem('The body is larger than the limit');
    responses['415'] = problem('The body is not application/json');
  }
  if (!isPublic) {
    responses['401'] = problem('No API key, or an unknown or revoked one');
    responses['429'] = problem('The API key exceeded its rate limit', { ...rateLimitHeaders, ...retryAfter });
  }
  if (route.config?.signedBy) {
    responses['401'] = problem('The signature header is missing or does not match the body');
  }
  if (route.config?.scope) {
    responses['403'] = problem(`The API key lacks the \`${route.config.scope}\` scope`);
  }
  if (route.config?.anyScope) {
    responses['403'] = problem(
      `The API key has none of the scopes ${route.config.anyScope.map((s) => `\`${s}\``).join(', ')}`,
    );
  }
  if (schema.params) {
    responses['404'] = problem('The resource does not exist or is not visible to this key');
  }
  if (route.method === 'POST' && !isPublic) {
    responses['409'] = problem('A request with the same Idempotency-Key is still in flight', retryAfter);
  }
  if (hasInput || (route.method === 'POST' && !isPublic)) {
    responses['422'] = problem(
      'A field is invalid (each failing field is listed), or the Idempotency-Key was reused',
    );
  }
  if (route.config?.upstream) {
    responses['502'] = problem('A service Ordo called (a carrier) failed or could not be reached');
  }
  responses['500'] = problem('An unexpected error; the details are in the server log');
  responses['503'] = problem(
    'The database is unavailable or busy, or the server is shedding load: retry after `Retry-After`',
    retryAfter,
  );
  return responses;
}

function withIdempotencyKey(headers: unknown) {
  const given = (headers ?? { type: 'object', properties: {} }) as { properties?: Record<string, unknown> };
  return {
    ...given,
    properties: {
      ...given.properties,
      'idempotency-key': {
        type: 'string',
        minLength: 1,
        maxLength: 255,
        description:
          'Makes a retry safe: the same key and body replay the first response for 24 hours; another body is a 422',
        examples: ['5f0c2a8e-8d5b-4c55-9d7e-1b6f8f0d2c11'],
      },
    },
  };
}

export interface OpenApiOptions {
  /** Extra document sections (webhooks) that modules contribute. */
  webhooks?: Record<string, OpenAPIV3_1.PathItemObject>;
  /** Named schemas those sections refer to as `#/components/schemas/<name>`. */
  schemas?: Record<string, OpenAPIV3_1.SchemaObject>;
}

/** An API key for /v1, or the channel's own signature on the routes a channel calls (Shopify's webhooks). */
const securitySchemes: Record<string, OpenAPIV3_1.SecuritySchemeObject> = {
  apiKey: {
    type: 'http',
    scheme: 'bearer',
    description: 'An Ordo API key: `Authorization: Bearer <key>`',
  },
  shopifyHmac: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Shopify-Hmac-Sha256',
    description: 'Shopify webhooks: base64 HMAC-SHA256 of the raw body, keyed with the webhook secret',
  },
};

/** The document's tags, in the order its readers meet them. */
const tags: OpenAPIV3_1.TagObject[] = [
  { name: 'System', description: 'Health, readiness and metrics' },
  { name: 'API keys', description: 'Keys, scopes and channel binding' },
  { name: 'Catalog', description: 'Products, locations and channels' },
  { name: 'Carriers', description: 'Carriers, their services and rate cards' },
  { name: 'Orders', description: 'Order capture, changes, cancellation and payment updates' },
  { name: 'Routing', description: 'Routing rules, simulations and the decisions recorded on orders' },
  { name: 'Holds', description: 'Exception queues: orders held for payment, address, fraud or stock' },
  { name: 'Inventory', description: 'Stock levels, the ledger, feeds, safety stock and availability' },
  { name: 'Rules', description: 'Fraud rules (and later routing and packing rules) as data' },
  { name: 'Promising', description: 'Delivery promises at checkout' },
  { name: 'Fulfillment', description: 'Shipments, bins, pick lists, packing, labels and tracking' },
  { name: 'Returns', description: 'Returns (RMAs), receipts, refunds and exchanges' },
  {
    name: 'Tracking',
    description: 'Status links: customers follow their orders without an API key, and look them up',
  },
  { name: 'Reports', description: 'Operational reports and KPIs, as JSON or CSV' },
  { name: 'Alerts', description: 'Exception alerts: rules as data, alerts raised and resolved by a worker' },
  {
    name: 'Notifications',
    description:
      'Customer notifications of order milestones: as events, or e-mailed over a channel’s SMTP server',
  },
  { name: 'Events', description: 'The event feed: every change, in order, with long-polling' },
  {
    name: 'Webhooks',
    description:
      'Signed (Standard Webhooks) pushes of events to subscribed URLs, with a delivery log and replay',
  },
  {
    name: 'Connectors',
    description: 'Native channel connections (Shopify): orders in by signed webhooks, stock out',
  },
];

/** The OpenAPI 3.1 document, generated from the route schemas, at /openapi.json and /docs. */
export async function registerOpenApi(app: FastifyInstance, options: OpenApiOptions = {}): Promise<void> {
  app.addSchema(ProblemSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Ordo',
        version: '1.0.0',
        description: [
          'Ordo is a headless order management service: orders from every channel, inventory across',
          'locations, allocation, fulfilment and returns, over one REST API.',
          '',
          `Errors are RFC 9457 problem documents; their \`type\` is \`${problemTypeBase}<code>\`.`,
          'Every POST accepts an `Idempotency-Key` header; lists are paginated with `limit` and `cursor`.',
        ].join('\n'),
        license: { name: 'UNLICENSED', identifier: 'UNLICENSED' },
      },
      servers: [{ url: 'http://127.0.0.1:3000', description: 'Local development' }],
      components: {
        securitySchemes,
        ...(options.schemas ? { schemas: options.schemas } : {}),
      },
      tags,
      webhooks: options.webhooks ?? {},
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
    transform: ({ schema, url, route }) => {
      if (!schema || schema.hide) {
        return { schema, url };
      }
      const isPublic = !isApiRoute(url, route);
      const signedBy = route.config?.signedBy;
      const scope = route.config?.scope;
      const anyScope = route.config?.anyScope;
      const cap = route.config?.maxPageItems;
      const capped = cap
        ? `A page holds at most ${cap} items, whatever \`limit\` asks: follow \`next_cursor\`.`
        : undefined;
      return {
        url,
        schema: {
          ...schema,
          ...(capped ? { description: schema.description ? `${schema.description} ${capped}` : capped } : {}),
          ...(route.method === 'POST' && !isPublic ? { headers: withIdempotencyKey(schema.headers) } : {}),
          ...(isPublic ? { security: signedBy ? [{ [signedBy]: [] }] : [] } : { security: [{ apiKey: [] }] }),
          ...(scope ? { 'x-required-scope': scope } : {}),
          ...(anyScope ? { 'x-required-any-scope': anyScope } : {}),
          response: { ...conventionalProblems(schema, route), ...(schema.response as ResponseMap) },
        },
      };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
}
