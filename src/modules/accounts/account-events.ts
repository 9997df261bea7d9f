import Type from 'typebox';
import type { EventTypeDefinitions, NewEvent } from '../events/index.js';
import { AccountSchema, ExposureSchema, InvoiceSchema, PaymentSchema } from './accounts.schemas.js';

const OrderRef = Type.Object({
  id: Type.String({ format: 'uuid' }),
  number: Type.Integer(),
  external_id: Type.String(),
  channel: Type.String(),
});

const CreditLimitExceeded = Type.Object({
  account_id: Type.String({ format: 'uuid' }),
  code: Type.String(),
  credit_limit: Type.Integer(),
  currency: Type.String(),
  exposure: ExposureSchema,
  order_value: Type.Integer({ description: 'The new order’s total' }),
  order: OrderRef,
});

/** The account.* and invoice.* event types, with the schema of their `data`. */
export const accountEvents = {
  'account.created': {
    scope: 'accounts:read',
    summary: 'A B2B account was opened',
    data: Type.Object({ account: AccountSchema }),
  },
  'account.updated': {
    scope: 'accounts:read',
    summary: 'A B2B account’s terms, limit, buyers or other fields changed',
    data: Type.Object({ account: AccountSchema, fields: Type.Array(Type.String()) }),
  },
  'account.credit_limit_exceeded': {
    scope: 'accounts:read',
    summary:
      'An order on terms took an account in `warn` mode past its credit limit; it was captured without a credit hold',
    data: CreditLimitExceeded,
  },
  'account.payment_recorded': {
    scope: 'accounts:read',
    summary: 'A payment from a B2B account was recorded and applied to its invoices',
    data: Type.Object({ payment: PaymentSchema, exposure: ExposureSchema }),
  },
  'invoice.due': {
    scope: 'accounts:read',
    summary:
      'Units of an account’s order on terms shipped: an invoice was raised for them, due by the order’s terms (for the ERP to bill)',
    data: Type.Object({ invoice: InvoiceSchema, account_code: Type.String() }),
  },
  'invoice.paid': {
    scope: 'accounts:read',
    summary: 'An invoice was paid in full',
    data: Type.Object({ invoice: InvoiceSchema, account_code: Type.String() }),
  },
} satisfies EventTypeDefinitions;

export type AccountEventType = keyof typeof accountEvents;

/** An event about an account (or its invoice): accounts belong to no channel. */
export const accountEvent = (
  type: AccountEventType,
  resource: { type: 'account' | 'invoice'; id: string },
  data: Record<string, unknown>,
): NewEvent => ({ type, resourceType: resource.type, resourceId: resource.id, data });
