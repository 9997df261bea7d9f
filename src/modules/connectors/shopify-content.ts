import { isDeepStrictEqual } from 'node:util';
import type { CreateOrder, OrderView, UpdateOrder } from '../orders/index.js';

/**
 * What of a Shopify order an `orders/updated` can change in Ordo, as Ordo's fields, and which of it
 * changed. Pure. Kept per Shopify order after each delivery, so an update applies only what Shopify
 * changed since: a correction made in Ordo (an address fixed by hand) survives Shopify's next unrelated
 * update (a payment captured, a tag added).
 */

export const editableFields = [
  'customer',
  'ship_to',
  'billing_address',
  'lines',
  'shipping',
  'discounts',
] as const;
export type EditableField = (typeof editableFields)[number];

export type ShopifyContent = Pick<CreateOrder, EditableField> & {
  payment: Pick<NonNullable<CreateOrder['payment']>, 'status' | 'amount'>;
};

/** The content of an order as the mapping made it. */
export const contentOf = (order: CreateOrder): ShopifyContent => ({
  customer: order.customer,
  ship_to: order.ship_to,
  ...(order.billing_address ? { billing_address: order.billing_address } : {}),
  lines: order.lines,
  shipping: order.shipping,
  discounts: order.discounts,
  payment: { status: order.payment?.status ?? 'pending', amount: order.payment?.amount ?? 0 },
});

/** Content read back from the database; null for an order Ordo kept none of (taken before it did). */
export function storedContent(value: unknown): ShopifyContent | null {
  const stored = value as Partial<ShopifyContent> | null;
  return stored && Array.isArray(stored.lines) && stored.payment ? (stored as ShopifyContent) : null;
}

/** Lines compare as a set by SKU, with no tax the same as a tax of 0. */
const comparableLines = (lines: ReadonlyArray<CreateOrder['lines'][number]>) =>
  [...lines]
    .map((line) => ({
      sku: line.sku,
      quantity: line.quantity,
      unit_price: line.unit_price,
      tax_amount: line.tax_amount ?? 0,
    }))
    .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));

/** Equal as JSON: a field left out is the same as null, key order does not count. */
const same = (a: unknown, b: unknown) =>
  isDeepStrictEqual(JSON.parse(JSON.stringify(a ?? null)), JSON.parse(JSON.stringify(b ?? null)));

const sameField = (field: EditableField, a: ShopifyContent | OrderValues, b: ShopifyContent | OrderValues) =>
  field === 'lines' ? same(comparableLines(a.lines), comparableLines(b.lines)) : same(a[field], b[field]);

type OrderValues = Pick<ShopifyContent, EditableField>;

const valuesOf = (order: OrderView): OrderValues => ({
  customer: order.customer,
  ship_to: order.ship_to,
  ...(order.billing_address ? { billing_address: order.billing_address } : {}),
  lines: order.lines,
  shipping: order.shipping,
  discounts: order.discounts,
});

/**
 * The edit that brings the order to what Shopify changed since `before` (everything, when there is no
 * `before`), leaving out what the order already has. Empty when there is nothing to change. Shopify
 * cannot take a billing address away in Ordo: a removed one is left as it is.
 */
export function editOf(now: ShopifyContent, before: ShopifyContent | null, order: OrderView): UpdateOrder {
  const current = valuesOf(order);
  const changed = editableFields.filter(
    (field) =>
      (before === null || !sameField(field, now, before)) &&
      !sameField(field, now, current) &&
      now[field] !== undefined,
  );
  return Object.fromEntries(changed.map((field) => [field, now[field]])) as UpdateOrder;
}

/** The payment to record when Shopify changed it since `before` and the order does not have it yet. */
export function paymentOf(
  now: ShopifyContent,
  before: ShopifyContent | null,
  order: OrderView,
): ShopifyContent['payment'] | undefined {
  const changed = before === null || !same(now.payment, before.payment);
  const recorded = same(now.payment, { status: order.payment.status, amount: order.payment.amount });
  return changed && !recorded ? now.payment : undefined;
}

const labels: Record<EditableField, string> = {
  customer: 'customer',
  ship_to: 'shipping address',
  billing_address: 'billing address',
  lines: 'lines',
  shipping: 'shipping',
  discounts: 'discounts',
};

/** The fields of an edit as a person reads them: "shipping address, lines". */
export const describeEdit = (edit: UpdateOrder) =>
  editableFields
    .filter((field) => edit[field] !== undefined)
    .map((field) => labels[field])
    .join(', ');
