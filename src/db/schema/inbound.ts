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
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { apiKeys } from './auth.js';
import { locations, products } from './catalog.js';

export const inboundShipmentStatuses = ['expected', 'in_transit', 'received', 'cancelled'] as const;
export const inboundShipmentStatus = pgEnum('inbound_shipment_status', inboundShipmentStatuses);

/**
 * Stock on its way to one location from a supplier (an ASN or a purchase order): lines per SKU with the
 * expected quantities and date. Until it is received or cancelled, what is not yet received is the
 * location's incoming stock; receipts put units into on_hand through the inventory module's feeds.
 */
export const inboundShipments = pgTable(
  'inbound_shipments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Human id, in creation order: 1, 2… */
    number: bigint('number', { mode: 'number' }).notNull().unique().generatedAlwaysAsIdentity(),
    /** The caller's id (ASN or PO number): unique, so a repeated create is a 409, never a second shipment. */
    reference: text('reference').notNull().unique(),
    locationId: bigint('location_id', { mode: 'number' })
      .notNull()
      .references(() => locations.id),
    status: inboundShipmentStatus('status').notNull().default('expected'),
    expectedDate: date('expected_date').notNull(),
    supplier: text('supplier'),
    notes: text('notes'),
    cancelReason: text('cancel_reason'),
    createdBy: uuid('created_by').references(() => apiKeys.id),
    shippedAt: timestamp('shipped_at', { withTimezone: true }),
    receivedAt: timestamp('received_at', { withTimezone: true }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('inbound_shipments_status_idx').on(t.status, t.number),
    index('inbound_shipments_location_idx').on(t.locationId, t.status, t.expectedDate),
  ],
);

/** One SKU of an inbound shipment: expected, and received so far (beyond expected: over-received). */
export const inboundShipmentLines = pgTable(
  'inbound_shipment_lines',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    inboundShipmentId: uuid('inbound_shipment_id')
      .notNull()
      .references(() => inboundShipments.id, { onDelete: 'cascade' }),
    lineNumber: integer('line_number').notNull(),
    productId: bigint('product_id', { mode: 'number' })
      .notNull()
      .references(() => products.id),
    quantity: integer('quantity').notNull(),
    quantityReceived: integer('quantity_received').notNull().default(0),
  },
  (t) => [
    unique('inbound_shipment_lines_product_key').on(t.inboundShipmentId, t.productId),
    index('inbound_shipment_lines_product_idx').on(t.productId),
    check('inbound_shipment_lines_quantities_check', sql`${t.quantity} > 0 AND ${t.quantityReceived} >= 0`),
  ],
);

/** What one receipt of an inbound shipment brought: `{ sku, quantity, over }` per line. */
export interface InboundReceiptLine {
  sku: string;
  quantity: number;
  /** Units of `quantity` beyond what the line still expected (an announced over-receipt). */
  over: number;
}

/**
 * Each receipt applied to an inbound shipment, by the caller's reference: a reference seen before is
 * not applied again. `closed`: the receipt closed the shipment short (nothing more will arrive).
 */
export const inboundReceipts = pgTable(
  'inbound_receipts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    inboundShipmentId: uuid('inbound_shipment_id')
      .notNull()
      .references(() => inboundShipments.id, { onDelete: 'cascade' }),
    reference: text('reference').notNull(),
    lines: jsonb('lines').$type<InboundReceiptLine[]>().notNull(),
    closed: boolean('closed').notNull().default(false),
    createdBy: uuid('created_by').references(() => apiKeys.id),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('inbound_receipts_reference_key').on(t.inboundShipmentId, t.reference)],
);
