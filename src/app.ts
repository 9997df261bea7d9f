import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Db } from './db/client.js';
import { latestMigrationMillis } from './db/migrate.js';
import { registerAuth } from './http/auth.js';
import { registerIdempotency } from './http/idempotency.js';
import { registerMetrics } from './http/metrics.js';
import { registerOpenApi } from './http/openapi.js';
import { registerProblemHandlers, sendProblem, toAppError } from './http/problem.js';
import { registerRateLimit } from './http/rate-limit.js';
import { RequestLogController } from './http/request-log.js';
import { systemRoutes } from './http/system.routes.js';
import { apiKeyRoutes } from './modules/api-keys/api-keys.routes.js';
import { createApiKeyService } from './modules/api-keys/api-keys.service.js';
import { carrierRoutes } from './modules/carriers/carriers.routes.js';
import { createCarrierService } from './modules/carriers/carriers.service.js';
import { channelRoutes } from './modules/catalog/channels.routes.js';
import { createChannelService } from './modules/catalog/channels.service.js';
import { locationRoutes } from './modules/catalog/locations.routes.js';
import { createLocationService } from './modules/catalog/locations.service.js';
import { productRoutes } from './modules/catalog/products.routes.js';
import { createProductService } from './modules/catalog/products.service.js';
import { createEventCatalog, type EventCatalog } from './modules/events/event-catalog.js';
import { eventRoutes } from './modules/events/events.routes.js';
import { createEventService } from './modules/events/events.service.js';
import { fraudRoutes } from './modules/fraud/fraud.routes.js';
import { createFraudService } from './modules/fraud/fraud.service.js';
import { packingRoutes } from './modules/fulfillment/packing.routes.js';
import { createPackingRuleService } from './modules/fulfillment/packing.service.js';
import { pickListRoutes } from './modules/fulfillment/pick-lists.routes.js';
import { createPickListService } from './modules/fulfillment/pick-lists.service.js';
import { createReleaser } from './modules/fulfillment/release.js';
import { shipmentEvents } from './modules/fulfillment/shipment-events.js';
import { shipmentRoutes } from './modules/fulfillment/shipments.routes.js';
import { createShipmentService } from './modules/fulfillment/shipments.service.js';
import { inventoryRoutes } from './modules/inventory/inventory.routes.js';
import { createInventoryService } from './modules/inventory/inventory.service.js';
import { inventoryEvents } from './modules/inventory/inventory-events.js';
import { createBackorderAllocator } from './modules/orders/backorders.js';
import { holdRoutes } from './modules/orders/holds.routes.js';
import { createHoldService } from './modules/orders/holds.service.js';
import { orderEventSchemas, orderEvents } from './modules/orders/order-events.js';
import { orderRoutes } from './modules/orders/orders.routes.js';
import { createOrderService } from './modules/orders/orders.service.js';
import { promiseRoutes } from './modules/promising/promise.routes.js';
import { createPromiseService } from './modules/promising/promise.service.js';
import { returnEvents } from './modules/returns/return-events.js';
import { returnRoutes } from './modules/returns/returns.routes.js';
import { createReturnService } from './modules/returns/returns.service.js';
import { routingRoutes } from './modules/routing/routing.routes.js';
import { createRoutingService } from './modules/routing/routing.service.js';
import { createDispatcher } from './modules/webhooks/dispatcher.js';
import { webhookEvents } from './modules/webhooks/webhook-events.js';
import { webhookRoutes } from './modules/webhooks/webhooks.routes.js';
import { createWebhookService, webhookFanOut } from './modules/webhooks/webhooks.service.js';

export interface AppDeps {
  db: Db;
  pool: Pool;
  config: Config;
  clock: Clock;
  log: FastifyBaseLogger;
}

export type Services = ReturnType<typeof createServices>;

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

/**
 * Every event type, from the modules that emit them, in the order the OpenAPI `webhooks` section lists
 * them. Throws when two modules declare the same type.
 */
export const createAppEventCatalog = () =>
  createEventCatalog(
    [orderEvents, shipmentEvents, returnEvents, inventoryEvents, webhookEvents],
    orderEventSchemas,
  );

