import type { RefundBreakdown } from '../../db/schema/returns.js';

/**
 * What a refund gives back, from what the customer paid: each unit's price, less its share of the
 * order's discounts (rounded up, so refunds never exceed what was paid), plus its share of the line's
 * tax. Amounts are computed cumulatively per line, so refunding a line in several returns adds up to
 * exactly what refunding it at once would.
 */

export interface PaidLine {
  quantity: number;
  unitPrice: number;
  taxAmount: number;
}

export interface PaidOrder {
  subtotal: number;
  discountTotal: number;
}

/** What the customer paid for the first `units` units of a line. */
export function paidForUnits(line: PaidLine, order: PaidOrder, units: number): number {
  if (units <= 0) {
    return 0;
  }
  const gross = units * line.unitPrice;
  const discount = order.subtotal > 0 ? Math.ceil((order.discountTotal * gross) / order.subtotal) : 0;
  const tax = Math.floor((line.taxAmount * units) / line.quantity);
  return Math.max(0, gross - discount + tax);
}

export interface RefundLine extends PaidLine {
  orderLineId: number;
  sku: string;
  /** Units refunded before this refund. */
  refundedBefore: number;
  /** Units this refund covers. */
  units: number;
  /** Percent kept as a restocking fee for these units' return reason. */
  restockingFeePercent: number;
}

export interface RefundInput {
  order: PaidOrder & { shippingAmount: number; paid: number };
  lines: RefundLine[];
  /** Everything refunded (or being refunded) for the order so far, shipping included. */
  refundedSoFar: number;
  shippingRefundedSoFar: number;
  /** Whether this refund gives the shipping charge back (by the channel's policy). */
  refundShipping: boolean;
}

/** The refund's amount and how it breaks down by line, shipping and fee. */
export type RefundComputation = RefundBreakdown & { amount: number };

export function computeRefund(input: RefundInput): RefundComputation {
  const lines = input.lines
    .filter((line) => line.units > 0)
    .map((line) => {
      const value =
        paidForUnits(line, input.order, line.refundedBefore + line.units) -
        paidForUnits(line, input.order, line.refundedBefore);
      const fee = Math.floor((value * line.restockingFeePercent) / 100);
      return {
        order_line_id: line.orderLineId,
        sku: line.sku,
        quantity: line.units,
        amount: value - fee,
        restocking_fee: fee,
      };
    });
  const shipping = input.refundShipping
    ? Math.max(0, input.order.shippingAmount - input.shippingRefundedSoFar)
    : 0;
  const wanted = lines.reduce((sum, line) => sum + line.amount, 0) + shipping;
  // Never more than what was paid and not yet given back.
  const amount = Math.max(0, Math.min(wanted, input.order.paid - input.refundedSoFar));
  return {
    amount,
    lines,
    shipping: Math.min(shipping, amount),
    restocking_fee: lines.reduce((sum, line) => sum + line.restocking_fee, 0),
  };
}

/** A return line as the refund sees it: what was asked back, what arrived, what was refunded. */
export interface ReturnedLine {
  id: number;
  sku: string;
  quantity: number;
  /** Units received back (sellable or not). */
  received: number;
  /** Units refunded so far. */
  refunded: number;
}

/**
 * Which returned units an exchange replaces, per return line id: each replacement unit stands for one
 * returned unit, like for like first (a replacement of the same SKU), then in the order the return
 * lists its lines. Never more than a line asks back, and no more in all than the replacement units.
 */
export function exchangedUnits(
  lines: ReadonlyArray<Pick<ReturnedLine, 'id' | 'sku' | 'quantity'>>,
  replacement: ReadonlyArray<{ sku: string; quantity: number }>,
): Map<number, number> {
  const exchanged = new Map<number, number>(lines.map((line) => [line.id, 0]));
  const left = (line: Pick<ReturnedLine, 'id' | 'quantity'>) => line.quantity - (exchanged.get(line.id) ?? 0);
  let unmatched = 0;
  for (const wanted of replacement) {
    let units = Math.max(0, wanted.quantity);
    for (const line of lines.filter((l) => l.sku === wanted.sku)) {
      const take = Math.min(units, left(line));
      exchanged.set(line.id, (exchanged.get(line.id) ?? 0) + take);
      units -= take;
    }
    unmatched += units;
  }
  for (const line of lines) {
    const take = Math.min(unmatched, left(line));
    exchanged.set(line.id, (exchanged.get(line.id) ?? 0) + take);
    unmatched -= take;
  }
  return exchanged;
}

/**
 * Units of each return line a refund may cover now: those received and not refunded yet, less the
 * line's exchanged units, which are never refunded (the customer gets the replacement instead). The
 * first units to arrive are the exchanged ones, so a partly received exchange refunds nothing until
 * more than the exchanged units are back.
 */
export function refundableUnits(
  lines: readonly ReturnedLine[],
  replacement: ReadonlyArray<{ sku: string; quantity: number }>,
): Map<number, number> {
  const exchanged = exchangedUnits(lines, replacement);
  return new Map(
    lines.map((line) => [
      line.id,
      Math.max(0, line.received - (exchanged.get(line.id) ?? 0) - line.refunded),
    ]),
  );
}

/**
 * Whether a refund gives the shipping charge back, by the channel's policy: `always` with any refund
 * of units, `full_return` with the refund after which every shipped unit of the order is refunded.
 * Exchanged units are never refunded, so an order with an exchange is never a full return.
 */
export function refundsShipping(
  policy: 'never' | 'full_return' | 'always',
  facts: { shippedUnits: number; refundedUnitsAfter: number; unitsNow: number },
): boolean {
  if (policy === 'never' || facts.unitsNow <= 0) {
    return false;
  }
  return policy === 'always' || facts.refundedUnitsAfter >= facts.shippedUnits;
}
