import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { Config } from './config.js';
import { latestMigrationMillis } from './db/migrate.js';
import type { ReadReplica } from './db/read-replica.js';
import { registerAuth } from './http/auth.js';
import { clientErrorHandler } from './http/client-errors.js';
import { registerConsole } from './http/console.js';
import { registerIdempotency } from './http/idempotency.js';
import { registerLoadShedding } from './http/load-shedding.js';
import { registerCaptureRetries, registerMetrics, registerReplicaMetrics } from './http/metrics.js';
import { registerOpenApi } from './http/openapi.js';
import { registerPageCaps } from './http/pagination.js';
import { registerProblemHandlers, sendProblem, toAppError } from './http/problem.js';
import { registerRateLimit } from './http/rate-limit.js';
import { routeReadsToReplica } from './http/replica-reads.js';
import { RequestLogController } from './http/request-log.js';
import { systemRoutes } from './http/system.routes.js';
import { accountRoutes } from './modules/accounts/index.js';
import { alertRoutes } from './modules/alerts/index.js';
import { apiKeyRoutes } from './modules/api-keys/index.js';
import { carrierRoutes } from './modules/carriers/index.js';
import { channelRoutes, locationRoutes, productRoutes } from './modules/catalog/index.js';
import { connectorRoutes, shopifyWebhookRoutes } from './modules/connectors/index.js';
import { eventRoutes } from './modules/events/index.js';
import { fraudRoutes } from './modules/fraud/index.js';
import { packingRoutes, pickListRoutes, shipmentRoutes } from './modules/fulfillment/index.js';
import { inboundRoutes } from './modules/inbound/index.js';
import { inventoryRoutes } from './modules/inventory/index.js';
import { notificationRoutes } from './modules/notifications/index.js';
import { registerBusinessMetrics } from './modules/ops/index.js';
import { holdRoutes, orderRoutes } from './modules/orders/index.js';
import { promiseRoutes } from './modules/promising/index.js';
import { reportRoutes } from './modules/reports/index.js';
import { returnRoutes } from './modules/returns/index.js';
import { routingRoutes } from './modules/routing/index.js';
import { timelineRoutes } from './modules/timeline/index.js';
import { answerUnroutableTrackUrl, statusLinkRoutes, trackRoutes } from './modules/tracking/index.js';
import { transferRoutes } from './modules/transfers/index.js';
import { webhookRoutes } from './modules/webhooks/index.js';
import { createServices, type ServiceDeps, type Services } from './services.js';

export interface AppDeps extends ServiceDeps {
  pool: Pool;
  /** Set with DATABASE_READ_URL; `db` then routes the reads of lists, reports and the feed to it. */
  replica?: ReadReplica;
}

export type { Services };

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's services, for the in-process workers main.ts starts. */
    services: Services;
    /** Resolves once no request handler is running (some outlive their client's connection). */
    drained(): Promise<void>;
  }
}

/**
 * Counts running handlers, so shutdown closes the database only after the last one finished: a
 * handler keeps running when its client hangs up, after the server has already closed.
 */
function trackInFlight(app: FastifyInstance): void {
  const running = new Set<object>();
  let waiters: Array<() => void> = [];
  app.addHook('preHandler', async (request) => {
    running.add(request);
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    if (running.delete(request) && running.size === 0) {
      for (const wake of waiters) {
        wake();
      }
      waiters = [];
    }
    return payload;
  });
  app.decorate('drained', () =>
    running.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)),
  );
}

/** `http://host:port` of the socket the app listens on; undefined before it listens (tests that inject). */
function listeningOrigin(app: FastifyInstance): string | undefined {
  const address = app.server.listening ? app.server.address() : null;
  if (address === null || typeof address === 'string') {
    return undefined;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

const requestIdPattern = /^[\w.:-]{1,128}$/;

/**
 * Bodies are validated strictly (no type coercion, unknown fields rejected, every failure listed);
 * query strings and path parameters are strings on the wire, so they are coerced. One pair per
 * process: Ajv caches what it compiled by schema, and the route schemas are the modules' own
 * objects, so every app built in a process (a test file's) compiles each schema once.
 */
const validatorOptions = {
  allErrors: true,
  removeAdditional: false,
  useDefaults: true,
  strict: false,
} as const;
const validators = {
  body: addFormats.default(new Ajv({ ...validatorOptions, coerceTypes: false })),
  other: addFormats.default(new Ajv({ ...validatorOptions, coerceTypes: 'array' })),
};

/** The HTTP server: strict JSON, request ids, timeouts, and problem+json for everything that fails. */
function createServer(config: Config, log: AppDeps['log']) {
  const app = Fastify({
    loggerInstance: log,
    logController: new RequestLogController(),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
    },
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // Slow clients: headers must arrive within their own, shorter bound, checked every second
    // (Node checks every 30 s by default, so a slow-headers client could outstay the bound by that).
    http: {
      headersTimeout: config.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, config.headersTimeoutMs),
    },
    clientErrorHandler: clientErrorHandler(log),
    return503OnClosing: true,
    // Behind a load balancer, the client's address (per-address limits) comes from X-Forwarded-For.
    trustProxy: config.trustProxy,
    forceCloseConnections: 'idle',
    // Room for 64-character SKUs even when percent-encoded.
    routerOptions: { maxParamLength: 512 },
    // A malformed URL never reaches the error handler; answer it with a problem too (a status link's
    // URL with the same 404 as any token that names nothing).
    frameworkErrors: (err, request, reply) =>
      answerUnroutableTrackUrl(request, reply) ?? sendProblem(request, reply, toAppError(err)),
  }).withTypeProvider<TypeBoxTypeProvider>();
  // JSON only: any other body is a 415 rather than a string that fails validation.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? validators.body : validators.other).compile(schema as object),
  );
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  return app;
}

