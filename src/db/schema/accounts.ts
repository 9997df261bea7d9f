import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { apiKeys } from './auth.js';

/** How long a B2B account has to pay: up front, N days after shipping, or on shipping. */
export const paymentTermsValues = [
  'prepaid',
  'net_7',
  'net_15',
  'net_30',
  'net_45',
  'net_60',
  'net_90',
  'due_on_fulfillment',
] as const;
export const paymentTerms = pgEnum('payment_terms', paymentTermsValues);

/** What capture does when an order would take the account past its credit limit. */
export const creditLimitModes = ['ignore', 'warn', 'enforce'] as const;
export const creditLimitMode = pgEnum('credit_limit_mode', creditLimitModes);

/** A B2B customer: a company that orders on terms up to a credit limit. */
export const accounts = pgTable(
  'accounts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The merchant's own customer number (the ERP's): unique, immutable. */
    code: text('code').notNull().unique(),
    name: text('name').notNull(),
    terms: paymentTerms('terms').notNull(),
    currency: text('currency').notNull(),
    /** In minor units of `currency`. */
    creditLimit: bigint('credit_limit', { mode: 'number' }).notNull(),
    creditLimitMode: creditLimitMode('credit_limit_mode').notNull(),
    /** Days after an invoice's due date before new orders are held for it. */
    graceDays: integer('grace_days').notNull(),
    /** Added to routing and backorder priority like a channel's (the higher of the two counts). */
    priority: integer('priority').notNull(),
    active: boolean('active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check(
      'accounts_values_check',
      sql`${t.creditLimit} >= 0 AND ${t.graceDays} >= 0 AND ${t.currency} ~ '^[A-Z]{3}$'`,
    ),
  ],
);

/** The people who may order for an account, by e-mail (lower-cased). */
export const accountBuyers = pgTable(
  'account_buyers',
  {
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    name: text('name'),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.email] })],
);

/**
 * What an account owes for units that shipped: raised when they ship, due by the order's terms.
 * `order_id` names the order (no foreign key: orders point at accounts, not the other way).
 */
export const invoices = pgTable(
  'invoices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Human number, in issue order: INV-1, INV-2… */
    number: bigint('number', { mode: 'number' }).notNull().unique().generatedAlwaysAsIdentity(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id),
    orderId: uuid('order_id').notNull(),
    orderNumber: bigint('order_number', { mode: 'number' }).notNull(),
    terms: paymentTerms('terms').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    paidAmount: bigint('paid_amount', { mode: 'number' }).notNull().default(0),
    currency: text('currency').notNull(),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull(),
    dueDate: date('due_date').notNull(),
    paidAt: timestamp('paid_at', { withTimezone: true }),
  },
  (t) => [
    check(
      'invoices_amounts_check',
      sql`${t.amount} > 0 AND ${t.paidAmount} >= 0 AND ${t.paidAmount} <= ${t.amount}`,
    ),
    index('invoices_account_idx').on(t.accountId, t.number),
    index('invoices_open_idx').on(t.accountId, t.dueDate).where(sql`${t.paidAmount} < ${t.amount}`),
    index('invoices_order_idx').on(t.orderId),
  ],
);

/** Money an account paid; what no invoice took yet (`unapplied`) pays the next invoices raised. */
export const accountPayments = pgTable(
  'account_payments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id),
    /** The payer's or bank's reference: unique per account. */
    reference: text('reference').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    unapplied: bigint('unapplied', { mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    note: text('note'),
    createdBy: uuid('created_by').references(() => apiKeys.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    unique('account_payments_reference_key').on(t.accountId, t.reference),
    check(
      'account_payments_amounts_check',
      sql`${t.amount} > 0 AND ${t.unapplied} >= 0 AND ${t.unapplied} <= ${t.amount}`,
    ),
    index('account_payments_account_idx').on(t.accountId, t.createdAt),
  ],
);

/** Which invoices a payment paid, and how much of each. */
export const paymentAllocations = pgTable(
  'payment_allocations',
  {
    paymentId: uuid('payment_id')
      .notNull()
      .references(() => accountPayments.id),
    invoiceId: uuid('invoice_id')
      .notNull()
      .references(() => invoices.id),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.paymentId, t.invoiceId] }),
    check('payment_allocations_amount_check', sql`${t.amount} > 0`),
    index('payment_allocations_invoice_idx').on(t.invoiceId),
  ],
);
