import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, pgEnum, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { channels, locations, products } from './catalog.js';

export const reservationStatus = pgEnum('reservation_status', ['active', 'consumed', 'released']);

/** Units of one product held at one location for a holder (an order line). */
export const reservations = pgTable(
  'reservations',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** What holds the stock, e.g. `order_line:42`; releases and consumption name it. */
    holder: text('holder').notNull(),
    channelId: bigint('channel_id', { mode: 'number' })
      .notNull()
      .references(() => channels.id),
    productId: bigint('product_id', { mode: 'number' })
      .notNull()
      .references(() => products.id),
    locationId: bigint('location_id', { mode: 'number' })
      .notNull()
      .references(() => locations.id),
    quantity: integer('quantity').notNull(),
    status: reservationStatus('status').notNull().default('active'),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
  },
  (t) => [
    index('reservations_holder_idx').on(t.holder),
    index('reservations_active_level_idx').on(t.productId, t.locationId).where(sql`${t.status} = 'active'`),
    index('reservations_expiry_idx')
      .on(t.expiresAt)
      .where(sql`${t.status} = 'active' AND ${t.expiresAt} IS NOT NULL`),
    check('reservations_quantity_check', sql`${t.quantity} > 0`),
  ],
);
