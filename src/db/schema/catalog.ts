import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import type { Address } from '../../modules/addresses/address.schemas.js';
import type { returnReasons } from './return-reasons.js';

export interface ReturnPolicy {
  return_window_days: number;
  non_returnable_tags: string[];
  /** Reasons whose returns wait on a return_review hold instead of being authorized at once. */
  review_reasons: Array<(typeof returnReasons)[number]>;
  /** Reason -> percent of the units' refund kept as a restocking fee. */
  restocking_fee_percent: Record<string, number>;
  /** `full_return`: shipping is refunded once every shipped unit came back. */
  refund_shipping: 'never' | 'full_return' | 'always';
  /** When an exchange's replacement ships: once the return is received, or at once. */
  exchange_release: 'on_receipt' | 'immediately';
}

export const defaultReturnPolicy: ReturnPolicy = {
  return_window_days: 30,
  non_returnable_tags: [],
  review_reasons: [],
  restocking_fee_percent: {},
  refund_shipping: 'full_return',
  exchange_release: 'on_receipt',
};

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};

export const channels = pgTable(
  'channels',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    code: text('code').notNull().unique(),
    name: text('name').notNull(),
    priority: integer('priority').notNull().default(0),
    defaultSafetyStock: integer('default_safety_stock').notNull().default(0),
    allowBackorders: boolean('allow_backorders').notNull().default(false),
    /** How long stock stays reserved for an order on hold before it is released (re-taken on release). */
    heldReservationMinutes: integer('held_reservation_minutes').notNull().default(1440),
    /** Minutes an allocated order stays editable before its shipments are released; 0 releases at once. */
    releaseDelayMinutes: integer('release_delay_minutes').notNull().default(0),
    /** The channel's return policy. */
    returnPolicy: jsonb('return_policy').$type<ReturnPolicy>().notNull().default(defaultReturnPolicy),
    active: boolean('active').notNull().default(true),
    ...timestamps,
  },
  (t) => [
    check('channels_default_safety_stock_check', sql`${t.defaultSafetyStock} >= 0`),
    check('channels_held_reservation_minutes_check', sql`${t.heldReservationMinutes} > 0`),
    check('channels_release_delay_minutes_check', sql`${t.releaseDelayMinutes} >= 0`),
  ],
);

export const locationKind = pgEnum('location_kind', ['warehouse', 'store', 'dropship']);

export const locations = pgTable(
  'locations',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    code: text('code').notNull().unique(),
    name: text('name').notNull(),
    kind: locationKind('kind').notNull(),
    address: jsonb('address').$type<Address>().notNull(),
    latitude: doublePrecision('latitude'),
    longitude: doublePrecision('longitude'),
    /** `given` by the client, `postal_code` derived from the postal-code dataset, null when unknown. */
    coordinatesSource: text('coordinates_source', { enum: ['given', 'postal_code'] }),
    tags: text('tags').array().notNull().default(sql`'{}'`),
    priority: integer('priority').notNull().default(0),
    processingDays: integer('processing_days').notNull().default(0),
    cutoffTime: text('cutoff_time').notNull().default('17:00'),
    timeZone: text('time_zone').notNull().default('UTC'),
    /** Orders and units the location can take per local day; null is unlimited. */
    capacityOrdersPerDay: integer('capacity_orders_per_day'),
    capacityUnitsPerDay: integer('capacity_units_per_day'),
    /** A feed older than this (or none) makes the location ineligible for routing and promising; null never. */
    maxFeedAgeMinutes: integer('max_feed_age_minutes'),
    /** `ordo`: picked and packed through Ordo; `external_wms`: a WMS confirms shipments itself. */
    fulfillment: text('fulfillment', { enum: ['ordo', 'external_wms'] })
      .notNull()
      .default('ordo'),
    active: boolean('active').notNull().default(true),
    ...timestamps,
  },
  (t) => [
    check('locations_processing_days_check', sql`${t.processingDays} >= 0`),
    check('locations_capacity_check', sql`${t.capacityOrdersPerDay} >= 0 AND ${t.capacityUnitsPerDay} >= 0`),
    check('locations_max_feed_age_check', sql`${t.maxFeedAgeMinutes} >= 1`),
    check('locations_latitude_check', sql`${t.latitude} BETWEEN -90 AND 90`),
    check('locations_longitude_check', sql`${t.longitude} BETWEEN -180 AND 180`),
  ],
);

/** The channels a location may serve; none means all. */
export const locationChannels = pgTable(
  'location_channels',
  {
    locationId: bigint('location_id', { mode: 'number' })
      .notNull()
      .references(() => locations.id, { onDelete: 'cascade' }),
    channelId: bigint('channel_id', { mode: 'number' })
      .notNull()
      .references(() => channels.id),
  },
  (t) => [
    primaryKey({ columns: [t.locationId, t.channelId] }),
    index('location_channels_channel_idx').on(t.channelId),
  ],
);

export const products = pgTable(
  'products',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    sku: text('sku').notNull().unique(),
    name: text('name').notNull(),
    weightGrams: integer('weight_grams'),
    lengthMm: integer('length_mm'),
    widthMm: integer('width_mm'),
    heightMm: integer('height_mm'),
    tags: text('tags').array().notNull().default(sql`'{}'`),
    active: boolean('active').notNull().default(true),
    /** A kit (it has components) whose components may ship from different locations. */
    kitSplit: boolean('kit_split').notNull().default(false),
    ...timestamps,
  },
  (t) => [
    check('products_weight_check', sql`${t.weightGrams} >= 0`),
    check('products_dimensions_check', sql`${t.lengthMm} >= 0 AND ${t.widthMm} >= 0 AND ${t.heightMm} >= 0`),
    index('products_tags_idx').using('gin', t.tags),
  ],
);

/**
 * A kit's direct components: a product with rows here is a kit and holds no stock of its own. A
 * component may itself be a kit; the catalog refuses cycles.
 */
export const productComponents = pgTable(
  'product_components',
  {
    kitId: bigint('kit_id', { mode: 'number' })
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    componentId: bigint('component_id', { mode: 'number' })
      .notNull()
      .references(() => products.id),
    quantity: integer('quantity').notNull(),
    position: integer('position').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.kitId, t.componentId] }),
    index('product_components_component_idx').on(t.componentId),
    check('product_components_quantity_check', sql`${t.quantity} > 0 AND ${t.kitId} <> ${t.componentId}`),
  ],
);

/** A barcode identifies one product: the primary key makes GTINs unique across the catalog. */
export const productBarcodes = pgTable(
  'product_barcodes',
  {
    barcode: text('barcode').primaryKey(),
    productId: bigint('product_id', { mode: 'number' })
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
  },
  (t) => [index('product_barcodes_product_idx').on(t.productId)],
);
