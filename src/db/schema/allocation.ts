import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, pgEnum, pgTable, timestamp } from 'drizzle-orm/pg-core';
import { channels, locations, products } from './catalog.js';
import { orderLines } from './orders.js';

export const reservationStatus = pgEnum('reservation_status', ['active', 'consumed', 'released']);

/**
 * Units of one product held at one location for a holder. Today every holder is an order line; another
 * kind (a transfer, say) would add its own nullable foreign-key column, with a check that exactly one is set.
 */
export const reservations = pgTable(
  'reservations',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** The order line the units are held for; releases and consumption name it. */
    orderLineId: bigint('order_line_id', { mode: 'number' })
      .notNull()
      .references(() => orderLines.id),
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
    index('reservations_order_line_idx').on(t.orderLineId),
    index('reservations_active_level_idx').on(t.productId, t.locationId).where(sql`${t.status} = 'active'`),
    index('reservations_expiry_idx')
      .on(t.expiresAt)
      .where(sql`${t.status} = 'active' AND ${t.expiresAt} IS NOT NULL`),
    check('reservations_quantity_check', sql`${t.quantity} > 0`),
  ],
);
