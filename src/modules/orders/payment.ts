import { eq, sql } from 'drizzle-orm';
import { orders } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { appendEvents } from '../events/index.js';
import { paymentNeed } from './checks.js';
import type { OrderDeps } from './deps.js';
import { editable } from './order-state.js';
import { channelPolicy, findOrder } from './order-store.js';
import { presentOrder } from './order-view.js';
import type { OrderView, PaymentUpdate } from './orders.schemas.js';
import { settle } from './settle.js';

/** Records a later payment status; a payment that now covers the order releases its payment hold. */
export async function setPayment(
  deps: Pick<OrderDeps, 'db' | 'clock' | 'allocated'>,
  idOrNumber: string,
  input: PaymentUpdate,
  caller: Caller,
): Promise<OrderView> {
  const view = await inTransaction(deps.db, async (tx) => {
    const state = await findOrder(tx, idOrNumber, caller, true);
    if (state.order.status === 'cancelled') {
      throw new AppError('conflict', 'The order is cancelled');
    }
    const payment = {
      ...state.order.payment,
      status: input.status,
      ...(input.amount === undefined ? {} : { amount: input.amount }),
      ...(input.method === undefined ? {} : { method: input.method }),
    };
    const [order = state.order] = await tx
      .update(orders)
      .set({ payment, updatedAt: sql`now()` })
      .where(eq(orders.id, state.order.id))
      .returning();
    const event = (data: Record<string, unknown>) => ({
      type: 'order.updated',
      resourceType: 'order',
      resourceId: state.order.id,
      channel: state.channel,
      data: { change: 'payment', ...data },
    });
    if (!editable.includes(state.order.status)) {
      const snapshot = presentOrder({ ...state, order });
      await appendEvents(tx, [event({ order: snapshot })]);
      return snapshot;
    }
    const need = paymentNeed({ ...state.order, payment });
    const settled = await settle(
      tx,
      { ...state, order },
      await channelPolicy(tx, state.order.channelId),
      deps.clock,
      {
        checked: ['payment'],
        needs: need ? [need] : [],
        actor: caller.keyId,
        events: [() => event({ payment: { status: payment.status, amount: payment.amount } })],
      },
    );
    return presentOrder(settled);
  });
  deps.allocated?.();
  return view;
}
