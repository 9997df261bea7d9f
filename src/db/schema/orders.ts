import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgSequence,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import type { Address } from '../../modules/addresses/address.schemas.js';
import { accounts, paymentTerms } from './accounts.js';
import { apiKeys } from './auth.js';
import { channels, products } from './catalog.js';

export const orderStatuses = [
  'received',
  'validated',
  'on_hold',
  'backordered',
  'allocated',
  'released',
  'partially_shipped',
  'shipped',
  'delivered',
  'partially_returned',
  'returned',
  'cancelled',
] as const;
export const orderStatus = pgEnum('order_status', orderStatuses);

export const serviceLevels = ['standard', 'express', 'same_day'] as const;
export const serviceLevel = pgEnum('service_level', serviceLevels);

/** Human order numbers: sequential, never reused. */
export const orderNumbers = pgSequence('order_number_seq', { startWith: 100001 });

export interface Customer {
  email: string;
  name?: string;
  phone?: string;
  /** BCP 47 language tag customer notifications are written in (fr-CA); unset: the channel's default. */
  locale?: string;
}

export interface Payment {
  status: 'pending' | 'authorized' | 'captured' | 'failed';
  amount: number;
  method?: string;
  avs_result?: string;
  cvv_result?: string;
}

export interface Discount {
  code?: string;
  description?: string;
  amount: number;
}

export interface Destination {
  latitude: number;
  longitude: number;
  source: 'given' | 'postal_code' | 'country_centroid';
}

export interface Risk {
  score: number;
  version: number;
  decision: 'accept' | 'review' | 'reject';
  reasons: string[];
}

export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    number: bigint('number', { mode: 'number' }).notNull().unique().default(sql`nextval('order_number_seq')`),
    channelId: bigint('channel_id', { mode: 'number' })
      .notNull()
      .references(() => channels.id),
    externalId: text('external_id').notNull(),
    status: orderStatus('status').notNull(),
    customer: jsonb('customer').$type<Customer>().notNull(),
    /** Lower-cased, for lookups and fraud velocity. */
    customerEmail: text('customer_email').notNull(),
    shipTo: jsonb('ship_to').$type<Address>().notNull(),
    /** The normalised delivery address, for fraud velocity by address. */
    addressKey: text('address_key').notNull(),
    billingAddress: jsonb('billing_address').$type<Address>(),
    currency: text('currency').notNull(),
    serviceLevel: serviceLevel('service_level').notNull(),
    shippingAmount: bigint('shipping_amount', { mode: 'number' }).notNull(),
    discounts: jsonb('discounts').$type<Discount[]>().notNull(),
    subtotal: bigint('subtotal', { mode: 'number' }).notNull(),
    discountTotal: bigint('discount_total', { mode: 'number' }).notNull(),
    taxTotal: bigint('tax_total', { mode: 'number' }).notNull(),
    total: bigint('total', { mode: 'number' }).notNull(),
    payment: jsonb('payment').$type<Payment>().notNull(),
    risk: jsonb('risk').$type<Risk>(),
    /** Where the order is delivered, and how that was known (given, postal code, country centroid). */
    destination: jsonb('destination').$type<Destination>(),
    /** The routing decision: rule set version, the rule that fired, candidates and why the winner won. */
    routing: jsonb('routing').$type<Record<string, unknown>>(),
    promisedDeliveryDate: date('promised_delivery_date'),
    /** Refunds confirmed by the payment system, shipping included. */
    refundedTotal: bigint('refunded_total', { mode: 'number' }).notNull().default(0),
    priority: integer('priority').notNull(),
    tags: text('tags').array().notNull(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull(),
    placedAt: timestamp('placed_at', { withTimezone: true }).notNull(),
    cancelReason: text('cancel_reason'),
    /** When the allocated order's shipments are due to be released (after the channel's edit window). */
    releaseDueAt: timestamp('release_due_at', { withTimezone: true }),
    createdBy: uuid('created_by').references(() => apiKeys.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    // Fulfilment facts for the reports, refreshed whenever units ship: shipments not cancelled, lines,
    // and lines shipped in full. The fulfillment report reads them from one index, with no join.
    shipmentCount: integer('shipment_count').notNull().default(0),
    lineCount: integer('line_count').notNull().default(0),
    linesFilled: integer('lines_filled').notNull().default(0),
    /** The B2B account the order was placed for, its payment terms then, and the account's priority then. */
    accountId: uuid('account_id').references(() => accounts.id),
    paymentTerms: paymentTerms('payment_terms'),
    accountPriority: integer('account_priority'),
  },
  (t) => [
    unique('orders_channel_external_id_key').on(t.channelId, t.externalId),
    // Only the statuses people work through (exception queues, backorders) get an index.
    index('orders_attention_idx')
      .on(t.status, t.number)
      .where(sql`${t.status} IN ('on_hold', 'backordered')`),
    // Alert rules on how long orders stay in a status read the orders of those statuses only.
    index('orders_status_idx').on(t.status, t.createdAt),
    index('orders_release_due_idx').on(t.releaseDueAt).where(sql`${t.releaseDueAt} IS NOT NULL`),
    index('orders_customer_email_idx').on(t.customerEmail, t.placedAt),
    index('orders_address_key_idx').on(t.addressKey, t.placedAt),
    // Reports: a window of orders by placed_at read from the index alone (by day, channel, status,
    // currency, with the totals and cancel reasons); the capture time and channel joined by id; the
    // open orders of the backlog.
    index('orders_report_placed_idx').on(
      t.placedAt,
      t.channelId,
      t.status,
      t.currency,
      t.total,
      t.id,
      t.cancelReason,
    ),
    index('orders_report_id_idx').on(t.id, t.createdAt, t.placedAt, t.channelId, t.status),
    index('orders_report_shipped_idx')
      .on(t.placedAt, t.channelId, t.shipmentCount, t.lineCount, t.linesFilled)
      .where(
        sql`${t.status} IN ('partially_shipped', 'shipped', 'delivered', 'partially_returned', 'returned')`,
      ),
    index('orders_open_idx')
      .on(t.placedAt)
      .where(
        sql`${t.status} IN ('received', 'validated', 'on_hold', 'backordered', 'allocated', 'released', 'partially_shipped')`,
      ),
    index('orders_account_idx').on(t.accountId, t.createdAt).where(sql`${t.accountId} IS NOT NULL`),
    check(
      'orders_amounts_check',
      sql`${t.subtotal} >= 0 AND ${t.discountTotal} >= 0 AND ${t.shippingAmount} >= 0 AND ${t.taxTotal} >= 0 AND ${t.total} >= 0`,
    ),
  ],
);

