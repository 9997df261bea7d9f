import type { accountEvents } from '../accounts/index.js';
import { money, record, type Summarize, text } from './summary-text.js';

/** The one-line sentences of the account.* and invoice.* events (not on an order's timeline). Pure. */

/** "Invoice 12 for order 100231 (ACME-001): 1250.00 USD due 2026-12-31". */
const invoiceLine = (data: Readonly<Record<string, unknown>>) => {
  const invoice = record(data.invoice);
  return `Invoice ${text(invoice.number)} for order ${text(invoice.order_number)} (${text(data.account_code)}): ${money(invoice.amount, invoice.currency)}`;
};

export const accountSummaries = {
  'account.created': (data) => {
    const account = record(data.account);
    return `Account ${text(account.code)} opened: ${text(account.terms)}, limit ${money(account.credit_limit, account.currency)}`;
  },
  'account.updated': (data) => {
    const account = record(data.account);
    const fields = Array.isArray(data.fields) ? data.fields.map((f) => text(f)).join(', ') : '?';
    return `Account ${text(account.code)} changed: ${fields}`;
  },
  'account.credit_limit_exceeded': (data) => {
    const order = record(data.order);
    const exposure = record(data.exposure);
    return `Account ${text(data.code)} over its limit of ${money(data.credit_limit, data.currency)} with order ${text(order.number)} (${money(data.order_value, data.currency)} on ${money(exposure.total, data.currency)} owed)`;
  },
  'account.payment_recorded': (data) => {
    const payment = record(data.payment);
    return `Payment ${text(payment.reference)} of ${money(payment.amount, payment.currency)} recorded`;
  },
  'invoice.due': (data) => `${invoiceLine(data)} due ${text(record(data.invoice).due_date)}`,
  'invoice.paid': (data) => `${invoiceLine(data)} paid`,
} satisfies Record<keyof typeof accountEvents, Summarize>;
