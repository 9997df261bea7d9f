import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { apiKeys } from './auth.js';
import { channels, locations, products } from './catalog.js';
import { orderLines, orders, serviceLevel } from './orders.js';

export const shipmentStatuses = [
  'pending',
  'picking',
  'packed',
  'shipped',
  'in_transit',
  'delivered',
  'exception',
  'cancelled',
] as const;
export const shipmentStatus = pgEnum('shipment_status', shipmentStatuses);

/** Serial numbers for the tracking numbers the built-in rate-card carrier issues. */
export const trackingSerials = pgSequence('tracking_serial_seq', { startWith: 10000001 });

export interface RateOption {
  carrier: string;
  service: string;
  price: number;
  transit_days: number;
  delivery_date: string;
  meets_promise: boolean;
  chosen: boolean;
  why: string;
}

export interface Packing {
  version: number | null;
  instructions: Array<{ rule: string; text: string }>;
  materials: Array<{ rule: string; code: string; quantity: number; unit: string }>;
}

export interface TrackingEvent {
  status: string;
  description: string | null;
  location: string | null;
  occurred_at: string;
  recorded_at: string;
}

/** One parcel (or set of parcels) leaving one location for one order. */
export const shipments = pgTable(
  'shipments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Human id: the order number and a counter, e.g. 100042-1. */
    number: text('number').notNull().unique(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    /** The order's channel and capture time, copied at release: reports read shipments alone. */
    channelId: bigint('channel_id', { mode: 'number' })
      .notNull()
      .references(() => channels.id),
    orderCreatedAt: timestamp('order_created_at', { withTimezone: true }).notNull(),
    locationId: bigint('location_id', { mode: 'number' })
      .notNull()
      .references(() => locations.id),
    status: shipmentStatus('status').notNull().default('pending'),
    serviceLevel: serviceLevel('service_level').notNull(),
    /** The day it must leave the building to keep the promise. */
    shipBy: date('ship_by').notNull(),
    /** When the `ship_by` day ends at the location (its time zone, as at release): on time is before it. */
    shipDeadline: timestamp('ship_deadline', { withTimezone: true }).notNull(),
    promisedDeliveryDate: date('promised_delivery_date'),
    priority: integer('priority').notNull().default(0),
    carrier: text('carrier'),
    service: text('service'),
    trackingNumber: text('tracking_number'),
    trackingUrl: text('tracking_url'),
    /** What the chosen service costs, in the rate card's minor units. */
    cost: bigint('cost', { mode: 'number' }),
    weightGrams: integer('weight_grams').notNull().default(0),
    /** The services rate shopping considered, and why the chosen one won. */
    rateOptions: jsonb('rate_options').$type<RateOption[]>(),
    packing: jsonb('packing').$type<Packing>(),
    /** A supervisor packed without every unit scanned: who and why. */
    packOverride: jsonb('pack_override').$type<{ reason: string; by: string | null; at: string }>(),
    pickListId: bigint('pick_list_id', { mode: 'number' }),
    tote: integer('tote'),
    tracking: jsonb('tracking').$type<TrackingEvent[]>().notNull().default([]),
    exception: text('exception'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    shippedAt: timestamp('shipped_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    index('shipments_order_idx').on(t.orderId),
    index('shipments_location_status_idx').on(t.locationId, t.status, t.shipBy),
    index('shipments_pick_list_idx').on(t.pickListId).where(sql`${t.pickListId} IS NOT NULL`),
    // Reports: shipments shipped or delivered in a window, read from the index alone; shipments per
    // order (split shipments) likewise.
    index('shipments_report_shipped_idx')
      .on(t.shippedAt, t.locationId, t.channelId, t.shipDeadline, t.orderCreatedAt)
      .where(sql`${t.shippedAt} IS NOT NULL`),
    index('shipments_report_delivered_idx')
      .on(t.deliveredAt, t.shippedAt, t.promisedDeliveryDate, t.locationId, t.channelId)
      .where(sql`${t.deliveredAt} IS NOT NULL`),
    index('shipments_report_order_idx').on(t.orderId, t.status),
  ],
);

export const shipmentLines = pgTable(
  'shipment_lines',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    shipmentId: uuid('shipment_id')
      .notNull()
      .references(() => shipments.id, { onDelete: 'cascade' }),
    orderLineId: bigint('order_line_id', { mode: 'number' })
      .notNull()
      .references(() => orderLines.id),
    productId: bigint('product_id', { mode: 'number' })
      .notNull()
      .references(() => products.id),
    sku: text('sku').notNull(),
    quantity: integer('quantity').notNull(),
    quantityPicked: integer('quantity_picked'),
    quantityScanned: integer('quantity_scanned').notNull().default(0),
    /** The shipment's `shipped_at`, copied when it ships: reports count units shipped per SKU from lines alone. */
    shippedAt: timestamp('shipped_at', { withTimezone: true }),
  },
  (t) => [
    index('shipment_lines_shipment_idx').on(t.shipmentId),
    index('shipment_lines_order_line_idx').on(t.orderLineId),
    index('shipment_lines_report_shipped_idx')
      .on(t.shippedAt, t.sku, t.quantity)
      .where(sql`${t.shippedAt} IS NOT NULL`),
    check(
      'shipment_lines_quantities_check',
      sql`${t.quantity} >= 0 AND ${t.quantityScanned} >= 0 AND ${t.quantityScanned} <= ${t.quantity}
        AND (${t.quantityPicked} IS NULL OR ${t.quantityPicked} >= 0)`,
    ),
  ],
);

/** Where a product sits in a location, and where that is on the picker's walk. */
export const binPlacements = pgTable(
  'bin_placements',
  {
    locationId: bigint('location_id', { mode: 'number' })
      .notNull()
      .references(() => locations.id, { onDelete: 'cascade' }),
    productId: bigint('product_id', { mode: 'number' })
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    zone: text('zone').notNull(),
    aisle: text('aisle').notNull(),
    bin: text('bin').notNull(),
    walkSequence: integer('walk_sequence').notNull(),
  },
  (t) => [primaryKey({ columns: [t.locationId, t.productId] })],
);

export const pickListStatus = pgEnum('pick_list_status', ['open', 'confirmed', 'cancelled']);

export interface PickItem {
  sku: string;
  product_id: number;
  zone: string | null;
  aisle: string | null;
  bin: string | null;
  walk_sequence: number | null;
  quantity: number;
  picked: number | null;
  /** Which tote (and so which shipment) gets how many. */
  totes: Array<{ tote: number; shipment_id: string; shipment_line_id: number; quantity: number }>;
}

/** A batch of shipments picked in one walk through a location. */
export const pickLists = pgTable(
  'pick_lists',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    locationId: bigint('location_id', { mode: 'number' })
      .notNull()
      .references(() => locations.id),
    status: pickListStatus('status').notNull().default('open'),
    criteria: jsonb('criteria').$type<Record<string, unknown>>().notNull(),
    items: jsonb('items').$type<PickItem[]>().notNull(),
    /** Packing instructions and materials of the batch's shipments, by tote. */
    packing: jsonb('packing')
      .$type<Array<{ tote: number; shipment_id: string } & Record<string, unknown>>>()
      .notNull(),
    createdBy: uuid('created_by').references(() => apiKeys.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
  },
  (t) => [index('pick_lists_location_idx').on(t.locationId, t.id)],
);

/** Versioned packing rules (and carrier preferences): the newest version applies. */
export const packingRuleSets = pgTable('packing_rule_sets', {
  version: integer('version').primaryKey(),
  body: jsonb('body').$type<Record<string, unknown>>().notNull(),
  createdBy: uuid('created_by').references(() => apiKeys.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
