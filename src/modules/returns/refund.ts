import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import type { ReturnPolicy } from '../../db/schema/catalog.js';
import { refunds, returnLines, returns } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { appendEvents } from '../events/index.js';
import type { OrderState } from '../orders/index.js';
import type { ReturnDeps } from './deps.js';
import {
  computeRefund,
  type RefundComputation,
  type ReturnedLine,
  refundableUnits,
  refundsShipping,
} from './refund-amount.js';
import {
  lockWithOrder,
  policyOf,
  presentRefund,
  presentReturn,
  type ReturnLineRow,
  type ReturnState,
  reload,
  returnEvent,
  setStatus,
} from './return-store.js';
import type { ReturnView } from './returns.schemas.js';

/** What the order's earlier refunds gave back: in all, of shipping, and units per order line. */
async function refundedBefore(tx: Executor, orderId: string) {
  const [totals] = await tx
    .select({
      amount: sql<number>`coalesce(sum(${refunds.amount}), 0)::bigint`,
      shipping: sql<number>`coalesce(sum((${refunds.breakdown}->>'shipping')::bigint), 0)::bigint`,
    })
    .from(refunds)
    .where(eq(refunds.orderId, orderId));
  const refundedUnits = await tx
    .select({
      lineId: returnLines.orderLineId,
      units: sql<number>`sum(${returnLines.quantityRefunded})::int`,
    })
    .from(returnLines)
    .innerJoin(returns, eq(returns.id, returnLines.returnId))
    .where(eq(returns.orderId, orderId))
    .groupBy(returnLines.orderLineId);
  return {
    amount: Number(totals?.amount ?? 0),
    shipping: Number(totals?.shipping ?? 0),
    units: new Map(refundedUnits.map((row) => [row.lineId, Number(row.units)])),
  };
}

/** The refund of `units` of each return line, by the order's prices and the channel's policy. */
function refundOf(
  order: OrderState,
  policy: ReturnPolicy,
  units: Array<{ line: ReturnLineRow; units: number }>,
  before: Awaited<ReturnType<typeof refundedBefore>>,
): RefundComputation {
  const shippedUnits = order.lines.reduce((sum, line) => sum + line.quantityShipped, 0);
  const unitsNow = units.reduce((sum, u) => sum + u.units, 0);
  const refundedUnitsAfter = [...before.units.values()].reduce((a, b) => a + b, 0) + unitsNow;
  const payment = order.order.payment;
  return computeRefund({
    order: {
      subtotal: order.order.subtotal,
      discountTotal: order.order.discountTotal,
      shippingAmount: order.order.shippingAmount,
      paid: ['captured', 'authorized'].includes(payment.status) ? payment.amount : 0,
    },
    lines: units.map(({ line, units: count }) => {
      const orderLine = order.lines.find((l) => l.id === line.orderLineId);
      return {
        orderLineId: line.orderLineId,
        sku: line.sku,
        quantity: orderLine?.quantity ?? 1,
        unitPrice: orderLine?.unitPrice ?? 0,
        taxAmount: orderLine?.taxAmount ?? 0,
        refundedBefore: before.units.get(line.orderLineId) ?? 0,
        units: count,
        restockingFeePercent: policy.restocking_fee_percent[line.reason] ?? 0,
      };
    }),
    refundedSoFar: before.amount,
    shippingRefundedSoFar: before.shipping,
    refundShipping: refundsShipping(policy.refund_shipping, { shippedUnits, refundedUnitsAfter, unitsNow }),
  });
}

/** The return's lines as the refund arithmetic sees them. */
const returnedLines = (state: ReturnState): ReturnedLine[] =>
  state.lines.map((line) => ({
    id: line.id,
    sku: line.sku,
    quantity: line.quantity,
    received: line.quantityRestocked + line.quantityUnsellable,
    refunded: line.quantityRefunded,
  }));

/**
 * Received units of each line not refunded yet, less the units the exchange replaces; a 409 unless
 * the return is received with some.
 */
