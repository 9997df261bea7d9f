import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  pgEnum,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { apiKeys } from './auth.js';
import { locations, products } from './catalog.js';

export const transferStatuses = [
  'requested',
  'in_transit',
  'partially_received',
  'received',
  'cancelled',
] as const;
export const transferStatus = pgEnum('transfer_status', transferStatuses);

/**
 * Stock moving from one location to another. Shipping takes the units out of the source's on_hand
 * (they are in transit, on the lines); receiving puts them into the destination's; cancelling before
 * any receipt puts them back at the source. The inventory ledger records every step.
 */
export const transfers = pgTable(
  'transfers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Human id, in creation order: T1, T2… */
    number: bigint('number', { mode: 'number' }).notNull().unique().generatedAlwaysAsIdentity(),
    /** The caller's own id (a store's transfer slip): unique when given. */
    reference: text('reference').unique(),
    sourceLocationId: bigint('source_location_id', { mode: 'number' })
      .notNull()
      .references(() => locations.id),
    destinationLocationId: bigint('destination_location_id', { mode: 'number' })
      .notNull()
      .references(() => locations.id),
    status: transferStatus('status').notNull().default('requested'),
    note: text('note'),
    carrier: text('carrier'),
    trackingNumber: text('tracking_number'),
    cancelReason: text('cancel_reason'),
    createdBy: uuid('created_by').references(() => apiKeys.id),
    shippedAt: timestamp('shipped_at', { withTimezone: true }),
    receivedAt: timestamp('received_at', { withTimezone: true }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('transfers_locations_check', sql`${t.sourceLocationId} <> ${t.destinationLocationId}`),
    index('transfers_status_idx').on(t.status, t.number),
    index('transfers_source_idx').on(t.sourceLocationId, t.number),
    index('transfers_destination_idx').on(t.destinationLocationId, t.number),
  ],
);

/** One SKU of a transfer: asked for, shipped (left the source) and received (arrived) so far. */
export const transferLines = pgTable(
  'transfer_lines',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    transferId: uuid('transfer_id')
      .notNull()
      .references(() => transfers.id, { onDelete: 'cascade' }),
    lineNumber: integer('line_number').notNull(),
    productId: bigint('product_id', { mode: 'number' })
      .notNull()
      .references(() => products.id),
    quantity: integer('quantity').notNull(),
    quantityShipped: integer('quantity_shipped').notNull().default(0),
    quantityReceived: integer('quantity_received').notNull().default(0),
  },
  (t) => [
    unique('transfer_lines_product_key').on(t.transferId, t.productId),
    index('transfer_lines_product_idx').on(t.productId),
    check(
      'transfer_lines_quantities_check',
      sql`${t.quantity} > 0 AND ${t.quantityShipped} >= 0 AND ${t.quantityReceived} >= 0`,
    ),
  ],
);
