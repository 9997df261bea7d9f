import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { AppError } from '../../errors.js';
import { problemDocument } from '../../http/problem.js';
import { renderTrackNotFound, renderTrackPage, trackPageHeaders } from './track-page.js';
import {
  LookupResultSchema,
  LookupSchema,
  TrackedOrderSchema,
  TrackParamsSchema,
} from './tracking.schemas.js';
import type { TrackingService } from './tracking.service.js';

export interface TrackRouteOptions {
  tracking: Pick<TrackingService, 'view' | 'lookup'>;
  /** Requests per client address and window: lookups, and views of a link (JSON and page each). */
  lookupMax: number;
  viewMax: number;
  windowMs: number;
}

const tags = ['Tracking'];
/** The token is in the URL: never cached, never sent on as a referrer. */
const privateHeaders = { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } as const;

/**
 * Every way of finding nothing (unknown, forged, expired, revoked or replaced token; a lookup that
 * does not match) is this one problem, byte for byte but for its request id: even `instance` does not
 * echo the token.
 */
const notFoundDetail =
  'No order matches: the link is unknown, expired or revoked, or the details do not match';
export const trackNotFoundInstance = '/v1/track';

function sendNotFound(request: FastifyRequest, reply: FastifyReply) {
  const problem = problemDocument(
    new AppError('not_found', notFoundDetail),
    trackNotFoundInstance,
    request.id,
  );
  return reply.code(404).headers(privateHeaders).type('application/problem+json').send(problem);
}

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
});
const tooMany = problem('Too many requests from this address: retry after `Retry-After` seconds');

const viewOrder = (max: number, windowMs: number) => ({
  config: { public: true, rateLimit: { max, timeWindow: windowMs } },
  schema: {
    operationId: 'trackOrder',
    tags,
    summary: 'What a customer sees of an order behind its status link (no API key)',
    description:
      'The redacted view: items, status, promised date, shipments with carrier, tracking number and events, delays and returns; the ship-to city, region, postal code and country only. An unknown, forged, expired, revoked or replaced token is the same 404 problem. Rate limited per client address.',
    params: TrackParamsSchema,
    response: {
      200: { ...TrackedOrderSchema, description: 'The order, as its customer may see it' },
      404: problem('No order behind this token (one answer for every reason)'),
      429: tooMany,
    },
  },
});

const lookupOrder = (max: number, windowMs: number) => ({
  config: { public: true, rateLimit: { max, timeWindow: windowMs } },
  schema: {
    operationId: 'lookUpOrder',
    tags,
    summary: 'Find an order by its number and the customer’s email or delivery postal code (no API key)',
    description:
      'Exactly one of `email` (any case) and `postal_code` (spaces, dashes and case ignored). A match answers the order’s status link and the order as the customer sees it; anything that does not match (or an order whose link is revoked or expired) is the same 404 problem as an unknown link. Rate limited per client address (ORDO_TRACK_LOOKUP_RATE_LIMIT per window).',
    body: LookupSchema,
    response: {
      200: { ...LookupResultSchema, description: 'The order and its status link' },
      404: problem('No order matches (one answer for every reason)'),
      429: tooMany,
    },
  },
});

/** The JSON API under /v1/track: no API key, a limit per client address. */
const trackApi: FastifyPluginAsyncTypebox<TrackRouteOptions> = async (app, options) => {
  app.setNotFoundHandler((request, reply) => sendNotFound(request, reply));
  app.get('/:token', viewOrder(options.viewMax, options.windowMs), async (request, reply) => {
    const order = await options.tracking.view(request.params.token);
    return order ? reply.headers(privateHeaders).send(order) : sendNotFound(request, reply);
  });
  app.post('/lookup', lookupOrder(options.lookupMax, options.windowMs), async (request, reply) => {
    const found = await options.tracking.lookup(request.body);
    return found ? reply.headers(privateHeaders).send(found) : sendNotFound(request, reply);
  });
};

const notFoundPage = renderTrackNotFound();
const sendPage = (reply: FastifyReply, status: number, html: string) =>
  reply.code(status).headers(trackPageHeaders).type('text/html; charset=utf-8').send(html);

/**
 * A URL the router refuses before any route sees it (a token longer than a path parameter may be, bad
 * percent-encoding) under /v1/track/ or /track/: the same 404 as any other token that names nothing.
 * Undefined for any other URL.
 */
export function answerUnroutableTrackUrl(request: FastifyRequest, reply: FastifyReply) {
  reply.header('x-request-id', request.id);
  if (request.url.startsWith('/v1/track/')) {
    return sendNotFound(request, reply);
  }
  return request.url.startsWith('/track/') ? sendPage(reply, 404, notFoundPage) : undefined;
}

/** The customer's page under /track: HTML without JavaScript, the same for every missing order. */
const trackPage: FastifyPluginAsyncTypebox<TrackRouteOptions> = async (app, options) => {
  app.setNotFoundHandler((_request, reply) => sendPage(reply, 404, notFoundPage));
  app.get(
    '/:token',
    {
      config: { public: true, rateLimit: { max: options.viewMax, timeWindow: options.windowMs } },
      schema: { hide: true, params: Type.Object({ token: Type.String() }) },
    },
    async (request, reply) => {
      const order = await options.tracking.view(request.params.token);
      return order ? sendPage(reply, 200, renderTrackPage(order)) : sendPage(reply, 404, notFoundPage);
    },
  );
};

/**
 * What customers reach without an API key: `/v1/track/{token}`, `POST /v1/track/lookup` and the page
 * `/track/{token}`, each limited per client address (its /64 for IPv6) in this process.
 */
export const trackRoutes: FastifyPluginAsyncTypebox<TrackRouteOptions> = async (app, options) => {
  await app.register(rateLimit, {
    global: false,
    enableDraftSpec: true,
    errorResponseBuilder: (_request, context) =>
      new AppError(
        'rate_limited',
        `Rate limit of ${context.max} requests exceeded; retry in ${context.after}`,
        {
          retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)),
        },
      ),
  });
  await app.register(trackApi, { ...options, prefix: '/v1/track' });
  await app.register(trackPage, { ...options, prefix: '/track' });
};
