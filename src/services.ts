import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Db } from './db/client.js';
import {
  accountEvents,
  accountLedger,
  createAccountService,
  recheckCredit,
} from './modules/accounts/index.js';
import { alertEvents, createAlertService } from './modules/alerts/index.js';
import { createApiKeyService } from './modules/api-keys/index.js';
import { createCarrierService } from './modules/carriers/index.js';
import {
  createChannelService,
  createLocationService,
  createProductService,
} from './modules/catalog/index.js';
import { createConnectorService } from './modules/connectors/index.js';
import { createEventCatalog, createEventService } from './modules/events/index.js';
import { createFraudService } from './modules/fraud/index.js';
import {
  createPackingRuleService,
  createPickListService,
  createReleaser,
  createShipmentService,
  type FulfillmentDeps,
  pendingShipments,
  shipmentEvents,
} from './modules/fulfillment/index.js';
import { createInboundService, inboundEvents } from './modules/inbound/index.js';
import { createInventoryService, inventoryEvents } from './modules/inventory/index.js';
import { createNotificationService, notificationEvents } from './modules/notifications/index.js';
import {
  type AccountLedger,
  createBackorderAllocator,
  createHoldService,
  createOrderService,
  createOrderTransitions,
  type HoldService,
  type OrderDeps,
  type OrderTransitions,
  orderEventSchemas,
  orderEvents,
} from './modules/orders/index.js';
import { createPromiseService } from './modules/promising/index.js';
import { createReportService } from './modules/reports/index.js';
import { createReturnService, returnEvents } from './modules/returns/index.js';
import { createRoutingService } from './modules/routing/index.js';
import { createTimelineService } from './modules/timeline/index.js';
import { createStatusLinks, createTrackingService, trackingEvents } from './modules/tracking/index.js';
import { createTransferService, transferEvents } from './modules/transfers/index.js';
import {
  createDispatcher,
  createWebhookService,
  pendingDeliveriesOfEvents,
  webhookEvents,
  webhookFanOut,
} from './modules/webhooks/index.js';

export interface ServiceDeps {
  db: Db;
  /**
   * Connections of the outbox's own (the event sequencer and the webhook dispatcher), so requests queued
   * for `db`'s pool never hold back the events and webhooks of orders already taken. Default: `db`.
   */
  outboxDb?: Db;
  config: Config;
  clock: Clock;
  log: FastifyBaseLogger;
  /** Where this process listens once it does (`http://127.0.0.1:43121`), for links when no public URL is set. */
  origin?: () => string | undefined;
  /** Counts order capture's retries (the metrics). */
  captureRetried?: OrderDeps['retried'];
}

export type Services = ReturnType<typeof createServices>;

/**
 * Every event type, from the modules that emit them, in the order the OpenAPI `webhooks` section lists
 * them. Throws when two modules declare the same type.
 */
export const createAppEventCatalog = () =>
  createEventCatalog(
    [
      orderEvents,
      shipmentEvents,
      returnEvents,
      inventoryEvents,
      transferEvents,
      inboundEvents,
      accountEvents,
      webhookEvents,
      alertEvents,
      trackingEvents,
      notificationEvents,
    ],
    orderEventSchemas,
  );

/** What the order and fulfillment services stand on: catalog, carriers, routing, fraud and stock. */
function foundations({ db, config, clock }: ServiceDeps, stockAdded: () => void) {
  const channels = createChannelService({ db });
  // A location written here reaches routing's cached copy at once (other processes within a second).
  const locations = createLocationService({ db, channels, changed: () => routing.forgetLocations() });
  // Carrier label APIs are outgoing calls like webhooks: the same rule on private addresses applies.
  const carriers = createCarrierService({ db, allowPrivateEndpoints: config.webhookAllowPrivate });
  const routing = createRoutingService({ db, clock, carriers });
  return {
    apiKeys: createApiKeyService({ db }),
    channels,
    locations,
    products: createProductService({ db }),
    carriers,
    routing,
    promising: createPromiseService({ db, clock, carriers, routing }),
    // Stock that arrives (or is freed by a cancellation) goes to backordered orders first.
    inventory: createInventoryService({ db, clock, stockAdded }),
    transfers: createTransferService({ db, clock, stockAdded }),
    fraud: createFraudService({ db }),
    packing: createPackingRuleService({ db }),
  };
}

/** Orders reach accounts through its ledger; a cancellation re-checks the account's credit holds. */
const ledgerOf = ({ db, clock }: ServiceDeps, holds: () => HoldService): AccountLedger => ({
  ...accountLedger,
  creditFreed: (id, caller) => recheckCredit({ db, clock, holds: holds() }, id, caller),
});

