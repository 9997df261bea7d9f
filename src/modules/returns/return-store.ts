import { asc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import type { ReturnPolicy } from '../../db/schema/catalog.js';
import { channels, orders, refunds, returnLines, returns } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import type { NewEvent } from '../events/index.js';
import type { OrderState } from '../orders/index.js';
import type { ReturnDeps } from './deps.js';
import { assertReturnTransition, type ReturnStatus } from './return-state.js';
import type { RefundView, ReturnView } from './returns.schemas.js';

export type ReturnRow = typeof returns.$inferSelect;
export type ReturnLineRow = typeof returnLines.$inferSelect;
export type RefundRow = typeof refunds.$inferSelect;

export interface ReturnState {
  ret: ReturnRow;
  lines: ReturnLineRow[];
  refunds: RefundRow[];
  order: { number: number; channel: string };
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

export const presentRefund = (refund: RefundRow): RefundView => ({
  id: refund.id,
  status: refund.status,
  amount: refund.amount,
  currency: refund.currency,
  breakdown: refund.breakdown,
  external_reference: refund.externalReference,
  created_at: refund.createdAt.toISOString(),
  confirmed_at: iso(refund.confirmedAt),
});

export function presentReturn({ ret, lines, refunds: given, order }: ReturnState): ReturnView {
  return {
    id: ret.id,
    number: ret.number,
    order_id: ret.orderId,
    order_number: order.number,
    channel: order.channel,
    status: ret.status,
    initiated_by: ret.initiatedBy,
    lines: [...lines]
      .sort((a, b) => a.id - b.id)
      .map((line) => ({
        id: line.id,
        order_line_id: line.orderLineId,
        sku: line.sku,
        quantity: line.quantity,
        reason: line.reason,
        restocked: line.quantityRestocked,
        unsellable: line.quantityUnsellable,
        refunded: line.quantityRefunded,
      })),
    replacement_lines: ret.replacementLines,
    replacement_order_id: ret.replacementOrderId,
    refunds: [...given].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).map(presentRefund),
    decision: ret.decision,
    carrier: ret.carrier,
    tracking_number: ret.trackingNumber,
    note: ret.note,
    created_at: ret.createdAt.toISOString(),
    updated_at: ret.updatedAt.toISOString(),
  };
}

/** Loads returns with their lines, refunds and order facts; with `lock`, the return rows FOR UPDATE. */
export async function loadReturns(
  tx: Executor,
  ids: string[],
  options: { lock?: boolean } = {},
): Promise<ReturnState[]> {
  if (ids.length === 0) {
    return [];
  }
  const select = tx
    .select({ ret: returns, order: { number: orders.number, channel: channels.code } })
    .from(returns)
    .innerJoin(orders, eq(orders.id, returns.orderId))
    .innerJoin(channels, eq(channels.id, orders.channelId))
    .where(inArray(returns.id, ids))
    .orderBy(asc(returns.id));
  const rows = options.lock ? await select.for('update', { of: returns }) : await select;
  const lines = await tx.select().from(returnLines).where(inArray(returnLines.returnId, ids));
  const given = await tx.select().from(refunds).where(inArray(refunds.returnId, ids));
  return rows.map((row) => ({
    ...row,
    lines: lines.filter((line) => line.returnId === row.ret.id),
    refunds: given.filter((refund) => refund.returnId === row.ret.id),
  }));
}

/** A return event: `data` is the return as `GET /v1/returns/{id}` shows it, plus the fields given. */
export const returnEvent = (
  state: ReturnState,
  type: string,
  data: Record<string, unknown> = {},
): NewEvent => ({
  type,
  resourceType: 'return',
  resourceId: state.ret.id,
  channel: state.order.channel,
  data: { ...data, return: presentReturn(state) },
});

/** A return the caller may see: another channel's does not exist for a channel-bound key. */
export async function findReturn(
  tx: Executor,
  id: string,
  caller: Caller,
  lock = false,
): Promise<ReturnState> {
  const [state] = await loadReturns(tx, [id], { lock });
  if (!state || (caller.channel !== null && state.order.channel !== caller.channel)) {
    throw notFound(`Return ${id}`);
  }
  return state;
}

/** Locks the return's order, then the return: the order every path that changes both uses. */
export async function lockWithOrder(
  deps: Pick<ReturnDeps, 'orders'>,
  tx: Executor,
  id: string,
  caller: Caller,
): Promise<{ order: OrderState; state: ReturnState }> {
  const peek = await findReturn(tx, id, caller);
  const order = await deps.orders.find(tx, peek.ret.orderId, caller, true);
  return { order, state: await findReturn(tx, id, caller, true) };
}

/** The return as it is now, whoever asks. */
export async function reload(tx: Executor, id: string): Promise<ReturnState> {
  const [state] = await loadReturns(tx, [id]);
  if (!state) {
    throw notFound(`Return ${id}`);
  }
  return state;
}

/** Moves the return to `status` (a 409 when its lifecycle does not allow it) and reloads it. */
export async function setStatus(
  deps: Pick<ReturnDeps, 'clock'>,
  tx: Executor,
  state: ReturnState,
  status: ReturnStatus,
  extra: Partial<typeof returns.$inferInsert> = {},
): Promise<ReturnState> {
  assertReturnTransition(state.ret.status, status);
  await tx
    .update(returns)
    .set({ status, updatedAt: deps.clock.now(), ...extra })
    .where(eq(returns.id, state.ret.id));
  return reload(tx, state.ret.id);
}

/** The return policy of the order's channel. */
export async function policyOf(tx: Executor, order: OrderState): Promise<ReturnPolicy> {
  const [row] = await tx
    .select({ policy: channels.returnPolicy })
    .from(channels)
    .where(eq(channels.id, order.order.channelId));
  if (!row) {
    throw new Error('the order’s channel vanished');
  }
  return row.policy;
}
