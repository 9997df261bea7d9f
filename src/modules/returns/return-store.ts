import { asc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { channels, orders, refunds, returnLines, returns } from '../../db/schema/index.js';
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
