import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { accountPayments, invoices, paymentAllocations } from '../../db/schema/index.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import type { InvoiceListQuery, InvoiceView, PaymentView } from './accounts.schemas.js';
import { utcDay } from './exposure.js';

/** Data access for invoices, payments and what paid what: this module's tables. */

export type InvoiceRow = typeof invoices.$inferSelect;
export type PaymentRow = typeof accountPayments.$inferSelect;

export function presentInvoice(invoice: InvoiceRow, now: Date): InvoiceView {
  const balance = invoice.amount - invoice.paidAmount;
  return {
    id: invoice.id,
    number: invoice.number,
    account_id: invoice.accountId,
    order_id: invoice.orderId,
    order_number: invoice.orderNumber,
    payment_terms: invoice.terms,
    amount: invoice.amount,
    paid_amount: invoice.paidAmount,
    balance,
    currency: invoice.currency,
    status: balance === 0 ? 'paid' : invoice.dueDate < utcDay(now) ? 'overdue' : 'open',
    issued_at: invoice.issuedAt.toISOString(),
    due_date: invoice.dueDate,
    paid_at: invoice.paidAt?.toISOString() ?? null,
  };
}

/** The account's invoices, newest first, by status (`overdue`: unpaid past the due date). */
export async function listInvoices(
  tx: Executor,
  accountId: string,
  query: InvoiceListQuery,
  now: Date,
): Promise<Page<InvoiceView>> {
  const after = decodeCursor(query.cursor, ['number']);
  const today = utcDay(now);
  const unpaid = sql`${invoices.paidAmount} < ${invoices.amount}`;
  const status = {
    paid: sql`${invoices.paidAmount} = ${invoices.amount}`,
    open: and(unpaid, sql`${invoices.dueDate} >= ${today}::date`),
    overdue: and(unpaid, sql`${invoices.dueDate} < ${today}::date`),
  };
  const rows = await tx
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.accountId, accountId),
        query.status === undefined ? undefined : status[query.status],
        after ? lt(invoices.number, Number(after[0])) : undefined,
      ),
    )
    .orderBy(desc(invoices.number))
    .limit(query.limit + 1);
  return toPage(
    rows,
    query.limit,
    (row) => [row.number],
    (row) => presentInvoice(row, now),
  );
}

/** Payments with the invoices each paid, in the given order. */
export async function presentPayments(tx: Executor, payments: PaymentRow[]): Promise<PaymentView[]> {
  const ids = payments.map((p) => p.id);
  const applied =
    ids.length === 0
      ? []
      : await tx
          .select({
            paymentId: paymentAllocations.paymentId,
            invoiceId: paymentAllocations.invoiceId,
            number: invoices.number,
            amount: paymentAllocations.amount,
          })
          .from(paymentAllocations)
          .innerJoin(invoices, eq(invoices.id, paymentAllocations.invoiceId))
          .where(inArray(paymentAllocations.paymentId, ids))
          .orderBy(paymentAllocations.createdAt, invoices.number);
  return payments.map((p) => ({
    id: p.id,
    account_id: p.accountId,
    reference: p.reference,
    amount: p.amount,
    currency: p.currency,
    unapplied: p.unapplied,
    applied: applied
      .filter((a) => a.paymentId === p.id)
      .map((a) => ({ invoice_id: a.invoiceId, invoice_number: a.number, amount: a.amount })),
    received_at: p.receivedAt.toISOString(),
    note: p.note,
    created_at: p.createdAt.toISOString(),
  }));
}

/** The account's payments, newest first. */
export async function listPayments(
  tx: Executor,
  accountId: string,
  query: { limit: number; cursor?: string },
): Promise<Page<PaymentView>> {
  const after = decodeCursor(query.cursor, ['string', 'string']);
  const rows = await tx
    .select()
    .from(accountPayments)
    .where(
      and(
        eq(accountPayments.accountId, accountId),
        after
          ? sql`(${accountPayments.createdAt}, ${accountPayments.id}) < (${String(after[0])}::timestamptz, ${String(after[1])}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(accountPayments.createdAt), desc(accountPayments.id))
    .limit(query.limit + 1);
  const page = toPage(
    rows,
    query.limit,
    (row) => [row.createdAt.toISOString(), row.id],
    (row) => row,
  );
  return { data: await presentPayments(tx, page.data), next_cursor: page.next_cursor };
}

/**
 * Pays `invoiceList` in order from `money`, each up to its balance: one allocation row per invoice
 * paid and the invoices' paid amounts raised. Returns the invoices as they became and what is left.
 */
export async function applyToInvoices(
  tx: Executor,
  paymentId: string,
  money: number,
  invoiceList: InvoiceRow[],
  now: Date,
): Promise<{ paid: InvoiceRow[]; left: number }> {
  let left = money;
  const parts: Array<{ invoice: InvoiceRow; amount: number }> = [];
  for (const invoice of invoiceList) {
    const amount = Math.min(left, invoice.amount - invoice.paidAmount);
    if (amount > 0) {
      parts.push({ invoice, amount });
      left -= amount;
    }
  }
  if (parts.length === 0) {
    return { paid: [], left };
  }
  await tx
    .insert(paymentAllocations)
    .values(
      parts.map((part) => ({ paymentId, invoiceId: part.invoice.id, amount: part.amount, createdAt: now })),
    );
  const paid: InvoiceRow[] = [];
  for (const part of parts) {
    const [row] = await tx
      .update(invoices)
      .set({
        paidAmount: sql`${invoices.paidAmount} + ${part.amount}`,
        paidAt: sql`CASE WHEN ${invoices.paidAmount} + ${part.amount} = ${invoices.amount} THEN ${now.toISOString()}::timestamptz ELSE NULL END`,
      })
      .where(eq(invoices.id, part.invoice.id))
      .returning();
    if (row) {
      paid.push(row);
    }
  }
  return { paid, left };
}