/**
 * What customers see of their orders: a status link (a signed, revocable address showing the order
 * without an API key, found as every order route finds it), and notifications of its milestones, each
 * carrying that link.
 */
function customerFacing({ db, clock, log, config, origin }: ServiceDeps, orders: OrderTransitions) {
  const statusLinks = createStatusLinks({ db, clock, config, origin });
  return {
    statusLinks,
    tracking: createTrackingService({ db, clock, statusLinks, orders }),
    notifications: createNotificationService({ db, clock, log, config, statusLinks }),
  };
}

/** How other systems hear from Ordo and feed it: the event feed, webhooks, and the Shopify connector. */
function integrations(
  { db, outboxDb = db, config, clock, log }: ServiceDeps,
  {
    eventCatalog,
    apiKeys,
    orders,
  }: {
    eventCatalog: ReturnType<typeof createAppEventCatalog>;
    apiKeys: ReturnType<typeof createApiKeyService>;
    orders: ReturnType<typeof createOrderService>;
  },
) {
  return {
    // Events are numbered and fanned out to webhook subscriptions in one transaction; a month of events
    // past the retention stays while a pending delivery still has to send one of them.
    events: createEventService({
      db,
      outboxDb,
      clock,
      fanOut: webhookFanOut,
      retention: { days: config.eventRetentionDays, inUse: pendingDeliveriesOfEvents, log },
    }),
    webhooks: createWebhookService({ db, config, clock, log, eventCatalog }),
    dispatcher: createDispatcher({ db: outboxDb, config, clock, log }),
    // Shopify: orders in through the capture path (as the connector's own key), stock out.
    connectors: createConnectorService({
      db,
      clock,
      log,
      apiKeys,
      orders,
      adminOrigin: (shop) => config.shopifyAdminOrigin ?? `https://${shop}`,
      timeoutMs: config.webhookTimeoutMs,
    }),
  };
}

/**
 * The composition root: every service, built from exactly what it uses. Modules that must set each
 * other's workers going get a nudge function; fulfillment and returns change orders only through the
 * order transitions.
 */
export function createServices(deps: ServiceDeps) {
  const { db, config, clock, log } = deps;
  const base = foundations(deps, () => backorders.nudge());
  const orderDeps: OrderDeps = {
    db,
    clock,
    log,
    fraud: base.fraud,
    routing: base.routing,
    shipments: pendingShipments,
    stockFreed: () => backorders.nudge(),
    allocated: () => releaser.nudge(),
    accounts: ledgerOf(deps, () => holds),
    ...(deps.captureRetried ? { retried: deps.captureRetried } : {}),
  };
  const orders = createOrderService(orderDeps);
  const holds = createHoldService(orderDeps);
  const transitions = createOrderTransitions(orderDeps);
  const backorders = createBackorderAllocator(orderDeps);
  const fulfillment: FulfillmentDeps = {
    db,
    clock,
    log,
    carriers: base.carriers,
    packing: base.packing,
    orders: transitions,
    allowPrivateEndpoints: config.webhookAllowPrivate,
    rerouted: () => releaser.nudge(),
    stockFreed: () => backorders.nudge(),
  };
  const releaser = createReleaser(fulfillment);
  const eventCatalog = createAppEventCatalog();
  return {
    ...base,
    eventCatalog,
    orders,
    holds,
    accounts: createAccountService({ db, clock, holds }),
    backorders,
    releaser,
    // Receipts serve the orders waiting for their units first; any change of incoming stock re-promises them.
    inbound: createInboundService({
      db,
      clock,
      backorders,
      stockAdded: () => backorders.nudge(),
      allocated: () => releaser.nudge(),
    }),
    shipments: createShipmentService(fulfillment),
    pickLists: createPickListService(fulfillment),
    returns: createReturnService({
      db,
      clock,
      log,
      orders: transitions,
      ordering: orders,
      released: () => releaser.nudge(),
      stockAdded: () => backorders.nudge(),
    }),
    // An order's history; it only reads, and finds the order as every order route does.
    timeline: createTimelineService({ db, orders: transitions, catalog: eventCatalog }),
    // What a customer may see of an order without an API key, behind a signed, revocable link.
    ...customerFacing(deps, transitions),
    // Operational reports; they only read, each in one snapshot.
    reports: createReportService({ db, clock }),
    // Exception alerts: reads other modules' tables, writes only its own (the `alerts` worker runs it).
    alerts: createAlertService({ db, clock, log }),
    ...integrations(deps, { eventCatalog, apiKeys: base.apiKeys, orders }),
  };
}
