import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { holds, orderLines, orders } from '../../db/schema/index.js';
import { appendEvents, type NewEvent } from '../events/index.js';
import { assertTransition, awaitingRelease, returnStatus } from './order-state.js';
import { loadOrders, type OrderState } from './order-store.js';
import { presentHold, presentOrder } from './order-view.js';

const orderEvent = (
  orderId: string,
  channel: string,
  type: string,
  data: Record<string, unknown>,
): NewEvent => ({
  type,
  resourceType: 'order',
  resourceId: orderId,
  channel,
  data,
});

/** A return whose reasons need a person: the order gets a return_review hold in the returns queue. */
export async function openReturnReview(
  tx: Executor,
  order: OrderState,
  review: { returnId: string; returnNumber: string; reasons: string[] },
): Promise<void> {
  const [hold] = await tx
    .insert(holds)
    .values({
      orderId: order.order.id,
      kind: 'return_review',
      queue: 'returns',
      reason: `return ${review.returnNumber}: ${review.reasons.join(', ')} needs review`,
      details: { return_id: review.returnId, return_number: review.returnNumber, reasons: review.reasons },
    })
    .returning();
  if (hold) {
    await appendEvents(tx, [
      orderEvent(order.order.id, order.channel, 'order.held', {
        hold: presentHold(hold),
        return_id: review.returnId,
      }),
    ]);
  }
}

/** The return was decided: its review hold, if one is open, is released (authorized) or cancelled (rejected). */
export async function closeReturnReview(
  tx: Executor,
  order: { id: string; channel: string },
  decision: {
    returnId: string;
    returnNumber: string;
    outcome: 'released' | 'cancelled';
    actor: string | null;
    now: Date;
  },
): Promise<void> {
  const resolved = await tx
    .update(holds)
    .set({
      status: decision.outcome,
      resolvedAt: decision.now,
      resolvedBy: decision.actor,
      note: `return ${decision.returnNumber} ${decision.outcome === 'released' ? 'authorized' : 'rejected'}`,
    })
    .where(
      and(
        eq(holds.orderId, order.id),
        eq(holds.kind, 'return_review'),
        eq(holds.status, 'open'),
        sql`${holds.details}->>'return_id' = ${decision.returnId}`,
      ),
    )
    .returning();
  await appendEvents(
    tx,
    resolved.map((hold) =>
      orderEvent(order.id, order.channel, 'order.hold_released', { hold: presentHold(hold) }),
    ),
  );
}

/**
 * Units came back: each line counts them as returned, and a shipped or delivered order becomes
 * partially_returned or returned, with its event.
 */
export async function recordReturned(
  tx: Executor,
  orderId: string,
  units: ReadonlyMap<number, number>,
  now: Date,
): Promise<void> {
  for (const [lineId, quantity] of units) {
    await tx
      .update(orderLines)
      .set({ quantityReturned: sql`${orderLines.quantityReturned} + ${quantity}` })
      .where(eq(orderLines.id, lineId));
  }
  const [after] = await loadOrders(tx, [orderId]);
  const status =
    after &&
    returnStatus(
      after.order.status,
      after.lines.map((line) => ({ shipped: line.quantityShipped, returned: line.quantityReturned })),
    );
  if (!after || !status) {
    return;
  }
  if (status !== after.order.status) {
    assertTransition(after.order.status, status);
  }
  await tx.update(orders).set({ status, updatedAt: now }).where(eq(orders.id, orderId));
  const returned = status === 'returned';
  await appendEvents(tx, [
    orderEvent(orderId, after.channel, returned ? 'order.returned' : 'order.updated', {
      ...(returned ? {} : { change: 'partially_returned' }),
      order: presentOrder({ ...after, order: { ...after.order, status, updatedAt: now } }),
    }),
  ]);
}

/** The payment system paid a refund: the lines show the units and amounts, the order its refunded total. */
export async function recordRefunded(
  tx: Executor,
  orderId: string,
  refund: { lines: ReadonlyArray<{ orderLineId: number; quantity: number; amount: number }>; amount: number },
  now: Date,
): Promise<void> {
  for (const line of refund.lines) {
    await tx
      .update(orderLines)
      .set({
        quantityRefunded: sql`${orderLines.quantityRefunded} + ${line.quantity}`,
        amountRefunded: sql`${orderLines.amountRefunded} + ${line.amount}`,
      })
      .where(eq(orderLines.id, line.orderLineId));
  }
  await tx
    .update(orders)
    .set({ refundedTotal: sql`${orders.refundedTotal} + ${refund.amount}`, updatedAt: now })
    .where(eq(orders.id, orderId));
}

/** An order captured to await its release (an exchange waiting for its return) is due now. */
export async function releaseAwaiting(tx: Executor, orderId: string, now: Date): Promise<void> {
  await tx
    .update(orders)
    .set({ releaseDueAt: now })
    .where(and(eq(orders.id, orderId), eq(orders.releaseDueAt, awaitingRelease)));
}
