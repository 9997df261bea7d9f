import { integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { orders } from './orders.js';

/**
 * An order's status link, once it has been revoked or issued anew: a token is good while it names the
 * current version and the link is not revoked. An order without a row has version 1, not revoked, so
 * capture writes nothing for it.
 */
export const statusLinks = pgTable('status_links', {
  orderId: uuid('order_id')
    .primaryKey()
    .references(() => orders.id, { onDelete: 'cascade' }),
  version: integer('version').notNull(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

/**
 * Secrets the service makes for itself on first use and every process then shares (the status-link
 * signing key when ORDO_STATUS_LINK_SECRET is not set).
 */
export const instanceSecrets = pgTable('instance_secrets', {
  name: text('name').primaryKey(),
  secret: text('secret').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
