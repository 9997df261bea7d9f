import { eq } from 'drizzle-orm';
import { returns } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import type { ReturnDeps } from './deps.js';
import { exchangeMayShip, exchangeOwed } from './return-state.js';
import { lockWithOrder, policyOf, type ReturnState, reload } from './return-store.js';

type ExchangeDeps = Pick<ReturnDeps, 'db' | 'clock' | 'orders' | 'ordering' | 'released' | 'log'>;

/** As the back office: the replacement goes to the original order's channel, whoever asked. */
const backOffice = (caller: Caller): Caller => ({ ...caller, channel: null });

const receivedUnits = (state: ReturnState) =>
  state.lines.reduce((sum, line) => sum + line.quantityRestocked + line.quantityUnsellable, 0);

/**
 * The return asks for replacement units, is owed them (see `exchangeOwed`) and has no replacement order
 * yet. This is the durable "exchange pending" marker: it is written with the return in one
 * transaction, and stays true until the replacement order is linked.
 */
export const exchangePending = (state: ReturnState): boolean =>
  state.ret.replacementLines.length > 0 &&
  !state.ret.replacementOrderId &&
  exchangeOwed(state.ret.status, receivedUnits(state));

/** Captures the replacement order through the order API's use case; a repeat returns the same order. */
async function captureReplacement(deps: ExchangeDeps, state: ReturnState, caller: Caller): Promise<string> {
  const original = await deps.orders.find(deps.db, state.ret.orderId, backOffice(caller));
  const policy = await policyOf(deps.db, original);
  const waits =
    policy.exchange_release === 'on_receipt' && !exchangeMayShip(state.ret.status, receivedUnits(state));
  const { order } = await deps.ordering.capture(
    {
      channel: original.channel,
      // (channel, external_id) is unique: this id makes the capture idempotent.
      external_id: `${original.order.externalId}~${state.ret.number}`,
      customer: original.order.customer,
      ship_to: original.order.shipTo,
      ...(original.order.billingAddress ? { billing_address: original.order.billingAddress } : {}),
      lines: state.ret.replacementLines.map((line) => ({
        sku: line.sku,
        quantity: line.quantity,
        unit_price: 0,
      })),
      currency: original.order.currency,
      shipping: { service_level: original.order.serviceLevel, amount: 0 },
      payment: { status: 'captured', amount: 0, method: 'exchange' },
      tags: ['exchange'],
      metadata: { exchange_for_order: original.order.number, return: state.ret.number },
    },
    backOffice(caller),
    waits ? { awaitRelease: true } : {},
  );
  return order.id;
}

/**
 * Cancels an exchange's replacement order after its return ended, unless it already left (then it
 * stays as it is). Runs after the return's commit: a failure is logged, and the exchange worker
 * cancels a replacement still waiting for release later.
 */
export async function cancelExchange(
  deps: Pick<ReturnDeps, 'ordering' | 'log'>,
  orderId: string,
  reason: string,
  caller: Caller,
): Promise<boolean> {
  try {
    await deps.ordering.cancel(orderId, { reason }, backOffice(caller));
    return true;
  } catch (err) {
    if (err instanceof AppError && err.code === 'conflict') {
      return true;
    }
    deps.log.warn(
      { err, orderId },
      'an ended return’s replacement order could not be cancelled yet; it is retried',
    );
    return false;
  }
}

/**
 * Creates the exchange's replacement order through order capture (reserved and routed at once), at
 * no charge, and links it to the return. Safe to run any number of times, concurrently too: capture is
 * idempotent by its (channel, external_id), and the link is written under the return's lock, where it
 * also catches up with what happened since the return was read: units that arrived release the order;
 * a return rejected or closed empty-handed meanwhile cancels it.
 */
export async function ensureExchange(deps: ExchangeDeps, id: string, caller: Caller): Promise<void> {
  const state = await reload(deps.db, id);
  if (!exchangePending(state)) {
    return;
  }
  const orderId = await captureReplacement(deps, state, caller);
  const linked = await inTransaction(deps.db, async (tx) => {
    const { state: current } = await lockWithOrder(deps, tx, id, backOffice(caller));
    const replacement = current.ret.replacementOrderId ?? orderId;
    if (!current.ret.replacementOrderId) {
      await tx
        .update(returns)
        .set({ replacementOrderId: orderId, updatedAt: deps.clock.now() })
        .where(eq(returns.id, id));
    }
    const received = receivedUnits(current);
    const mayShip = exchangeMayShip(current.ret.status, received);
    if (mayShip) {
      await deps.orders.releaseAwaiting(tx, replacement);
    }
    return { replacement, mayShip, owed: exchangeOwed(current.ret.status, received) };
  });
  if (linked.mayShip) {
    deps.released?.();
  }
  if (!linked.owed) {
    await cancelExchange(deps, linked.replacement, `return ${state.ret.number} ended`, caller);
  }
}

/**
 * `ensureExchange` after the return committed: a failure (or the process dying) leaves the exchange
 * pending, for the exchange worker (or the return's next receipt) to create; the caller's request has
 * succeeded either way.
 */
export async function tryExchange(deps: ExchangeDeps, id: string, caller: Caller): Promise<boolean> {
  try {
    await ensureExchange(deps, id, caller);
    return true;
  } catch (err) {
    deps.log.warn({ err, returnId: id }, 'the exchange of a return could not be created yet; it is retried');
    return false;
  }
}
