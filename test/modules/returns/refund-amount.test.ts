import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeRefund,
  exchangedUnits,
  paidForUnits,
  type ReturnedLine,
  refundableUnits,
  refundsShipping,
} from '../../../src/modules/returns/refund-amount.js';

const skus = ['A', 'B', 'C'];

/** Return lines (ids 1..n) and the replacement lines of an exchange, some of another SKU. */
const returnedLines = fc
  .array(fc.record({ sku: fc.constantFrom(...skus), quantity: fc.integer({ min: 1, max: 5 }) }), {
    minLength: 1,
    maxLength: 4,
  })
  .map((lines) => lines.map((line, i) => ({ id: i + 1, ...line })));
const replacementLines = fc.array(
  fc.record({ sku: fc.constantFrom(...skus, 'Z'), quantity: fc.integer({ min: 1, max: 6 }) }),
  { maxLength: 3 },
);

const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);

describe('exchangedUnits', () => {
  it('replaces one returned unit per replacement unit, like for like first, never more than a line asks back', () => {
    fc.assert(
      fc.property(returnedLines, replacementLines, (lines, replacement) => {
        const exchanged = exchangedUnits(lines, replacement);
        for (const line of lines) {
          const units = exchanged.get(line.id) ?? -1;
          expect(units).toBeGreaterThanOrEqual(0);
          expect(units).toBeLessThanOrEqual(line.quantity);
        }
        const returned = sum(lines.map((l) => l.quantity));
        expect(sum(exchanged.values())).toBe(Math.min(returned, sum(replacement.map((r) => r.quantity))));
        for (const sku of skus) {
          const asked = sum(replacement.filter((r) => r.sku === sku).map((r) => r.quantity));
          const back = lines.filter((l) => l.sku === sku);
          const covered = sum(back.map((l) => exchanged.get(l.id) ?? 0));
          expect(covered).toBeGreaterThanOrEqual(Math.min(asked, sum(back.map((l) => l.quantity))));
        }
      }),
    );
  });

  it('takes the same SKU first, then lines in the order the return lists them', () => {
    const lines = [
      { id: 1, sku: 'A', quantity: 1 },
      { id: 2, sku: 'B', quantity: 2 },
      { id: 3, sku: 'C', quantity: 1 },
    ];
    expect([...exchangedUnits(lines, [{ sku: 'C', quantity: 1 }])]).toEqual([
      [1, 0],
      [2, 0],
      [3, 1],
    ]);
    expect([...exchangedUnits(lines, [{ sku: 'Z', quantity: 2 }])]).toEqual([
      [1, 1],
      [2, 1],
      [3, 0],
    ]);
    expect([...exchangedUnits(lines, [])]).toEqual([
      [1, 0],
      [2, 0],
      [3, 0],
    ]);
  });
});

describe('refundsShipping', () => {
  it('gives shipping back only with units refunded now, as the policy says', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('never' as const, 'full_return' as const, 'always' as const),
        fc.nat(20),
        fc.nat(20),
        fc.nat(5),
        (policy, shippedUnits, refundedUnitsAfter, unitsNow) => {
          const due = refundsShipping(policy, { shippedUnits, refundedUnitsAfter, unitsNow });
          const expected =
            unitsNow > 0 &&
            (policy === 'always' || (policy === 'full_return' && refundedUnitsAfter >= shippedUnits));
          expect(due).toBe(expected);
        },
      ),
    );
  });
});

/**
 * A whole return played out as refund.ts plays it: units arrive in random batches, and after each a
 * refund covers what `refundableUnits` allows, priced by `computeRefund` with shipping by
 * `refundsShipping`. Every order line was shipped in full and is on the return (`extra` units of it stay
 * with the customer).
 */
