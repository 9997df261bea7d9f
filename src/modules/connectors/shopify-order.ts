import { Value } from 'typebox/value';
import { type CreateOrder, CreateOrderSchema } from '../orders/index.js';
import { toMinor, UnreadableDelivery } from './shopify-money.js';

/**
 * A Shopify order (REST webhook shape: snake_case, money as decimal strings) as an Ordo order to capture.
 * Pure. What cannot be read at all throws UnreadableDelivery; what can be read but not captured as sent
 * (an address Ordo would refuse) is repaired and reported in `problems`, so the order is held, not lost.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);
const text = (value: unknown, max = 200): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, max) : undefined;

export interface ShopifyFacts {
  id: string;
  updatedAt: Date;
  cancelledAt: Date | null;
  cancelReason: string | null;
  financialStatus: string | null;
}

/** The fields every topic needs: the order's id and times. */
export function readFacts(body: unknown): ShopifyFacts {
  if (!isObject(body)) {
    throw new UnreadableDelivery('the body is not a JSON object');
  }
  const id = typeof body.id === 'number' || typeof body.id === 'string' ? String(body.id) : '';
  if (!/^\d{1,30}$/.test(id)) {
    throw new UnreadableDelivery('the order has no numeric `id`');
  }
  const updatedAt = new Date(String(body.updated_at ?? body.created_at ?? ''));
  if (Number.isNaN(updatedAt.getTime())) {
    throw new UnreadableDelivery('the order has no readable `updated_at`');
  }
  const cancelled = text(body.cancelled_at);
  return {
    id,
    updatedAt,
    cancelledAt: cancelled && !Number.isNaN(Date.parse(cancelled)) ? new Date(cancelled) : null,
    cancelReason: text(body.cancel_reason) ?? null,
    financialStatus: text(body.financial_status) ?? null,
  };
}

const paymentStatuses: Record<string, NonNullable<CreateOrder['payment']>['status']> = {
  pending: 'pending',
  authorized: 'authorized',
  partially_paid: 'authorized',
  paid: 'captured',
  partially_refunded: 'captured',
  refunded: 'captured',
  voided: 'failed',
};

/** Shopify's `financial_status` as Ordo's payment status (unknown statuses are pending). */
export const paymentStatusOf = (status: string | null) => paymentStatuses[status ?? ''] ?? 'pending';

const sum = (rows: Json[], currency: string, field: string) =>
  rows.reduce((total, row, i) => total + toMinor(row.price ?? row.amount, currency, `${field}/${i}`), 0);

function serviceLevelOf(shippingLines: Json[]): CreateOrder['shipping']['service_level'] {
  const names = shippingLines.map((line) => `${line.code ?? ''} ${line.title ?? ''}`).join(' ');
  if (/same[\s_-]?day/i.test(names)) {
    return 'same_day';
  }
  return /express|overnight|next[\s_-]?day|priority|2[\s_-]?day/i.test(names) ? 'express' : 'standard';
}

/** A Shopify address as Ordo's; what Ordo needs and lacks is reported, with a placeholder kept in place. */
function addressOf(raw: unknown, problems: string[], label: string): CreateOrder['ship_to'] {
  const a = isObject(raw) ? raw : {};
  const name = text(a.name) ?? text([a.first_name, a.last_name].filter(Boolean).join(' '));
  const country = text(a.country_code, 2)?.toUpperCase();
  const line1 = text(a.address1);
  if (!line1) {
    problems.push(`${label} has no street line (address1)`);
  }
  if (!country || !/^[A-Z]{2}$/.test(country)) {
    problems.push(`${label} has no country_code`);
  }
  const optional = {
    name,
    company: text(a.company),
    line2: text(a.address2),
    city: text(a.city, 100),
    region: text(a.province_code, 100) ?? text(a.province, 100),
    postal_code: text(a.zip, 20),
    phone: text(a.phone, 40),
  };
  const given = Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined));
  return {
    ...given,
    line1: line1 ?? '(missing)',
    country: country && /^[A-Z]{2}$/.test(country) ? country : 'ZZ',
  };
}

/** Discounts by discount application (lines and shipping), named by their code when Shopify gave one. */
function discountsOf(
  body: Json,
  lines: Json[],
  shipping: Json[],
  currency: string,
): CreateOrder['discounts'] {
  const byApplication = new Map<number, number>();
  for (const [i, row] of [...lines, ...shipping].entries()) {
    for (const [j, allocation] of list(row.discount_allocations).entries()) {
      const index = Number(allocation.discount_application_index ?? 0);
      const amount = toMinor(allocation.amount, currency, `discount_allocations/${i}/${j}`);
      byApplication.set(index, (byApplication.get(index) ?? 0) + amount);
    }
  }
  const applications = list(body.discount_applications);
  const codes = list(body.discount_codes);
  return [...byApplication.entries()]
    .filter(([, amount]) => amount > 0)
    .map(([index, amount]) => {
      const code = text(applications[index]?.code, 100) ?? text(codes[index]?.code, 100);
      const description = text(applications[index]?.title) ?? text(applications[index]?.description);
      return { amount, ...(code ? { code } : {}), ...(description ? { description } : {}) };
    });
}

