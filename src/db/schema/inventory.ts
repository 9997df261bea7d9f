import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { apiKeys } from './auth.js';
import { channels, locations, products } from './catalog.js';

/**
 * Where units on hand stand: `sellable`, or held out of every channel as `damaged` or in
 * `quality_control` (still counted in on_hand, never available).
 */
export const stockStates = ['sellable', 'damaged', 'quality_control'] as const;
export const stockState = pgEnum('stock_state', stockStates);

/**
 * Stock of one product at one location. `reserved` is changed only by the allocation module;
 * `on_hand` only together with a movement in the ledger. `damaged` and `quality_control` are the
 * units of on_hand that may not be sold; the rest (on_hand - damaged - quality_control) is sellable.
 */
export const inventoryLevels = pgTable(
  'inventory_levels',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    productId: bigint('product_id', { mode: 'number' })
      .notNull()
      .references(() => products.id),
    locationId: bigint('location_id', { mode: 'number' })
      .notNull()
      .references(() => locations.id),
    onHand: integer('on_hand').notNull().default(0),
    reserved: integer('reserved').notNull().default(0),
    /** Units of on_hand that are damaged: never sellable. */
    damaged: integer('damaged').notNull().default(0),
    /** Units of on_hand waiting for (or in) inspection: never sellable. */
    qualityControl: integer('quality_control').notNull().default(0),
    /** Units held back from every channel; null falls back to each channel's default. */
    safetyStock: integer('safety_stock'),
    /** Below this many units on hand the level needs reordering (an alert rule watches it); null: none. */
    reorderPoint: integer('reorder_point'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('inventory_levels_product_location_key').on(t.productId, t.locationId),
    index('inventory_levels_location_idx').on(t.locationId),
    check('inventory_levels_on_hand_check', sql`${t.onHand} >= 0`),
    check('inventory_levels_reserved_check', sql`${t.reserved} >= 0`),
    check(
      'inventory_levels_unsellable_check',
      sql`${t.damaged} >= 0 AND ${t.qualityControl} >= 0 AND ${t.damaged} + ${t.qualityControl} <= ${t.onHand}`,
    ),
    check('inventory_levels_safety_stock_check', sql`${t.safetyStock} >= 0`),
    check('inventory_levels_reorder_point_check', sql`${t.reorderPoint} >= 0`),
  ],
);

/** When each location's stock was last reported by a feed (adjustment or count): stale feeds raise alerts. */
export const locationFeeds = pgTable('location_feeds', {
  locationId: bigint('location_id', { mode: 'number' })
    .primaryKey()
    .references(() => locations.id),
  lastFeedAt: timestamp('last_feed_at', { withTimezone: true }).notNull(),
  lastReference: text('last_reference').notNull(),
});

/** A channel's own safety stock for one product at one location, overriding the level's. */
export const safetyStockOverrides = pgTable(
  'safety_stock_overrides',
  {
    productId: bigint('product_id', { mode: 'number' })
      .notNull()
      .references(() => products.id),
    locationId: bigint('location_id', { mode: 'number' })
      .notNull()
      .references(() => locations.id),
    channelId: bigint('channel_id', { mode: 'number' })
      .notNull()
      .references(() => channels.id),
    quantity: integer('quantity').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.productId, t.locationId, t.channelId] }),
    check('safety_stock_overrides_quantity_check', sql`${t.quantity} >= 0`),
  ],
);

export const movementReasons = [
  'receipt',
  'adjustment',
  'cycle_count',
  'sale',
  'return_restock',
  'transfer',
  'correction',
  'state_change',
] as const;
export const movementReason = pgEnum('movement_reason', movementReasons);

/**
 * The append-only ledger: the sum of `quantity_change` per level equals its `on_hand`, and summed per
 * `stock_state` it equals the level's damaged and quality_control units (a `state_change` moves units
 * between states in two rows that cancel out in on_hand).
 */
export const inventoryMovements = pgTable(
  'inventory_movements',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    productId: bigint('product_id', { mode: 'number' })
      .notNull()
      .references(() => products.id),
    locationId: bigint('location_id', { mode: 'number' })
      .notNull()
      .references(() => locations.id),
    reason: movementReason('reason').notNull(),
    quantityChange: integer('quantity_change').notNull(),
    onHandAfter: integer('on_hand_after').notNull(),
    /** The state of the units the row changes: what the change adds to or takes from. */
    stockState: stockState('stock_state').notNull().default('sellable'),
    reference: text('reference').notNull(),
    apiKeyId: uuid('api_key_id').references(() => apiKeys.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('inventory_movements_product_location_idx').on(t.productId, t.locationId, t.id),
    index('inventory_movements_reference_idx').on(t.reference),
    check('inventory_movements_on_hand_after_check', sql`${t.onHandAfter} >= 0`),
  ],
);

/** Feed requests already applied, by their reference: a replay changes nothing. */
export const inventoryFeeds = pgTable('inventory_feeds', {
  reference: text('reference').primaryKey(),
  kind: text('kind', { enum: ['adjustment', 'count', 'state_move'] }).notNull(),
  result: jsonb('result').$type<Record<string, unknown>>().notNull(),
  apiKeyId: uuid('api_key_id').references(() => apiKeys.id),
  appliedAt: timestamp('applied_at', { withTimezone: true }).notNull().defaultNow(),
});
