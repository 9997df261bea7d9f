import { eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { channels, holds, orderLines, orders } from '../../db/schema/index.js';
import { activeReservations } from '../allocation/index.js';
import type { LineQuantities } from './order-state.js';
import type { HoldViewType, OrderView } from './orders.schemas.js';

/** Data access for orders shared by the order, hold and worker code: loading, locking and presenting. */

export type OrderRow = typeof orders.$inferSelect;
export type LineRow = typeof orderLines.$inferSelect;
export type HoldRow = typeof holds.$inferSelect;

/** A line's quantities as the order state machine reads them. */
export const quantitiesOf = (line: LineRow): LineQuantities => ({
  quantity: line.quantity,
  allocated: line.quantityAllocated,
  backordered: line.quantityBackordered,
  cancelled: line.quantityCancelled,
  shipped: line.quantityShipped,
});

export interface ReservedUnits {
  lineId: number;
  location: string;
  quantity: number;
}

export interface OrderState {
  order: OrderRow;
  channel: string;
  lines: LineRow[];
  reservations: ReservedUnits[];
  holds: HoldRow[];
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

export const presentHold = (hold: HoldRow): HoldViewType => ({
  id: hold.id,
  kind: hold.kind,
  queue: hold.queue,
  status: hold.status,
  reason: hold.reason,
  details: hold.details,
  assignee: hold.assignee,
  note: hold.note,
  created_at: hold.createdAt.toISOString(),
  resolved_at: iso(hold.resolvedAt),
});

export function presentOrder({
  order,
  channel,
  lines,
  reservations,
  holds: orderHolds,
}: OrderState): OrderView {
  const skuOf = new Map(lines.map((line) => [line.id, line.sku]));
  const byLocation = new Map<string, OrderView['reservations'][number]['items']>();
  for (const reserved of reservations) {
    const items = byLocation.get(reserved.location) ?? [];
    const same = items.find((item) => item.line_id === reserved.lineId);
    if (same) {
      same.quantity += reserved.quantity;
    } else {
      items.push({
        line_id: reserved.lineId,
        sku: skuOf.get(reserved.lineId) ?? '',
        quantity: reserved.quantity,
      });
    }
    byLocation.set(reserved.location, items);
  }
  return {
    id: order.id,
    number: order.number,
    channel,
    external_id: order.externalId,
    status: order.status,
    customer: order.customer,
    ship_to: order.shipTo,
    billing_address: order.billingAddress,
    currency: order.currency,
    shipping: { service_level: order.serviceLevel, amount: order.shippingAmount },
    discounts: order.discounts,
    payment: order.payment,
    totals: {
      subtotal: order.subtotal,
      discount_total: order.discountTotal,
      shipping: order.shippingAmount,
      tax_total: order.taxTotal,
      total: order.total,
      refunded: order.refundedTotal,
    },
    risk: order.risk,
    priority: order.priority,
    tags: order.tags,
    metadata: order.metadata,
    placed_at: order.placedAt.toISOString(),
    created_at: order.createdAt.toISOString(),
    updated_at: order.updatedAt.toISOString(),
    cancel_reason: order.cancelReason,
    promised_delivery_date: order.promisedDeliveryDate,
    lines: [...lines]
      .sort((a, b) => a.lineNumber - b.lineNumber)
      .map((line) => ({
        id: line.id,
        line_number: line.lineNumber,
        sku: line.sku,
        quantity: line.quantity,
        unit_price: line.unitPrice,
        tax_amount: line.taxAmount,
        allocated: line.quantityAllocated,
        backordered: line.quantityBackordered,
        cancelled: line.quantityCancelled,
        shipped: line.quantityShipped,
        returned: line.quantityReturned,
        refunded: line.quantityRefunded,
        refunded_amount: line.amountRefunded,
      })),
    reservations: [...byLocation].map(([location, items]) => ({ location, items })),
    holds: [...orderHolds].sort((a, b) => a.id - b.id).map(presentHold),
  };
}

/**
 * Loads whole orders (lines, active reservations by location, holds) in four queries, however many.
 * With `lock`, the order rows are locked FOR UPDATE first: every change to an order starts here.
 */
export async function loadOrders(
  tx: Executor,
  ids: string[],
  options: { lock?: boolean } = {},
): Promise<OrderState[]> {
  if (ids.length === 0) {
    return [];
  }
  const selectOrders = tx
    .select({ order: orders, channel: channels.code })
    .from(orders)
    .innerJoin(channels, eq(channels.id, orders.channelId))
    .where(inArray(orders.id, ids))
    .orderBy(orders.id);
  const orderRows = options.lock ? await selectOrders.for('update', { of: orders }) : await selectOrders;
  // One client runs one query at a time: these go one after another.
  const lines = await tx.select().from(orderLines).where(inArray(orderLines.orderId, ids));
  const held = await activeReservations(
    tx,
    lines.map((line) => line.id),
  );
  const orderHolds = await tx.select().from(holds).where(inArray(holds.orderId, ids));
  const orderOfLine = new Map(lines.map((line) => [line.id, line.orderId]));
  const reserved = held.map((r) => ({ lineId: r.orderLineId, location: r.location, quantity: r.quantity }));
  return orderRows.map(({ order, channel }) => ({
    order,
    channel,
    lines: lines.filter((line) => line.orderId === order.id),
    reservations: reserved.filter((r) => orderOfLine.get(r.lineId) === order.id),
    holds: orderHolds.filter((hold) => hold.orderId === order.id),
  }));
}
