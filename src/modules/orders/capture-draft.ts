import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { bodyError, type FieldError } from '../../errors.js';
import {
  inactivePartOf,
  type ProductWithKit,
  type ProductWithKitRow,
  productsWithKits,
  productsWithKitsSelect,
} from '../catalog/index.js';
import { evaluateFraud, type FraudAssessment, type FraudFacts, type FraudRuleSet } from '../fraud/index.js';
import type { UsageRow } from '../routing/index.js';
import { orderPriority } from '../routing/index.js';
import { addressHold, addressKey, type HoldNeed, onTerms, paymentNeed, totalsOf } from './checks.js';
import type { CaptureAccount } from './deps.js';
import { withComponentLines } from './kit-lines.js';
import type { ChannelPolicy, LineRow, OrderRow } from './order-store.js';
import type { CreateOrder } from './orders.schemas.js';

/** A validated order, ready to be written: everything but what the database assigns. */
export interface CaptureDraft {
  channel: ChannelPolicy;
  order: Omit<OrderRow, 'id' | 'number' | 'status' | 'createdAt' | 'updatedAt'>;
  lines: Array<Omit<LineRow, 'id' | 'orderId'>>;
  /** Holds the checks call for (address, payment, fraud review); stock is decided here. */
  needs: HoldNeed[];
  /** Set when fraud rules reject the order: it is recorded cancelled and reserves nothing. */
  rejection?: string;
  now: Date;
  /** When an allocated order is released, if not after the channel's edit window (an exchange waits). */
  releaseAt?: Date;
  /** An order on an account's terms: its credit is checked under the account's lock before stock's. */
  creditAccountId?: string;
}

export interface CaptureContext {
  channel: ChannelPolicy | undefined;
  /** The lines' products and the components of the kits among them, by SKU. */
  products: Map<string, ProductWithKit>;
  velocity: { seen: boolean; byEmail: number; byAddress: number };
  usage: UsageRow[];
  /** The account named on the order (null: named but unknown; undefined: none named). */
  account?: CaptureAccount | null;
}

/**
 * Velocity counts stop here: rules compare them with small numbers, and counting every order of a
 * busy address (a pickup point, a flash sale's warehouse) would make each capture slower than the last.
 */
const velocityCap = 100;

/** The payment an order on terms is recorded with: the account pays by invoice. */
const onTermsPayment = { status: 'pending', amount: 0, method: 'terms' } as const;

/**
 * Everything capture reads before its transaction, in one round trip: the channel, the lines'
 * products, the counts of earlier orders that fraud rules look at, and the locations' usage today.
 */
export async function captureContext(
  db: Executor,
  input: CreateOrder,
  channelCode: string,
  placedAt: Date,
  usageSelect: ReturnType<typeof sql>,
  accountSelect?: SQL,
): Promise<CaptureContext> {
  const since = new Date(placedAt.getTime() - 3_600_000);
  const skus = sql.param([...new Set(input.lines.map((line) => line.sku))]);
  const email = input.customer.email.toLowerCase();
  const result = await db.execute<{
    channel: Record<string, unknown> | null;
    products: ProductWithKitRow[];
    seen: boolean;
    by_email: number;
    by_address: number;
    usage: UsageRow[];
    account: CaptureAccount | null;
  }>(sql`
    SELECT (SELECT to_jsonb(c) FROM channels c WHERE c.code = ${channelCode}) AS channel,
           (${productsWithKitsSelect(skus)}) AS products,
           EXISTS (SELECT 1 FROM orders WHERE customer_email = ${email}) AS seen,
           (SELECT count(*)::int FROM (SELECT FROM orders WHERE customer_email = ${email} AND placed_at > ${since}
                                        LIMIT ${velocityCap}) AS e) AS by_email,
           (SELECT count(*)::int FROM (SELECT FROM orders WHERE address_key = ${addressKey(input.ship_to)} AND placed_at > ${since}
                                        LIMIT ${velocityCap}) AS a) AS by_address,
           (${usageSelect}) AS usage,
           ${accountSelect ? sql`(${accountSelect})` : sql`NULL::jsonb`} AS account`);
  const row = result.rows[0];
  const channel = row?.channel;
  return {
    channel:
      channel && channel.active === true
        ? {
            id: Number(channel.id),
            code: String(channel.code),
            priority: Number(channel.priority),
            allowBackorders: channel.allow_backorders === true,
            heldReservationMinutes: Number(channel.held_reservation_minutes),
            releaseDelayMinutes: Number(channel.release_delay_minutes),
          }
        : undefined,
    products: productsWithKits(row?.products ?? []),
    velocity: { seen: row?.seen ?? false, byEmail: row?.by_email ?? 0, byAddress: row?.by_address ?? 0 },
    usage: row?.usage ?? [],
    ...(accountSelect ? { account: row?.account ?? null } : {}),
  };
}

