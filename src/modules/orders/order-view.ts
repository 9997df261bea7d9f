import type { LineIncoming } from './backorder-promise-store.js';
import { rollUpKits } from './kit-lines.js';
import type { HoldRow, LineRow, OrderState } from './order-store.js';
import type { HoldViewType, OrderView } from './orders.schemas.js';

/** How orders and holds look in responses and event payloads. */

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

/**
 * On a line that waits for stock (not a kit's own line): the incoming units promised to it, soonest
 * first, as many as it still waits for (units it got meanwhile are no longer promised).
 */
function incomingOf(line: LineRow, incoming: LineIncoming[]): Pick<OrderView['lines'][number], 'incoming'> {
  if (line.quantityBackordered === 0 || line.kitSplit !== null) {
    return {};
  }
  let left = line.quantityBackordered;
  return {
    incoming: incoming
      .filter((units) => units.lineId === line.id)
      .flatMap((units) => {
        const quantity = Math.min(units.quantity, left);
        left -= quantity;
        return quantity > 0
          ? [
              {
                inbound_shipment: units.inboundShipment,
                reference: units.reference,
                location: units.location,
                expected_date: units.expectedDate,
                quantity,
              },
            ]
          : [];
      }),
  };
}

export function presentOrder({
  order,
  channel,
  lines,
  reservations,
  holds: orderHolds,
  incoming = [],
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
    ...{ account_id: order.accountId, payment_terms: order.paymentTerms },
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
    lines: [...rollUpKits(lines)]
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
        kit: line.kitSplit === null ? null : { allow_split: line.kitSplit },
        kit_line_number: line.kitLineNumber,
        units_per_kit: line.unitsPerKit,
        ...incomingOf(line, incoming),
      })),
    reservations: [...byLocation].map(([location, items]) => ({ location, items })),
    holds: [...orderHolds].sort((a, b) => a.id - b.id).map(presentHold),
  };
}
