import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, pgTable, primaryKey } from 'drizzle-orm/pg-core';
import { inboundShipmentLines } from './inbound.js';
import { orderLines } from './orders.js';

/**
 * Which incoming units (a line of an open inbound shipment) a backordered order line is promised
 * from: waiting orders take incoming units first in, first out, soonest expected first. Nothing is
 * reserved by it; it is what the order's promised delivery date was worked out from, and what an
 * order captured later counts as already taken. Rows of lines no longer waiting are left for the next
 * re-promise to delete.
 */
export const backorderPromises = pgTable(
  'backorder_promises',
  {
    orderLineId: bigint('order_line_id', { mode: 'number' })
      .notNull()
      .references(() => orderLines.id, { onDelete: 'cascade' }),
    inboundShipmentLineId: bigint('inbound_shipment_line_id', { mode: 'number' })
      .notNull()
      .references(() => inboundShipmentLines.id, { onDelete: 'cascade' }),
    quantity: integer('quantity').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.orderLineId, t.inboundShipmentLineId] }),
    // What waiting orders already took of an inbound line, read on every backordering capture.
    index('backorder_promises_inbound_line_idx').on(t.inboundShipmentLineId),
    check('backorder_promises_quantity_check', sql`${t.quantity} > 0`),
  ],
);