/** Why the order cannot be placed for the account it names: unknown, inactive, other currency, not a buyer. */
function accountErrors(input: CreateOrder, account: CaptureAccount | null | undefined): FieldError[] {
  if (input.account === undefined) {
    return input.payment ? [] : [bodyError('/payment', 'is required for an order not placed for an account')];
  }
  if (!account) {
    return [bodyError('/account', `"${input.account}" is not a known account`)];
  }
  if (!account.active) {
    return [bodyError('/account', `account "${account.code}" is not active`)];
  }
  const errors: FieldError[] = [];
  if (input.currency !== account.currency) {
    errors.push(
      bodyError('/currency', `account "${account.code}" buys in ${account.currency}, not ${input.currency}`),
    );
  }
  const email = input.customer.email.toLowerCase();
  if (account.buyers.length > 0 && !account.buyers.includes(email)) {
    errors.push(bodyError('/customer/email', `${email} is not a buyer of account "${account.code}"`));
  }
  if (!input.payment && account.terms === 'prepaid') {
    errors.push(bodyError('/payment', `is required: account "${account.code}" is prepaid`));
  }
  return errors;
}

/** Why the order cannot be captured as sent: unknown or inactive SKUs and channel, discounts above its cost. */
export function captureErrors(
  input: CreateOrder,
  context: CaptureContext,
  channelCode: string,
): FieldError[] {
  const errors = input.lines.flatMap((line, i) => {
    const product = context.products.get(line.sku);
    const inactivePart = product && inactivePartOf(product, context.products);
    if (product?.active && inactivePart) {
      return [
        bodyError(`/lines/${i}/sku`, `kit "${line.sku}" contains "${inactivePart.sku}", which is not active`),
      ];
    }
    return product?.active
      ? []
      : [
          bodyError(
            `/lines/${i}/sku`,
            product ? `"${line.sku}" is not an active product` : `"${line.sku}" is not a known SKU`,
          ),
        ];
  });
  if (!context.channel) {
    errors.unshift(bodyError('/channel', `"${channelCode}" is not an active channel`));
  }
  errors.push(...accountErrors(input, context.account));
  const totals = totalsOf(input.lines, input.discounts ?? [], input.shipping.amount);
  if (totals.total < 0) {
    errors.push(bodyError('/discounts', `discounts of ${totals.discount_total} exceed what the order costs`));
  }
  return errors;
}

/** The facts fraud rules see about this order. */
function fraudFacts(input: CreateOrder, channel: string, total: number, context: CaptureContext): FraudFacts {
  const quantities = new Map<string, number>();
  for (const line of input.lines) {
    quantities.set(line.sku, (quantities.get(line.sku) ?? 0) + line.quantity);
  }
  const billingCountry = input.billing_address?.country ?? null;
  return {
    total,
    currency: input.currency,
    subtotal: input.lines.reduce((sum, line) => sum + line.quantity * line.unit_price, 0),
    channel,
    service_level: input.shipping.service_level,
    shipping_country: input.ship_to.country,
    billing_country: billingCountry,
    countries_differ: billingCountry !== null && billingCountry !== input.ship_to.country,
    avs_result: input.payment?.avs_result ?? null,
    cvv_result: input.payment?.cvv_result ?? null,
    payment_method: input.payment?.method ?? (input.account === undefined ? null : 'terms'),
    first_order_of_email: !context.velocity.seen,
    orders_from_email_last_hour: context.velocity.byEmail,
    orders_from_address_last_hour: context.velocity.byAddress,
    max_sku_quantity: Math.max(...quantities.values()),
    line_count: input.lines.length,
    unit_count: input.lines.reduce((sum, line) => sum + line.quantity, 0),
    tags: input.tags ?? [],
  };
}

/** The fraud rules' verdict on the order (rules that fail to run count as not firing). */
export const riskOf = (
  input: CreateOrder,
  channel: ChannelPolicy,
  context: CaptureContext,
  ruleSet: FraudRuleSet,
): FraudAssessment => {
  const totals = totalsOf(input.lines, input.discounts ?? [], input.shipping.amount);
  return evaluateFraud(fraudFacts(input, channel.code, totals.total, context), ruleSet);
};