export const orderLines = pgTable(
  'order_lines',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    lineNumber: integer('line_number').notNull(),
    productId: bigint('product_id', { mode: 'number' })
      .notNull()
      .references(() => products.id),
    sku: text('sku').notNull(),
    quantity: integer('quantity').notNull(),
    unitPrice: bigint('unit_price', { mode: 'number' }).notNull(),
    /** Tax charged on the whole line, in minor units. */
    taxAmount: bigint('tax_amount', { mode: 'number' }).notNull().default(0),
    quantityAllocated: integer('quantity_allocated').notNull().default(0),
    quantityBackordered: integer('quantity_backordered').notNull().default(0),
    quantityCancelled: integer('quantity_cancelled').notNull().default(0),
    quantityShipped: integer('quantity_shipped').notNull().default(0),
    quantityReturned: integer('quantity_returned').notNull().default(0),
    quantityRefunded: integer('quantity_refunded').notNull().default(0),
    amountRefunded: bigint('amount_refunded', { mode: 'number' }).notNull().default(0),
    /**
     * A kit's line holds no stock: its components are lines of their own (`kit_line_number` names
     * the kit's line), and a trigger keeps the kit's quantities at the whole kits its components make.
     * Null on any other line; true when the kit's components may ship from different locations.
     */
    kitSplit: boolean('kit_split'),
    kitLineNumber: integer('kit_line_number'),
    /** Units of this component in one kit. */
    unitsPerKit: integer('units_per_kit'),
  },
  (t) => [
    unique('order_lines_order_line_number_key').on(t.orderId, t.lineNumber),
    index('order_lines_backordered_idx').on(t.productId).where(sql`${t.quantityBackordered} > 0`),
    // Reports: the line fill rate of a window's orders, from the index alone.
    index('order_lines_report_fill_idx').on(t.orderId, t.quantity, t.quantityShipped),
    check(
      'order_lines_quantities_check',
      sql`${t.quantity} > 0 AND ${t.unitPrice} >= 0 AND ${t.taxAmount} >= 0 AND ${t.quantityAllocated} >= 0 AND ${t.quantityBackordered} >= 0
        AND ${t.quantityCancelled} >= 0 AND ${t.quantityShipped} >= 0 AND ${t.quantityReturned} >= 0
        AND ${t.quantityAllocated} + ${t.quantityBackordered} + ${t.quantityCancelled} + ${t.quantityShipped} <= ${t.quantity}`,
    ),
    check(
      'order_lines_kit_check',
      sql`(${t.kitLineNumber} IS NULL) = (${t.unitsPerKit} IS NULL) AND ${t.unitsPerKit} > 0
        AND (${t.kitSplit} IS NULL OR ${t.kitLineNumber} IS NULL)`,
    ),
  ],
);

export const holdKinds = [
  'payment',
  'address',
  'fraud',
  'stock',
  'routing_review',
  'manual',
  'return_review',
  'credit',
] as const;
export const holdKind = pgEnum('hold_kind', holdKinds);
export const holdStatus = pgEnum('hold_status', ['open', 'released', 'cancelled']);

/** An exception on an order, worked by people in a queue. */
export const holds = pgTable(
  'holds',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    kind: holdKind('kind').notNull(),
    queue: text('queue').notNull(),
    status: holdStatus('status').notNull().default('open'),
    reason: text('reason').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    assignee: text('assignee'),
    note: text('note'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    resolvedBy: uuid('resolved_by').references(() => apiKeys.id),
  },
  (t) => [
    index('holds_order_idx').on(t.orderId),
    index('holds_open_queue_idx').on(t.queue, t.createdAt).where(sql`${t.status} = 'open'`),
  ],
);

/** Versioned fraud rules: the newest version applies; orders record the version they were scored with. */
export const fraudRuleSets = pgTable('fraud_rule_sets', {
  version: integer('version').primaryKey(),
  rules: jsonb('rules').$type<Array<{ condition: unknown; weight: number; reason: string }>>().notNull(),
  reviewThreshold: integer('review_threshold').notNull(),
  rejectThreshold: integer('reject_threshold').notNull(),
  createdBy: uuid('created_by').references(() => apiKeys.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