function linesOf(items: Json[], currency: string): CreateOrder['lines'] {
  return items.map((item, i) => {
    const quantity = Number(item.quantity);
    if (!Number.isInteger(quantity) || quantity < 1) {
      throw new UnreadableDelivery(`line_items/${i}: quantity must be a positive integer`);
    }
    const tax = sum(list(item.tax_lines), currency, `line_items/${i}/tax_lines`);
    return {
      sku: text(item.sku, 128) ?? `shopify-variant-${String(item.variant_id ?? item.id ?? i)}`,
      quantity,
      unit_price: toMinor(item.price, currency, `line_items/${i}/price`),
      ...(tax > 0 ? { tax_amount: tax } : {}),
    };
  });
}

const billingReadable = (raw: unknown) =>
  isObject(raw) && text(raw.address1) !== undefined && /^[A-Za-z]{2}$/.test(String(raw.country_code ?? ''));

const placedAt = (createdAt: unknown, updatedAt: Date) => {
  const at = new Date(String(createdAt ?? ''));
  return (Number.isNaN(at.getTime()) ? updatedAt : at).toISOString();
};

export interface MappedOrder {
  order: CreateOrder;
  /** Why the order must be held (it was repaired to be captured at all). */
  problems: string[];
}

/**
 * The Ordo order for a Shopify order. Shipping taxes are added to the shipping amount (Ordo taxes
 * lines only), so the total stays Shopify's `total_price`; the payment is Shopify's total when paid.
 */
export function toOrder(body: unknown, shop: { channel: string; domain: string }): MappedOrder {
  const facts = readFacts(body);
  const order = body as Json;
  const currency = text(order.currency, 3) ?? '';
  const items = list(order.line_items).filter((item) => item.requires_shipping !== false || item.sku);
  if (items.length === 0 || items.length > 500) {
    throw new UnreadableDelivery('the order has no line items (or more than 500)');
  }
  const problems: string[] = [];
  const shippingLines = list(order.shipping_lines);
  const shippingTax = shippingLines.reduce(
    (total, line, i) => total + sum(list(line.tax_lines), currency, `shipping_lines/${i}/tax_lines`),
    0,
  );
  const shipTo = addressOf(order.shipping_address ?? order.billing_address, problems, 'the shipping address');
  const email = text(order.email, 254) ?? text(order.contact_email, 254);
  const status = paymentStatusOf(facts.financialStatus);
  const total = toMinor(order.total_price ?? '0', currency, 'total_price');
  const outstanding =
    order.total_outstanding === undefined
      ? 0
      : toMinor(order.total_outstanding, currency, 'total_outstanding');
  const mapped: CreateOrder = {
    channel: shop.channel,
    external_id: facts.id,
    customer: {
      email: email ?? `shopify-${facts.id}@${shop.domain}`,
      ...(shipTo.name ? { name: shipTo.name } : {}),
      ...(text(order.phone, 40) ? { phone: text(order.phone, 40) } : {}),
    },
    ship_to: shipTo,
    ...(billingReadable(order.billing_address)
      ? { billing_address: addressOf(order.billing_address, [], 'the billing address') }
      : {}),
    lines: linesOf(items, currency),
    currency,
    shipping: {
      service_level: serviceLevelOf(shippingLines),
      amount: sum(shippingLines, currency, 'shipping_lines') + shippingTax,
    },
    discounts: discountsOf(order, items, shippingLines, currency),
    payment: {
      status,
      amount: status === 'pending' || status === 'failed' ? 0 : Math.max(0, total - outstanding),
      ...(text(order.gateway, 50) ? { method: text(order.gateway, 50) } : {}),
    },
    tags: ['shopify'],
    metadata: {
      shopify_order_id: facts.id,
      shopify_order_name: text(order.name) ?? null,
      shopify_financial_status: facts.financialStatus,
      shop: shop.domain,
    },
    placed_at: placedAt(order.created_at, facts.updatedAt),
  };
  // Capture trusts its caller to have validated the shape (the API does): check what the mapping made.
  const [error] = Value.Errors(CreateOrderSchema, mapped);
  if (error) {
    throw new UnreadableDelivery(`the order does not fit Ordo: ${error.instancePath} ${error.message}`);
  }
  return { order: mapped, problems };
}