/** The holds the checks call for: address, payment, and a fraud review when the score asks for one. */
function checkNeeds(
  input: CreateOrder,
  order: CaptureDraft['order'],
  risk: Omit<FraudAssessment, 'errors'>,
): HoldNeed[] {
  const review: HoldNeed | undefined =
    risk.decision === 'review'
      ? {
          kind: 'fraud',
          reason: `risk score ${risk.score}: ${risk.reasons.join('; ')}`,
          details: { ...risk },
        }
      : undefined;
  return [addressHold(input.ship_to, input.shipping.service_level), paymentNeed(order), review].filter(
    (need): need is HoldNeed => need !== undefined,
  );
}

/** The order as it will be written, checked and scored, before stock is reserved. */
export function buildDraft(
  input: CreateOrder,
  context: CaptureContext & { channel: ChannelPolicy },
  risk: Omit<FraudAssessment, 'errors'>,
  facts: { placedAt: Date; now: Date; createdBy: string; releaseAt?: Date },
): CaptureDraft {
  const { channel } = context;
  const discounts = input.discounts ?? [];
  const totals = totalsOf(input.lines, discounts, input.shipping.amount);
  const rejected = risk.decision === 'reject';
  const account = context.account ?? undefined;
  const terms = account?.terms ?? null;
  const order: CaptureDraft['order'] = {
    channelId: channel.id,
    externalId: input.external_id,
    releaseDueAt: null,
    refundedTotal: 0,
    // Nothing has shipped yet: the first shipping refreshes them.
    shipmentCount: 0,
    lineCount: 0,
    linesFilled: 0,
    customer: input.customer,
    customerEmail: input.customer.email.toLowerCase(),
    shipTo: input.ship_to,
    addressKey: addressKey(input.ship_to),
    billingAddress: input.billing_address ?? null,
    currency: input.currency,
    serviceLevel: input.shipping.service_level,
    shippingAmount: totals.shipping,
    discounts,
    subtotal: totals.subtotal,
    discountTotal: totals.discount_total,
    taxTotal: totals.tax_total,
    total: totals.total,
    // On terms the account pays by invoice: whatever payment was sent, the order's is pending.
    payment: terms !== null && terms !== 'prepaid' ? onTermsPayment : (input.payment ?? onTermsPayment),
    risk,
    // An account's priority counts like a channel's: the higher of the two.
    priority: orderPriority(
      input.shipping.service_level,
      Math.max(channel.priority, account?.priority ?? channel.priority),
    ),
    tags: input.tags ?? [],
    metadata: input.metadata ?? {},
    placedAt: facts.placedAt,
    cancelReason: null,
    createdBy: facts.createdBy,
    destination: null,
    routing: null,
    promisedDeliveryDate: null,
    accountId: account?.id ?? null,
    paymentTerms: terms as CaptureDraft['order']['paymentTerms'],
    accountPriority: account?.priority ?? null,
  };
  return {
    channel,
    now: facts.now,
    ...(facts.releaseAt ? { releaseAt: facts.releaseAt } : {}),
    order,
    lines: draftLines(input, context.products, rejected),
    needs: rejected ? [] : checkNeeds(input, order, risk),
    ...(rejected ? { rejection: `fraud: ${risk.reasons.join('; ')}` } : {}),
    // Credit is checked in the capture's transaction, under the account's lock.
    ...(account && onTerms(order) && !rejected ? { creditAccountId: account.id } : {}),
  };
}

/** The order's lines as written: the customer's, then the components of its kits. */
function draftLines(input: CreateOrder, products: CaptureContext['products'], rejected: boolean) {
  const kits = new Map([...products.values()].flatMap((p) => (p.kit ? [[p.id, p.kit] as const] : [])));
  return withComponentLines(
    input.lines.map((line, i) => ({
      lineNumber: i + 1,
      productId: products.get(line.sku)?.id ?? 0,
      sku: line.sku,
      quantity: line.quantity,
      unitPrice: line.unit_price,
      taxAmount: line.tax_amount ?? 0,
      quantityAllocated: 0,
      quantityBackordered: 0,
      quantityCancelled: rejected ? line.quantity : 0,
      quantityShipped: 0,
      quantityReturned: 0,
      quantityRefunded: 0,
      amountRefunded: 0,
      kitSplit: null,
      kitLineNumber: null,
      unitsPerKit: null,
    })),
    (productId) => kits.get(productId),
  );
}
