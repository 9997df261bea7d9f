import type { Executor } from '../../db/client.js';
import { inTransaction } from '../../db/transaction.js';
import type { Caller } from '../../http/caller.js';
import { appendEvents } from '../events/index.js';
import type { ReturnDeps } from './deps.js';
import { cancelExchange, tryExchange } from './exchange.js';
import {
  lockWithOrder,
  presentReturn,
  type ReturnState,
  reload,
  returnEvent,
  setStatus,
} from './return-store.js';
import type { ReturnView } from './returns.schemas.js';

/** Resolves the return's review hold, if it has one open: released when authorized, cancelled when rejected. */
const closeReview = (
  deps: Pick<ReturnDeps, 'orders'>,
  tx: Executor,
  state: ReturnState,
  outcome: 'released' | 'cancelled',
  caller: Caller,
) =>
  deps.orders.closeReturnReview(
    tx,
    { id: state.ret.orderId, channel: state.order.channel },
    { returnId: state.ret.id, returnNumber: state.ret.number, outcome, actor: caller.keyId },
  );

/** A person approves a return that needed review: its hold is resolved and an exchange created. */
export async function authorize(
  deps: Pick<ReturnDeps, 'db' | 'clock' | 'orders' | 'ordering' | 'released' | 'log'>,
  id: string,
  caller: Caller,
): Promise<ReturnView> {
  await inTransaction(deps.db, async (tx) => {
    const { state } = await lockWithOrder(deps, tx, id, caller);
    const next = await setStatus(deps, tx, state, 'authorized', { decision: null });
    await closeReview(deps, tx, state, 'released', caller);
    await appendEvents(tx, [returnEvent(next, 'return.authorized')]);
  });
  await tryExchange(deps, id, caller);
  return presentReturn(await reload(deps.db, id));
}

/** A person turns the return down: its hold is resolved and its exchange cancelled, unless it already left. */
export async function reject(
  deps: Pick<ReturnDeps, 'db' | 'clock' | 'orders' | 'ordering' | 'log'>,
  id: string,
  reason: string | undefined,
  caller: Caller,
): Promise<ReturnView> {
  const state = await inTransaction(deps.db, async (tx) => {
    const { state: current } = await lockWithOrder(deps, tx, id, caller);
    const next = await setStatus(deps, tx, current, 'rejected', { decision: reason ?? 'rejected' });
    await closeReview(deps, tx, current, 'cancelled', caller);
    await appendEvents(tx, [returnEvent(next, 'return.rejected', { reason: reason ?? null })]);
    return next;
  });
  if (state.ret.replacementOrderId) {
    // The exchange goes too, unless it already left.
    await cancelExchange(deps, state.ret.replacementOrderId, `return ${state.ret.number} rejected`, caller);
  }
  return presentReturn(await reload(deps.db, id));
}

/** The customer sent the parcel back. */
export function shipped(
  deps: Pick<ReturnDeps, 'db' | 'clock' | 'orders'>,
  id: string,
  input: { carrier?: string; tracking_number: string },
  caller: Caller,
): Promise<ReturnView> {
  return inTransaction(deps.db, async (tx) => {
    const { state } = await lockWithOrder(deps, tx, id, caller);
    const next = await setStatus(deps, tx, state, 'in_transit', {
      carrier: input.carrier ?? null,
      trackingNumber: input.tracking_number,
    });
    await appendEvents(tx, [returnEvent(next, 'return.in_transit')]);
    return presentReturn(next);
  });
}

/**
 * Ends a return without (more) refund: nothing more is coming back. A return still waiting for review
 * is withdrawn (its hold cancelled); one closed before any unit arrived cancels its exchange, unless
 * the replacement already left.
 */
export async function close(
  deps: Pick<ReturnDeps, 'db' | 'clock' | 'orders' | 'ordering' | 'log'>,
  id: string,
  reason: string | undefined,
  caller: Caller,
): Promise<ReturnView> {
  const { next, emptyHanded } = await inTransaction(deps.db, async (tx) => {
    const { state } = await lockWithOrder(deps, tx, id, caller);
    const closed = await setStatus(deps, tx, state, 'closed', { decision: reason ?? state.ret.decision });
    if (state.ret.status === 'requested') {
      await closeReview(deps, tx, state, 'cancelled', caller);
    }
    await appendEvents(tx, [returnEvent(closed, 'return.closed', { reason: reason ?? null })]);
    const received = state.lines.some((line) => line.quantityRestocked + line.quantityUnsellable > 0);
    return { next: closed, emptyHanded: !received };
  });
  if (emptyHanded && next.ret.replacementOrderId) {
    await cancelExchange(
      deps,
      next.ret.replacementOrderId,
      `return ${next.ret.number} closed with nothing back`,
      caller,
    );
  }
  return presentReturn(emptyHanded && next.ret.replacementOrderId ? await reload(deps.db, id) : next);
}
