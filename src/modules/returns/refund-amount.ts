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