/** The /v1 API: sheds load, every route needs a key, is rate limited and honours Idempotency-Key. */
async function registerApi(
  api: FastifyInstance,
  services: Services,
  { db, pool, config }: AppDeps,
): Promise<void> {
  await registerLoadShedding(api, {
    maxEventLoopDelayMs: config.maxEventLoopDelayMs,
    maxDatabaseWaiting: config.maxDatabaseWaiting,
    maxConcurrentLists: config.maxConcurrentLists,
    pool,
  });
  registerAuth(api, services.apiKeys);
  registerPageCaps(api);
  await registerRateLimit(api, { max: config.rateLimitMax, windowMs: config.rateLimitWindowMs });
  registerIdempotency(api, {
    db,
    ttlHours: config.idempotencyTtlHours,
    leaseMs: config.requestTimeoutMs + 5000,
  });
  const bulkBodyLimit = config.bodyLimitBytes * 16;
  await api.register(apiKeyRoutes, { apiKeys: services.apiKeys });
  await api.register(channelRoutes, { channels: services.channels });
  await api.register(locationRoutes, { locations: services.locations });
  await api.register(carrierRoutes, { carriers: services.carriers });
  await api.register(routingRoutes, { routing: services.routing });
  await api.register(productRoutes, { products: services.products, bulkBodyLimit });
  await api.register(inventoryRoutes, { inventory: services.inventory, bulkBodyLimit });
  await api.register(transferRoutes, { transfers: services.transfers });
  await api.register(inboundRoutes, { inbound: services.inbound });
  await api.register(fraudRoutes, { fraud: services.fraud });
  await api.register(orderRoutes, { orders: services.orders });
  await api.register(holdRoutes, { holds: services.holds });
  await api.register(accountRoutes, { accounts: services.accounts });
  await api.register(promiseRoutes, { promising: services.promising });
  await api.register(packingRoutes, { packing: services.packing });
  await api.register(shipmentRoutes, { shipments: services.shipments });
  await api.register(pickListRoutes, { pickLists: services.pickLists });
  await api.register(returnRoutes, { returns: services.returns });
  await api.register(timelineRoutes, { timeline: services.timeline });
  await api.register(statusLinkRoutes, { tracking: services.tracking });
  await api.register(reportRoutes, { reports: services.reports });
  await api.register(alertRoutes, { alerts: services.alerts });
  await api.register(notificationRoutes, { notifications: services.notifications });
  await api.register(eventRoutes, {
    events: services.events,
    catalog: services.eventCatalog,
    requestTimeoutMs: config.requestTimeoutMs,
  });
  await api.register(webhookRoutes, { webhooks: services.webhooks });
  await api.register(connectorRoutes, { connectors: services.connectors });
}

/** The whole application, not listening: main.ts listens, tests inject. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = createServer(deps.config, deps.log);
  registerProblemHandlers(app);
  trackInFlight(app);
  const metrics = registerMetrics(app);
  const replica = deps.replica;
  if (replica) {
    registerReplicaMetrics(metrics, replica.health);
    routeReadsToReplica(app);
  }
  registerBusinessMetrics(metrics, {
    db: deps.db,
    clock: deps.clock,
    log: deps.log,
    timeoutMs: deps.config.metricsTimeoutMs,
  });
  const services = createServices({
    ...deps,
    origin: () => listeningOrigin(app),
    captureRetried: registerCaptureRetries(metrics),
  });
  await registerOpenApi(app, services.eventCatalog.webhookDocument());
  await app.register(systemRoutes, {
    pool: deps.pool,
    metrics,
    latestMigrationMillis: latestMigrationMillis(),
    ...(replica ? { replicaHealth: replica.health } : {}),
  });
  app.decorate('services', services);
  await registerConsole(app);
  await app.register((api) => registerApi(api, services, deps), { prefix: '/v1' });
  // Shopify signs its deliveries and has no API key: outside the keyed /v1 context, raw body kept.
  await app.register(shopifyWebhookRoutes, {
    prefix: '/v1',
    connectors: services.connectors,
    bodyLimit: deps.config.bodyLimitBytes,
  });
  // Customers follow their orders without an API key: outside the keyed /v1 context, limited per address.
  await app.register(trackRoutes, {
    tracking: services.tracking,
    lookupMax: deps.config.trackLookupRateLimit,
    viewMax: deps.config.trackRateLimit,
    windowMs: deps.config.trackRateLimitWindowMs,
  });
  return app;
}
