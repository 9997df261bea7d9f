import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { accountOrdersSelect } from '../orders/index.js';
import type { ExposureView } from './accounts.schemas.js';

/** An order waiting in the credit queue, oldest first: what it would add to the exposure. */
export interface HeldOrder {
  orderId: string;
  number: number;
  openValue: number;
  holdId: number;
}

export interface Exposure {
  view: ExposureView;
  held: HeldOrder[];
}

/** The UTC calendar day of `now`, as invoices' due dates are kept. */
export const utcDay = (now: Date) => now.toISOString().slice(0, 10);

/**
 * What the account owes and has on order now, in one statement (SQL): unpaid invoices, those past their
 * due date and past the grace period, unapplied payments, and its orders on terms (open, or held for
 * credit). Run it after locking the account's row, so it sees every commit before the lock.
 */
export async function exposureOf(
  tx: Executor,
  account: { id: string; creditLimit: number; graceDays: number },
  now: Date,
): Promise<Exposure> {
  const today = utcDay(now);
  const unpaid = sql`FROM invoices WHERE account_id = ${account.id} AND paid_amount < amount`;
  const result = await tx.execute<{
    invoiced_unpaid: string;
    overdue: string;
    past_grace: string;
    oldest_due_date: string | null;
    unapplied: string;
    open_orders: string;
    held_orders: string;
    held: Array<{ order_id: string; number: number; open_value: number; hold_id: number }>;
  }>(sql`
    WITH ord AS (${accountOrdersSelect(account.id)})
    SELECT (SELECT coalesce(sum(amount - paid_amount), 0) ${unpaid}) AS invoiced_unpaid,
           (SELECT coalesce(sum(amount - paid_amount), 0) ${unpaid} AND due_date < ${today}::date) AS overdue,
           (SELECT coalesce(sum(amount - paid_amount), 0) ${unpaid}
               AND due_date + ${account.graceDays}::int < ${today}::date) AS past_grace,
           (SELECT min(due_date)::text ${unpaid}) AS oldest_due_date,
           (SELECT coalesce(sum(unapplied), 0) FROM account_payments
             WHERE account_id = ${account.id} AND unapplied > 0) AS unapplied,
           (SELECT coalesce(sum(open_value) FILTER (WHERE credit_hold_id IS NULL), 0) FROM ord) AS open_orders,
           (SELECT coalesce(sum(open_value) FILTER (WHERE credit_hold_id IS NOT NULL), 0) FROM ord) AS held_orders,
           (SELECT coalesce(jsonb_agg(jsonb_build_object('order_id', order_id, 'number', number,
                                                         'open_value', open_value, 'hold_id', credit_hold_id)
                                      ORDER BY credit_hold_id) FILTER (WHERE credit_hold_id IS NOT NULL), '[]')
              FROM ord) AS held`);
  const row = result.rows[0];
  const invoicedUnpaid = Number(row?.invoiced_unpaid ?? 0);
  const openOrders = Number(row?.open_orders ?? 0);
  const unapplied = Number(row?.unapplied ?? 0);
  const total = Math.max(0, invoicedUnpaid + openOrders - unapplied);
  return {
    view: {
      invoiced_unpaid: invoicedUnpaid,
      open_orders: openOrders,
      held_orders: Number(row?.held_orders ?? 0),
      unapplied_credit: unapplied,
      total,
      available_credit: account.creditLimit - total,
      overdue: Number(row?.overdue ?? 0),
      overdue_past_grace: Number(row?.past_grace ?? 0),
      oldest_due_date: row?.oldest_due_date ?? null,
    },
    held: (row?.held ?? []).map((h) => ({
      orderId: h.order_id,
      number: Number(h.number),
      openValue: Number(h.open_value),
      holdId: Number(h.hold_id),
    })),
  };
}

/** With the account's exposure as it stands, what keeps an order on terms of `value` from credit, if anything. */
export function creditProblem(
  account: { creditLimit: number; creditLimitMode: string; graceDays: number; currency: string },
  exposure: ExposureView,
  value: number,
): { kind: 'overdue' | 'over_limit'; reason: string } | undefined {
  if (exposure.overdue_past_grace > 0) {
    return {
      kind: 'overdue',
      reason: `invoices overdue past the ${account.graceDays}-day grace period: ${exposure.overdue_past_grace} ${account.currency} unpaid since ${exposure.oldest_due_date}`,
    };
  }
  if (account.creditLimitMode !== 'ignore' && exposure.total + value > account.creditLimit) {
    return {
      kind: 'over_limit',
      reason: `over the credit limit: exposure ${exposure.total} + this order ${value} > limit ${account.creditLimit} ${account.currency}`,
    };
  }
  return undefined;
}
