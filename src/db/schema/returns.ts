import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { apiKeys } from './auth.js';
import { locations, products } from './catalog.js';
import { orderLines, orders } from './orders.js';
import { returnReasons } from './return-reasons.js';

export { returnReasons };

export const returnStatuses = [
  'requested',
  'authorized',
  'in_transit',
  'received',
  'refunded',
  'closed',
  'rejected',
] as const;
export const returnStatus = pgEnum('return_status', returnStatuses);

export const returnReason = pgEnum('return_reason', returnReasons);

/** An RMA: units of an order's shipped lines coming back, inside the order's own record. */
export const returns = pgTable(
  'returns',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Human id: R, the order number and a counter, e.g. R100042-1. */
    number: text('number').notNull().unique(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    status: returnStatus('status').notNull(),
    initiatedBy: text('initiated_by', { enum: ['customer', 'back_office'] }).notNull(),
    note: text('note'),
    /** Why it was rejected, or why it needs review. */
    decision: text('decision'),
    carrier: text('carrier'),
    trackingNumber: text('tracking_number'),
    /** Replacement units the customer asked for instead of a refund (an exchange). */
    replacementLines: jsonb('replacement_lines')
      .$type<Array<{ sku: string; quantity: number }>>()
      .notNull()
      .default([]),
    /** The exchange order created for the replacement lines, if any. */
    replacementOrderId: uuid('replacement_order_id').references(() => orders.id),
    createdBy: uuid('created_by').references(() => apiKeys.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('returns_order_idx').on(t.orderId), index('returns_status_idx').on(t.status, t.createdAt)],
);

export const returnLines = pgTable(
  'return_lines',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    returnId: uuid('return_id')
      .notNull()
      .references(() => returns.id, { onDelete: 'cascade' }),
    orderLineId: bigint('order_line_id', { mode: 'number' })
      .notNull()
      .references(() => orderLines.id),
    productId: bigint('product_id', { mode: 'number' })
      .notNull()
      .references(() => products.id),
    sku: text('sku').notNull(),
    quantity: integer('quantity').notNull(),
    reason: returnReason('reason').notNull(),
    /** Units back at a location: sellable ones restocked, the rest recorded as unsellable. */
    quantityRestocked: integer('quantity_restocked').notNull().default(0),
    quantityUnsellable: integer('quantity_unsellable').notNull().default(0),
    quantityRefunded: integer('quantity_refunded').notNull().default(0),
  },
  (t) => [
    index('return_lines_return_idx').on(t.returnId),
    index('return_lines_order_line_idx').on(t.orderLineId),
    check(
      'return_lines_quantities_check',
      sql`${t.quantity} > 0 AND ${t.quantityRestocked} >= 0 AND ${t.quantityUnsellable} >= 0
        AND ${t.quantityRestocked} + ${t.quantityUnsellable} <= ${t.quantity}
        AND ${t.quantityRefunded} >= 0 AND ${t.quantityRefunded} <= ${t.quantityRestocked} + ${t.quantityUnsellable}`,
    ),
  ],
);

/** Each receipt of returned units at a location, with their condition. */
export const returnReceipts = pgTable(
  'return_receipts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    returnLineId: bigint('return_line_id', { mode: 'number' })
      .notNull()
      .references(() => returnLines.id, { onDelete: 'cascade' }),
    locationId: bigint('location_id', { mode: 'number' })
      .notNull()
      .references(() => locations.id),
    quantity: integer('quantity').notNull(),
    condition: text('condition', { enum: ['sellable', 'damaged', 'opened'] }).notNull(),
    note: text('note'),
    receivedBy: uuid('received_by').references(() => apiKeys.id),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('return_receipts_line_idx').on(t.returnLineId),
    check('return_receipts_quantity_check', sql`${t.quantity} > 0`),
  ],
);

export interface RefundBreakdown {
  lines: Array<{
    order_line_id: number;
    sku: string;
    quantity: number;
    amount: number;
    restocking_fee: number;
  }>;
  shipping: number;
  restocking_fee: number;
}

/** Money going back to the customer for a return, until the payment system confirms it. */
export const refunds = pgTable(
  'refunds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    returnId: uuid('return_id')
      .notNull()
      .references(() => returns.id, { onDelete: 'cascade' }),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ['requested', 'completed'] })
      .notNull()
      .default('requested'),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    breakdown: jsonb('breakdown').$type<RefundBreakdown>().notNull(),
    externalReference: text('external_reference'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
  },
  (t) => [
    index('refunds_order_idx').on(t.orderId),
    index('refunds_return_idx').on(t.returnId),
    check('refunds_amount_check', sql`${t.amount} >= 0`),
  ],
);
