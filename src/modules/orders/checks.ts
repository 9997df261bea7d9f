import type { FieldError } from '../../errors.js';
import type { Address } from '../addresses/index.js';
import { addressErrors } from '../addresses/index.js';

/**
 * The validation checks of order capture that hold an order rather than refuse it. Pure: they see
 * only the order, so the same rules run at capture, on edit and when a hold is released.
 */

export interface HoldNeed {
  kind: 'address' | 'payment' | 'fraud' | 'stock' | 'routing_review' | 'manual' | 'credit';
  reason: string;
  details: Record<string, unknown>;
}

/** Services whose carriers do not deliver to post-office boxes. */
const noPoBox = new Set(['express', 'same_day']);
const poBox = /\b(p\.?\s*o\.?\s*box|post\s+office\s+box|postfach|apartado\s+postal|casilla)\b/i;

export function addressHold(shipTo: Address, serviceLevel: string): HoldNeed | undefined {
  const problems: Array<Pick<FieldError, 'pointer' | 'detail'>> = addressErrors(shipTo, '/ship_to').map(
    ({ pointer, detail }) => ({
      pointer,
      detail,
    }),
  );
  if (
    noPoBox.has(serviceLevel) &&
    [shipTo.line1, shipTo.line2].some((line) => line !== undefined && poBox.test(line))
  ) {
    problems.push({ pointer: '/ship_to/line1', detail: `${serviceLevel} delivery cannot go to a PO box` });
  }
  return problems.length === 0
    ? undefined
    : { kind: 'address', reason: problems.map((p) => p.detail).join('; '), details: { problems } };
}

export interface PaymentFacts {
  status: 'pending' | 'authorized' | 'captured' | 'failed';
  amount: number;
}

/** An order of a B2B account on terms (anything but prepaid): the terms stand in for a card payment. */
export const onTerms = (order: { paymentTerms: string | null }) =>
  order.paymentTerms !== null && order.paymentTerms !== 'prepaid';

/** The payment check, unless the order is on terms (its payment stays pending, and that is no hold). */
export const paymentNeed = (order: {
  paymentTerms: string | null;
  payment: PaymentFacts;
  total: number;
  currency: string;
}): HoldNeed | undefined =>
  onTerms(order) ? undefined : paymentHold(order.payment, order.total, order.currency);

export function paymentHold(payment: PaymentFacts, total: number, currency: string): HoldNeed | undefined {
  if (payment.status === 'failed' || payment.status === 'pending') {
    return { kind: 'payment', reason: `payment is ${payment.status}`, details: { status: payment.status } };
  }
  if (payment.amount !== total) {
    return {
      kind: 'payment',
      reason: `paid ${payment.amount} ${currency} but the order totals ${total} ${currency}`,
      details: { paid: payment.amount, total },
    };
  }
  return undefined;
}

export interface Totals {
  subtotal: number;
  discount_total: number;
  shipping: number;
  tax_total: number;
  total: number;
}

export function totalsOf(
  lines: Array<{ quantity: number; unit_price: number; tax_amount?: number }>,
  discounts: Array<{ amount: number }>,
  shipping: number,
): Totals {
  const subtotal = lines.reduce((sum, line) => sum + line.quantity * line.unit_price, 0);
  const taxTotal = lines.reduce((sum, line) => sum + (line.tax_amount ?? 0), 0);
  const discountTotal = discounts.reduce((sum, discount) => sum + discount.amount, 0);
  return {
    subtotal,
    discount_total: discountTotal,
    shipping,
    tax_total: taxTotal,
    total: subtotal - discountTotal + shipping + taxTotal,
  };
}

/** Lower-cased line1 + postal code + country: the same door however it was typed. */
export const addressKey = (address: Address) =>
  [address.line1, address.postal_code ?? '', address.country]
    .map((part) => part.toLowerCase().replace(/[^a-z0-9]/g, ''))
    .join('|');
