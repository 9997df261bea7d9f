import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { accountPayments, accounts, invoices } from '../../db/schema/index.js';
import { appendEvents, type NewEvent } from '../events/index.js';
import type { ShippedOnTerms } from '../orders/index.js';
import { accountEvent } from './account-events.js';
import { utcDay } from './exposure.js';
import { applyToInvoices, type InvoiceRow, presentInvoice } from './invoice-store.js';

/** Days from shipping to the due date, by terms: net_N is N days, due_on_fulfillment the same day. */
const netDays = (terms: string): number => {
  const match = /^net_(\d+)$/.exec(terms);
  return match ? Number(match[1]) : 0;
};

/** The due date of units shipped on `now` under `terms` (UTC calendar days). */
export function dueDate(terms: string, now: Date): string {
  const day = new Date(`${utcDay(now)}T00:00:00.000Z`);
  day.setUTCDate(day.getUTCDate() + netDays(terms));
  return utcDay(day);
}

/** Invoice events for the ERP: `invoice.due` when raised, `invoice.paid` once nothing is owed. */
export const invoiceEvents = (
  type: 'invoice.due' | 'invoice.paid',
  rows: InvoiceRow[],
  accountCode: string,
  now: Date,
): NewEvent[] =>
  rows.map((row) =>
    accountEvent(
      type,
      { type: 'invoice', id: row.id },
      { invoice: presentInvoice(row, now), account_code: accountCode },
    ),
  );

/**
 * Raises the invoice for what an account's order on terms shipped since its last invoice, due by the
 * order's terms, in the shipping transaction; payments no invoice took yet pay it, oldest first.
 * The account's row is not locked here (shipping holds stock locks that capture takes after it).
 */
export async function invoiceShipped(tx: Executor, shipped: ShippedOnTerms): Promise<void> {
  const [prior] = await tx
    .select({ invoiced: sql<string>`coalesce(sum(${invoices.amount}), 0)` })
    .from(invoices)
    .where(eq(invoices.orderId, shipped.orderId));
  const amount = shipped.billedSoFar - Number(prior?.invoiced ?? 0);
  if (amount <= 0) {
    return;
  }
  const { now } = shipped;
  const [invoice] = await tx
    .insert(invoices)
    .values({
      accountId: shipped.accountId,
      orderId: shipped.orderId,
      orderNumber: shipped.orderNumber,
      terms: shipped.terms as InvoiceRow['terms'],
      amount,
      currency: shipped.currency,
      issuedAt: now,
      dueDate: dueDate(shipped.terms, now),
    })
    .returning();
  if (!invoice) {
    throw new Error('the invoice was not written');
  }
  const [account] = await tx
    .select({ code: accounts.code })
    .from(accounts)
    .where(eq(accounts.id, shipped.accountId));
  const code = account?.code ?? '';
  const paid = await applyCredit(tx, invoice, now);
  await appendEvents(tx, [
    ...invoiceEvents('invoice.due', [paid], code, now),
    ...(paid.paidAmount === paid.amount ? invoiceEvents('invoice.paid', [paid], code, now) : []),
  ]);
}

/** Pays a new invoice from the account's unapplied payments, oldest first; returns it as it became. */
async function applyCredit(tx: Executor, invoice: InvoiceRow, now: Date): Promise<InvoiceRow> {
  const credits = await tx
    .select()
    .from(accountPayments)
    .where(and(eq(accountPayments.accountId, invoice.accountId), gt(accountPayments.unapplied, 0)))
    .orderBy(asc(accountPayments.createdAt), asc(accountPayments.id))
    .for('update');
  let current = invoice;
  for (const credit of credits) {
    if (current.paidAmount === current.amount) {
      break;
    }
    const { paid, left } = await applyToInvoices(tx, credit.id, credit.unapplied, [current], now);
    current = paid[0] ?? current;
    await tx.update(accountPayments).set({ unapplied: left }).where(eq(accountPayments.id, credit.id));
  }
  return current;
}