/** The composition root: every service, built from exactly what it uses. */
export function createServices({ db, config, clock, log }: AppDeps, eventCatalog: EventCatalog) {
  const apiKeys = createApiKeyService({ db });
  const channels = createChannelService({ db });
  // A location written here reaches routing's cached copy at once (other processes within a second).
  const locations = createLocationService({ db, channels, changed: () => routing.forgetLocations() });
  const products = createProductService({ db });
  // Carrier label APIs are outgoing calls like webhooks: the same rule on private addresses applies.
  const carriers = createCarrierService({ db, allowPrivateEndpoints: config.webhookAllowPrivate });
  const promising = createPromiseService({ db, clock, carriers });
  // Stock that arrives (or is freed by a cancellation) goes to backordered orders first.
  const inventory = createInventoryService({ db, stockAdded: () => backorders.nudge() });
  const fraud = createFraudService({ db });
  const routing = createRoutingService({ db, clock, carriers });
  const orders = createOrderService({
    db,
    fraud,
    routing,
    clock,
    log,
    stockFreed: () => backorders.nudge(),
    allocated: () => releaser.nudge(),
  });
  const holds = createHoldService({ db, clock, orders });
  const backorders = createBackorderAllocator({
    db,
    clock,
    orders,
    log,
    allocated: () => releaser.nudge(),
  });
  const packing = createPackingRuleService({ db });
  const releaser = createReleaser({ db, clock, carriers, packing, log });
  const fulfillment = { releaser, stockFreed: () => backorders.nudge() };
  const shipments = createShipmentService({
    db,
    clock,
    orders,
    carriers,
    packing,
    allowPrivateEndpoints: config.webhookAllowPrivate,
    ...fulfillment,
  });
  const pickLists = createPickListService({ db, clock, shipments, ...fulfillment });
  const returns = createReturnService({ db, clock, orders, releaser, stockAdded: () => backorders.nudge() });
  // Events are numbered and fanned out to webhook subscriptions in one transaction.
  const events = createEventService({ db, fanOut: webhookFanOut });
  const webhooks = createWebhookService({ db, config, eventCatalog });
  const dispatcher = createDispatcher({ db, config, clock, log });
  return {
    apiKeys,
    channels,
    locations,
    products,
    carriers,
    routing,
    promising,
    inventory,
    fraud,
    orders,
    holds,
    backorders,
    packing,
    releaser,
    shipments,
    pickLists,
    returns,
    events,
    webhooks,
    dispatcher,
  };
}

const requestIdPattern = /^[\w.:-]{1,128}$/;

/**
 * Bodies are validated strictly (no type coercion, unknown fields rejected, every failure listed);
 * query strings and path parameters are strings on the wire, so they are coerced.
 */
function validators() {
  const options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false } as const;
  const body = addFormats.default(new Ajv({ ...options, coerceTypes: false }));
  const other = addFormats.default(new Ajv({ ...options, coerceTypes: 'array' }));
  return { body, other };
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, log } = deps;
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
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Room for 64-character SKUs even when percent-encoded.
    routerOptions: { maxParamLength: 512 },
    // A malformed URL never reaches the error handler; answer it with a problem too.
    frameworkErrors: (err, request, reply) => sendProblem(request, reply, toAppError(err)),
  }).withTypeProvider<TypeBoxTypeProvider>();

  // JSON only: any other body is a 415 rather than a string that fails validation.
  app.removeContentTypeParser('text/plain');
  const ajv = validators();
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? ajv.body : ajv.other).compile(schema as object),
  );
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  registerProblemHandlers(app);
  trackInFlight(app);
  const metrics = registerMetrics(app);
  const eventCatalog = createAppEventCatalog();
  await registerOpenApi(app, eventCatalog.webhookDocument());
  await app.register(systemRoutes, {
    pool: deps.pool,
    metrics,
    latestMigrationMillis: latestMigrationMillis(),
  });

  const services = createServices(deps, eventCatalog);
  app.decorate('services', services);
  await app.register(
    async (api) => {
      registerAuth(api, services.apiKeys);
      await registerRateLimit(api, { max: config.rateLimitMax, windowMs: config.rateLimitWindowMs });
      registerIdempotency(api, {
        db: deps.db,
        ttlHours: config.idempotencyTtlHours,
        leaseMs: config.requestTimeoutMs + 5000,
      });
      await api.register(apiKeyRoutes, { apiKeys: services.apiKeys });
      await api.register(channelRoutes, { channels: services.channels });
      await api.register(locationRoutes, { locations: services.locations });
      await api.register(carrierRoutes, { carriers: services.carriers });
      await api.register(routingRoutes, { routing: services.routing });
      const bulkBodyLimit = config.bodyLimitBytes * 16;
      await api.register(productRoutes, { products: services.products, bulkBodyLimit });
      await api.register(inventoryRoutes, { inventory: services.inventory, bulkBodyLimit });
      await api.register(fraudRoutes, { fraud: services.fraud });
      await api.register(orderRoutes, { orders: services.orders });
      await api.register(holdRoutes, { holds: services.holds });
      await api.register(promiseRoutes, { promising: services.promising });
      await api.register(packingRoutes, { packing: services.packing });
      await api.register(shipmentRoutes, { shipments: services.shipments });
      await api.register(pickListRoutes, { pickLists: services.pickLists });
      await api.register(returnRoutes, { returns: services.returns });
      await api.register(eventRoutes, {
        events: services.events,
        catalog: eventCatalog,
        requestTimeoutMs: config.requestTimeoutMs,
      });
      await api.register(webhookRoutes, { webhooks: services.webhooks });
    },
    { prefix: '/v1' },
  );
  return app;
}
