import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { apiKeys } from './auth.js';
import { channels } from './catalog.js';

/**
 * A channel's Shopify store. The webhook secret and the Admin API token are write-only: the API never
 * returns them and nothing logs them. Orders the connector captures are created by `api_key_id`, a
 * channel-bound key of its own whose secret was never kept (so no one can call Ordo with it).
 */
export const shopifyConnectors = pgTable('shopify_connectors', {
  channelId: bigint('channel_id', { mode: 'number' })
    .primaryKey()
    .references(() => channels.id),
  id: uuid('id').notNull().unique().defaultRandom(),
  shopDomain: text('shop_domain').notNull(),
  webhookSecret: text('webhook_secret').notNull(),
  accessToken: text('access_token').notNull(),
  apiVersion: text('api_version').notNull(),
  /** Ordo location code -> Shopify location GID. */
  locations: jsonb('locations').$type<Record<string, string>>().notNull(),
  apiKeyId: uuid('api_key_id')
    .notNull()
    .references(() => apiKeys.id),
  /** The last `inventory.availability_changed` feed position turned into stock pushes. */
  stockCursor: bigint('stock_cursor', { mode: 'number' }).notNull().default(0),
  /** No push before this (Shopify asked to wait: THROTTLED, 429, 5xx). */
  pushPausedUntil: timestamp('push_paused_until', { withTimezone: true }),
  /** One pusher per connector across replicas: a push run holds this lease while it calls Shopify. */
  pushLeaseUntil: timestamp('push_lease_until', { withTimezone: true }),
  lastPushAt: timestamp('last_push_at', { withTimezone: true }),
  lastError: text('last_error'),
  lastErrorAt: timestamp('last_error_at', { withTimezone: true }),
  /** Admin API calls in a row that met a 5xx or no answer (stock and fulfilments alike): the backoff grows with it. */
  adminFailures: integer('admin_failures').notNull().default(0),
  /** The last `shipment.shipped` feed position turned into fulfilments to create. */
  fulfilmentCursor: bigint('fulfilment_cursor', { mode: 'number' }).notNull().default(0),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Deliveries already applied, by Shopify's event id (or webhook id): a repeat changes nothing. */
export const shopifyDeliveries = pgTable(
  'shopify_deliveries',
  {
    channelId: bigint('channel_id', { mode: 'number' })
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    deliveryKey: text('delivery_key').notNull(),
    topic: text('topic').notNull(),
    outcome: text('outcome').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.deliveryKey] })],
);

/** Each Shopify order Ordo knows and the `updated_at` last applied, so late updates are ignored. */
export const shopifyOrders = pgTable(
  'shopify_orders',
  {
    channelId: bigint('channel_id', { mode: 'number' })
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    shopifyOrderId: text('shopify_order_id').notNull(),
    orderId: uuid('order_id'),
    appliedUpdatedAt: timestamp('applied_updated_at', { withTimezone: true }).notNull(),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    /**
     * The order's editable content as Shopify last sent it (mapped to Ordo's fields): an update applies
     * only what Shopify changed since, so a correction made in Ordo is not undone by an unrelated update.
     */
    appliedContent: jsonb('applied_content').$type<Record<string, unknown>>(),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.shopifyOrderId] })],
);

/** Deliveries that could not be read at all: kept with the reason, answered 200 so Shopify stops. */
export const shopifyInbox = pgTable(
  'shopify_inbox',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    channelId: bigint('channel_id', { mode: 'number' })
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    topic: text('topic'),
    webhookId: text('webhook_id'),
    reason: text('reason').notNull(),
    body: text('body').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    /** Someone looked at it (`POST …/inbox/{id}/dismiss`): it no longer raises the inbox alert. */
    dismissedAt: timestamp('dismissed_at', { withTimezone: true }),
    dismissedBy: uuid('dismissed_by').references(() => apiKeys.id),
  },
  (t) => [index('shopify_inbox_channel_idx').on(t.channelId, t.id)],
);

/**
 * The latest sellable quantity per (channel, SKU, location) waiting to reach Shopify. Coalesced: a new
 * value overwrites the row and takes a higher `version`; a push records the version it sent, so a value
 * is never sent after a newer one, and rows survive a restart.
 */
export const shopifyStockPushes = pgTable(
  'shopify_stock_pushes',
  {
    channelId: bigint('channel_id', { mode: 'number' })
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    sku: text('sku').notNull(),
    location: text('location').notNull(),
    quantity: integer('quantity').notNull(),
    version: bigint('version', { mode: 'number' }).notNull(),
    pushedVersion: bigint('pushed_version', { mode: 'number' }).notNull().default(0),
    /** Shopify's inventory item GID for the SKU, once looked up. */
    inventoryItemId: text('inventory_item_id'),
    lastError: text('last_error'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.channelId, t.sku, t.location] }),
    index('shopify_stock_pushes_due_idx')
      .on(t.channelId, t.version)
      .where(sql`${t.version} > ${t.pushedVersion}`),
    check('shopify_stock_pushes_quantity_check', sql`${t.quantity} >= 0`),
  ],
);

export const shopifyFulfilmentStatuses = ['pending', 'created', 'failed'] as const;

/**
 * A Shopify fulfilment to create for a shipped Ordo shipment, kept until Shopify took it: retried with
 * backoff (`next_attempt_at`), `failed` when Shopify refuses it for good. One row per shipment, so a
 * shipment is fulfilled once.
 */
export const shopifyFulfilments = pgTable(
  'shopify_fulfilments',
  {
    shipmentId: uuid('shipment_id').primaryKey(),
    channelId: bigint('channel_id', { mode: 'number' })
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    shopifyOrderId: text('shopify_order_id').notNull(),
    /** `[{sku, quantity}]` shipped. */
    lines: jsonb('lines').$type<Array<{ sku: string; quantity: number }>>().notNull(),
    carrier: text('carrier'),
    trackingNumber: text('tracking_number'),
    trackingUrl: text('tracking_url'),
    status: text('status', { enum: shopifyFulfilmentStatuses }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    shopifyFulfillmentId: text('shopify_fulfillment_id'),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('shopify_fulfilments_due_idx').on(t.channelId, t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('shopify_fulfilments_list_idx').on(t.channelId, t.status, t.createdAt, t.shipmentId),
  ],
);
