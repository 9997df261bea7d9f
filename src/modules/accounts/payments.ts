import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { accountPayments, invoices } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, bodyError, invalid } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { appendEvents } from '../events/index.js';
import { accountEvent } from './account-events.js';
import { type AccountRow, findAccount } from './account-store.js';
import type { PaymentRecordedView, RecordPayment } from './accounts.schemas.js';
import type { AccountDeps } from './deps.js';
import { exposureOf } from './exposure.js';
import { applyToInvoices, type InvoiceRow, type PaymentRow, presentPayments } from './invoice-store.js';
import { invoiceEvents } from './invoices.js';
import { releaseCreditHolds } from './release-credit.js';

/** The invoices a payment pays, locked: those named, in their order, or the unpaid ones oldest due first. */
async function targetInvoices(
  tx: Executor,
  account: AccountRow,
  named: number[] | undefined,
): Promise<InvoiceRow[]> {
  if (!named) {
    return tx
      .select()
      .from(invoices)
      .where(and(eq(invoices.accountId, account.id), sql`${invoices.paidAmount} < ${invoices.amount}`))
      .orderBy(asc(invoices.dueDate), asc(invoices.number))
      .for('update');
  }
  const rows = await tx
    .select()
    .from(invoices)
    .where(and(eq(invoices.accountId, account.id), inArray(invoices.number, named)))
    .orderBy(asc(invoices.number))
    .for('update');
  const byNumber = new Map(rows.map((row) => [row.number, row]));
  const errors = named.flatMap((number, i) =>
    byNumber.has(number)
      ? []
      : [bodyError(`/invoices/${i}`, `${number} is not an invoice of account "${account.code}"`)],
  );
  if (errors.length > 0) {
    throw invalid(errors);
  }
  return named.flatMap((number) => byNumber.get(number) ?? []);
}

/** A reference used before: the same payment again answers with it, another is a 409. */
function assertSamePayment(existing: typeof accountPayments.$inferSelect, input: RecordPayment): void {
  if (
    existing.amount !== input.amount ||
    existing.currency !== input.currency ||
    existing.note !== (input.note ?? null)
  ) {
    throw new AppError(
      'conflict',
      `Payment reference "${input.reference}" was already recorded for this account with another amount, currency or note`,
    );
  }
}

/** Inserts the payment and applies it to its invoices; returns it as stored and the invoices it paid. */
async function writePayment(
  tx: Executor,
  account: AccountRow,
  input: RecordPayment,
  { caller, now }: { caller: Caller; now: Date },
) {
  const targets = await targetInvoices(tx, account, input.invoices);
  const [row] = await tx
    .insert(accountPayments)
    .values({
      accountId: account.id,
      reference: input.reference,
      amount: input.amount,
      unapplied: input.amount,
      currency: input.currency,
      receivedAt: input.received_at ? new Date(input.received_at) : now,
      note: input.note ?? null,
      createdBy: caller.keyId,
      createdAt: now,
    })
    .returning();
  if (!row) {
    throw new Error('the payment was not written');
  }
  const { paid, left } = await applyToInvoices(tx, row.id, input.amount, targets, now);
  const [stored = row] = await tx
    .update(accountPayments)
    .set({ unapplied: left })
    .where(eq(accountPayments.id, row.id))
    .returning();
  return { stored, paid };
}

/** One payment as the API shows it. */
async function presentPayment(tx: Executor, row: PaymentRow) {
  const [payment] = await presentPayments(tx, [row]);
  if (!payment) {
    throw new Error('the payment vanished');
  }
  return payment;
}

/**
 * Records a payment under the account's lock and applies it to invoices; what is left stays unapplied
 * and pays the next invoices raised. Then the credit holds that no longer apply are released.
 */
export async function recordPayment(
  deps: AccountDeps,
  accountId: string,
  input: RecordPayment,
  caller: Caller,
): Promise<{ view: PaymentRecordedView; created: boolean }> {
  const outcome = await inTransaction(deps.db, async (tx) => {
    const { account } = await findAccount(tx, accountId, true);
    const now = deps.clock.now();
    if (input.currency !== account.currency) {
      throw invalid([
        bodyError(
          '/currency',
          `account "${account.code}" pays in ${account.currency}, not ${input.currency}`,
        ),
      ]);
    }
    const [existing] = await tx
      .select()
      .from(accountPayments)
      .where(and(eq(accountPayments.accountId, account.id), eq(accountPayments.reference, input.reference)));
    if (existing) {
      assertSamePayment(existing, input);
      const payment = await presentPayment(tx, existing);
      const exposure = await exposureOf(tx, account, now);
      return { view: { payment, released_holds: [], exposure: exposure.view }, created: false };
    }
    const { stored, paid } = await writePayment(tx, account, input, { caller, now });
    const { released, exposure } = await releaseCreditHolds(
      deps,
      tx,
      account,
      caller,
      `payment ${input.reference}`,
    );
    const view = {
      payment: await presentPayment(tx, stored),
      released_holds: released,
      exposure: exposure.view,
    };
    await appendEvents(tx, [
      accountEvent(
        'account.payment_recorded',
        { type: 'account', id: account.id },
        {
          payment: view.payment,
          exposure: view.exposure,
        },
      ),
      ...invoiceEvents(
        'invoice.paid',
        paid.filter((i) => i.paidAmount === i.amount),
        account.code,
        now,
      ),
    ]);
    return { view, created: true };
  });
  if (outcome.view.released_holds.length > 0) {
    deps.holds.allocated();
  }
  return outcome;
}
