import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { apiKeys } from './auth.js';
import { locations } from './catalog.js';

/**
 * A carrier service's rate card: distance bands (great-circle km from ship-from to ship-to) by weight
 * brackets, each cell a price in minor units and a transit time in business days. Bands and brackets
 * are half-open ranges [min, max) that start at 0 and follow each other without gaps or overlaps.
 */
export interface RateCard {
  distance_bands: Array<{ min_km: number; max_km: number }>;
  weight_brackets: Array<{ min_grams: number; max_grams: number }>;
  /** rates[band][bracket] */
  rates: Array<Array<{ price: number; transit_days: number }>>;
}

export const carriers = pgTable('carriers', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  /** How labels and tracking numbers are made: from the rate card, or by the carrier's HTTP API. */
  adapter: text('adapter', { enum: ['rate_card', 'http'] })
    .notNull()
    .default('rate_card'),
  /** The HTTP adapter's base URL and bearer token (never returned by the API). */
  endpoint: text('endpoint'),
  apiToken: text('api_token'),
  active: boolean('active').notNull().default(true),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A carrier's service (ground, 2-day, overnight...) with its rate card. */
export const carrierServices = pgTable(
  'carrier_services',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    carrierId: bigint('carrier_id', { mode: 'number' })
      .notNull()
      .references(() => carriers.id, { onDelete: 'cascade' }),
    code: text('code').notNull(),
    name: text('name').notNull(),
    /** The order service levels (standard, express, same_day) this service can deliver. */
    serviceLevels: text('service_levels').array().notNull(),
    rateCard: jsonb('rate_card').$type<RateCard>().notNull(),
    /** Location code -> latest local pickup time (HH:MM); locations not listed use their own cut-off. */
    pickupCutoffs: jsonb('pickup_cutoffs').$type<Record<string, string>>().notNull().default({}),
    active: boolean('active').notNull().default(true),
  },
  (t) => [unique('carrier_services_carrier_code_key').on(t.carrierId, t.code)],
);

/**
 * Versioned routing rules. `scope` is a channel code, or `*` for the rule set of channels without
 * their own; the newest version of a scope applies and orders record the version they used.
 */
export const routingRuleSets = pgTable(
  'routing_rule_sets',
  {
    scope: text('scope').notNull(),
    version: integer('version').notNull(),
    body: jsonb('body').$type<Record<string, unknown>>().notNull(),
    createdBy: uuid('created_by').references(() => apiKeys.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.version] })],
);

/** Orders and units a location took on one local day, against its daily capacity. */
export const locationDailyUsage = pgTable(
  'location_daily_usage',
  {
    locationId: bigint('location_id', { mode: 'number' })
      .notNull()
      .references(() => locations.id, { onDelete: 'cascade' }),
    day: date('day').notNull(),
    orders: integer('orders').notNull().default(0),
    units: integer('units').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.locationId, t.day] }),
    check('location_daily_usage_counts_check', sql`${t.orders} >= 0 AND ${t.units} >= 0`),
  ],
);
