/**
 * Fulfilments in Shopify's terms (pure): the query for an order's fulfillment orders and fulfilments,
 * which fulfillment order line items a shipment covers, and the `fulfillmentCreate` mutation.
 */

export const fulfillmentOrdersQuery = `query FulfillmentOrders($id: ID!) {
  order(id: $id) {
    id
    fulfillments(first: 50) { id trackingInfo(first: 5) { number } }
    fulfillmentOrders(first: 20) {
      nodes { id status lineItems(first: 250) { nodes { id sku remainingQuantity } } }
    }
  }
}`;

export const fulfillmentCreateMutation = `mutation CreateFulfillment($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status }
    userErrors { field message }
  }
}`;

export interface OrderFulfillments {
  id: string;
  fulfillments?: Array<{ id: string; trackingInfo?: Array<{ number: string | null }> }>;
  fulfillmentOrders?: {
    nodes: Array<{
      id: string;
      status: string;
      lineItems: { nodes: Array<{ id: string; sku: string | null; remainingQuantity: number }> };
    }>;
  };
}

export interface FulfilmentLines {
  trackingNumber: string | null;
  lines: Array<{ sku: string; quantity: number }>;
}

export type Plan =
  | { kind: 'exists'; fulfillmentId: string }
  | { kind: 'impossible'; reason: string }
  | {
      kind: 'create';
      lineItemsByFulfillmentOrder: Array<{
        fulfillmentOrderId: string;
        fulfillmentOrderLineItems: Array<{ id: string; quantity: number }>;
      }>;
    };

/** Fulfillment orders that can still be fulfilled. */
const open = new Set(['OPEN', 'IN_PROGRESS']);

/**
 * What to send for a shipment: nothing when the order already has a fulfilment with its tracking
 * number (a create whose answer was lost), else its units spread over the open fulfillment order
 * line items of the same SKU, up to what each has remaining.
 */
export function planFulfillment(order: OrderFulfillments | null, shipment: FulfilmentLines): Plan {
  if (order === null) {
    return { kind: 'impossible', reason: 'Shopify does not know the order' };
  }
  if (shipment.trackingNumber) {
    const done = (order.fulfillments ?? []).find((f) =>
      (f.trackingInfo ?? []).some((info) => info.number === shipment.trackingNumber),
    );
    if (done) {
      return { kind: 'exists', fulfillmentId: done.id };
    }
  }
  const remaining = new Map<string, number>();
  for (const line of shipment.lines) {
    remaining.set(line.sku, (remaining.get(line.sku) ?? 0) + line.quantity);
  }
  const byOrder = new Map<string, Array<{ id: string; quantity: number }>>();
  for (const fo of order.fulfillmentOrders?.nodes ?? []) {
    if (!open.has(fo.status)) {
      continue;
    }
    for (const item of fo.lineItems.nodes) {
      const want = item.sku === null ? 0 : (remaining.get(item.sku) ?? 0);
      const take = Math.min(want, item.remainingQuantity);
      if (take > 0 && item.sku !== null) {
        remaining.set(item.sku, want - take);
        byOrder.set(fo.id, [...(byOrder.get(fo.id) ?? []), { id: item.id, quantity: take }]);
      }
    }
  }
  if (byOrder.size === 0) {
    return { kind: 'impossible', reason: 'no open fulfillment order line has the shipped SKUs' };
  }
  return {
    kind: 'create',
    lineItemsByFulfillmentOrder: [...byOrder].map(([fulfillmentOrderId, items]) => ({
      fulfillmentOrderId,
      fulfillmentOrderLineItems: items,
    })),
  };
}

/** Shopify recognises these company names (and then builds the tracking URL itself when none is given). */
const carrierNames: Record<string, string> = {
  ups: 'UPS',
  fedex: 'FedEx',
  usps: 'USPS',
  dhl: 'DHL Express',
  dhl_express: 'DHL Express',
  canada_post: 'Canada Post',
  royal_mail: 'Royal Mail',
  dpd: 'DPD',
  gls: 'GLS',
  australia_post: 'Australia Post',
};

/** The carrier as Shopify names it; an unknown carrier code is sent as it is (Shopify shows it). */
export const carrierName = (carrier: string | null): string | null =>
  carrier === null ? null : (carrierNames[carrier.toLowerCase()] ?? carrier);