const scenario = fc
  .record({
    lines: returnedLines,
    replacement: replacementLines,
    prices: fc.array(
      fc.record({
        unitPrice: fc.integer({ min: 0, max: 5000 }),
        taxAmount: fc.integer({ min: 0, max: 900 }),
        extra: fc.nat(2),
      }),
      { minLength: 4, maxLength: 4 },
    ),
    discountShare: fc.double({ min: 0, max: 1, noNaN: true }),
    shippingAmount: fc.integer({ min: 0, max: 1500 }),
    policy: fc.constantFrom('never' as const, 'full_return' as const, 'always' as const),
    receipts: fc.array(fc.record({ line: fc.nat(3), units: fc.integer({ min: 1, max: 3 }) }), {
      maxLength: 12,
    }),
  })
  .map((s) => {
    const orderLines = s.lines.map((line, i) => {
      const price = s.prices[i] ?? { unitPrice: 0, taxAmount: 0, extra: 0 };
      return { ...price, quantity: line.quantity + price.extra };
    });
    const subtotal = sum(orderLines.map((l) => l.quantity * l.unitPrice));
    const discountTotal = Math.floor(subtotal * s.discountShare);
    const tax = sum(orderLines.map((l) => l.taxAmount));
    return {
      ...s,
      orderLines,
      subtotal,
      discountTotal,
      paid: subtotal - discountTotal + tax + s.shippingAmount,
    };
  });

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function playOut(s: Scenario) {
  const state: ReturnedLine[] = s.lines.map((line) => ({ ...line, received: 0, refunded: 0 }));
  const order = {
    subtotal: s.subtotal,
    discountTotal: s.discountTotal,
    shippingAmount: s.shippingAmount,
    paid: s.paid,
  };
  const shippedUnits = sum(s.orderLines.map((l) => l.quantity));
  let refundedSoFar = 0;
  let shippingRefundedSoFar = 0;
  const refunds: Array<ReturnType<typeof computeRefund>> = [];
  for (const receipt of s.receipts) {
    const line = state[receipt.line % state.length];
    if (!line) {
      continue;
    }
    line.received = Math.min(line.quantity, line.received + receipt.units);
    const units = refundableUnits(state, s.replacement);
    const unitsNow = sum(units.values());
    if (unitsNow === 0) {
      continue;
    }
    const refundedUnitsAfter = sum(state.map((l) => l.refunded)) + unitsNow;
    const refund = computeRefund({
      order,
      lines: state.map((l, i) => ({
        orderLineId: l.id,
        sku: l.sku,
        quantity: s.orderLines[i]?.quantity ?? 1,
        unitPrice: s.orderLines[i]?.unitPrice ?? 0,
        taxAmount: s.orderLines[i]?.taxAmount ?? 0,
        refundedBefore: l.refunded,
        units: units.get(l.id) ?? 0,
        restockingFeePercent: 0,
      })),
      refundedSoFar,
      shippingRefundedSoFar,
      refundShipping: refundsShipping(s.policy, { shippedUnits, refundedUnitsAfter, unitsNow }),
    });
    refunds.push(refund);
    refundedSoFar += refund.amount;
    shippingRefundedSoFar += refund.shipping;
    for (const l of state) {
      l.refunded += units.get(l.id) ?? 0;
    }
  }
  return { state, refunds, refundedSoFar, shippingRefundedSoFar, shippedUnits };
}

describe('refunds of a return with an exchange', () => {
  it('never refund an exchanged unit, and refund every other unit that arrived', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { state, refunds } = playOut(s);
        const exchanged = exchangedUnits(s.lines, s.replacement);
        for (const line of state) {
          expect(line.refunded).toBe(Math.max(0, line.received - (exchanged.get(line.id) ?? 0)));
          expect(line.refunded + (exchanged.get(line.id) ?? 0)).toBeLessThanOrEqual(
            Math.max(line.quantity, line.received + (exchanged.get(line.id) ?? 0)),
          );
        }
        const unitsRefunded = sum(refunds.flatMap((r) => r.lines.map((l) => l.quantity)));
        expect(unitsRefunded + sum(exchanged.values())).toBeLessThanOrEqual(
          sum(s.lines.map((l) => l.quantity)),
        );
      }),
    );
  });

  it('pay no more than what the non-exchanged units cost, plus shipping only when the policy gives it', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { state, refundedSoFar, shippingRefundedSoFar } = playOut(s);
        const value = sum(
          state.map((line, i) => {
            const orderLine = s.orderLines[i] ?? { quantity: 1, unitPrice: 0, taxAmount: 0 };
            return paidForUnits(orderLine, s, line.refunded);
          }),
        );
        expect(refundedSoFar).toBeLessThanOrEqual(s.paid);
        expect(refundedSoFar).toBe(value + shippingRefundedSoFar);
        expect(shippingRefundedSoFar).toBeLessThanOrEqual(s.shippingAmount);
        if (s.policy === 'never' || state.every((line) => line.refunded === 0)) {
          expect(shippingRefundedSoFar).toBe(0);
        }
      }),
    );
  });

  it('under full_return, give shipping back for a full return without exchange, never with one', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { state, shippingRefundedSoFar, shippedUnits } = playOut({ ...s, policy: 'full_return' });
        const exchangedTotal = sum(exchangedUnits(s.lines, s.replacement).values());
        if (exchangedTotal > 0) {
          expect(shippingRefundedSoFar).toBe(0);
        } else if (sum(state.map((l) => l.received)) === shippedUnits) {
          expect(shippingRefundedSoFar).toBe(s.shippingAmount);
        }
      }),
    );
  });
});