function unitsToRefund(state: ReturnState): Array<{ line: ReturnLineRow; units: number }> {
  if (state.ret.status !== 'received') {
    throw new AppError(
      'conflict',
      `A return that is ${state.ret.status} cannot be refunded; it must be received first`,
    );
  }
  const refundable = refundableUnits(returnedLines(state), state.ret.replacementLines);
  const units = state.lines.map((line) => ({ line, units: refundable.get(line.id) ?? 0 }));
  if (units.every((u) => u.units === 0)) {
    throw new AppError(
      'conflict',
      state.ret.replacementLines.length > 0
        ? `Every received unit of return ${state.ret.number} is refunded or replaced by its exchange: nothing is left to refund (close the return when nothing more is coming back)`
        : `Every received unit of return ${state.ret.number} is already refunded`,
    );
  }
  return units;
}

/** Every unit asked back arrived, and every one the exchange does not replace is refunded. */
function fullyRefunded(state: ReturnState): boolean {
  const lines = returnedLines(state);
  const refundable = refundableUnits(lines, state.ret.replacementLines);
  return lines.every((line) => line.received === line.quantity && refundable.get(line.id) === 0);
}

/**
 * Records the refund for received units not yet refunded and not replaced by the return's exchange:
 * what was paid for them (price, less prorated discounts, plus tax), less the restocking fee for their
 * reason, plus shipping by policy, never more than was paid. The payment system is told by a `refund.requested` event.
 */
export function refund(
  deps: Pick<ReturnDeps, 'db' | 'clock' | 'orders'>,
  id: string,
  caller: Caller,
): Promise<ReturnView> {
  return inTransaction(deps.db, async (tx) => {
    const { order, state } = await lockWithOrder(deps, tx, id, caller);
    const units = unitsToRefund(state);
    const policy = await policyOf(tx, order);
    const { amount, ...breakdown } = refundOf(order, policy, units, await refundedBefore(tx, order.order.id));
    const [created] = await tx
      .insert(refunds)
      .values({
        returnId: state.ret.id,
        orderId: order.order.id,
        amount,
        currency: order.order.currency,
        breakdown,
        createdAt: deps.clock.now(),
      })
      .returning();
    for (const { line, units: count } of units) {
      if (count > 0) {
        await tx
          .update(returnLines)
          .set({ quantityRefunded: sql`${returnLines.quantityRefunded} + ${count}` })
          .where(eq(returnLines.id, line.id));
      }
    }
    const next = await reload(tx, id);
    if (created) {
      await appendEvents(tx, [
        {
          type: 'refund.requested',
          resourceType: 'refund',
          resourceId: created.id,
          channel: state.order.channel,
          data: {
            refund: presentRefund(created),
            return_id: state.ret.id,
            order_id: order.order.id,
            order_number: order.order.number,
          },
        },
      ]);
    }
    return presentReturn(next);
  });
}

/** The payment system reports the refund done: the order's lines show it. Idempotent. */
export function confirmRefund(
  deps: Pick<ReturnDeps, 'db' | 'clock' | 'orders'>,
  refundId: string,
  externalReference: string | undefined,
  caller: Caller,
): Promise<ReturnView> {
  return inTransaction(deps.db, async (tx) => {
    const [peek] = await tx.select().from(refunds).where(eq(refunds.id, refundId));
    if (!peek) {
      throw notFound(`Refund ${refundId}`);
    }
    const { state } = await lockWithOrder(deps, tx, peek.returnId, caller);
    const [paid] = await tx.select().from(refunds).where(eq(refunds.id, refundId)).for('update');
    if (!paid || paid.status === 'completed') {
      return presentReturn(state);
    }
    await tx
      .update(refunds)
      .set({
        status: 'completed',
        externalReference: externalReference ?? null,
        confirmedAt: deps.clock.now(),
      })
      .where(eq(refunds.id, refundId));
    await deps.orders.recordRefunded(tx, state.ret.orderId, {
      lines: paid.breakdown.lines.map((line) => ({
        orderLineId: line.order_line_id,
        quantity: line.quantity,
        amount: line.amount,
      })),
      amount: paid.amount,
    });
    const next =
      state.ret.status === 'received' && fullyRefunded(state)
        ? await setStatus(deps, tx, state, 'refunded')
        : await reload(tx, state.ret.id);
    await appendEvents(tx, [
      returnEvent(next, 'return.refunded', { refund_id: refundId, amount: paid.amount }),
    ]);
    return presentReturn(next);
  });
}
