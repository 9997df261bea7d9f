import Type, { type Static } from 'typebox';
import { creditLimitModes, paymentTermsValues } from '../../db/schema/accounts.js';
import { Code, maxMoney, Text, Timestamp } from '../../http/fields.js';

const Money = (description: string, minimum = 0) =>
  Type.Integer({ minimum, maximum: maxMoney, description: `${description}, in minor units (cents)` });

const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code', examples: ['USD'] });

export const Terms = Type.Enum(paymentTermsValues, {
  description:
    '`prepaid`: pays when ordering, through the normal payment checks. `net_N`: the invoice is due N days after the units ship. `due_on_fulfillment`: due the day they ship',
});

const Mode = Type.Enum(creditLimitModes, {
  description:
    'Over the credit limit, a new order on terms is held in the `credit` queue (`enforce`), captured with an `account.credit_limit_exceeded` event (`warn`), or captured as if there were no limit (`ignore`)',
});

const Buyer = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254, description: 'Matched case-insensitively' }),
    name: Type.Optional(Text(200)),
  },
  { additionalProperties: false },
);

const Buyers = Type.Array(Buyer, {
  maxItems: 500,
  description:
    'Who may order for the account: an order naming the account must come from one of these e-mails. An account with no buyers takes orders from any customer e-mail',
});

const accountFields = {
  name: Text(200, 'The company'),
  payment_terms: Terms,
  credit_limit: Money('Most the account may owe (invoiced and unpaid plus open orders)'),
  credit_limit_mode: Mode,
  grace_days: Type.Integer({
    minimum: 0,
    maximum: 365,
    description:
      'Days past an invoice’s due date before new orders on terms are held for it (whatever the limit mode)',
  }),
  priority: Type.Integer({
    minimum: -1000,
    maximum: 1000,
    description:
      'Like a channel’s priority: an order for the account is ranked by the higher of the two, for routing, backorders and release',
  }),
  active: Type.Boolean({ description: 'An inactive account takes no new orders' }),
  buyers: Buyers,
};

const accountExample = {
  code: 'ACME-001',
  name: 'Acme Hardware Inc.',
  payment_terms: 'net_30',
  currency: 'USD',
  credit_limit: 500000,
  credit_limit_mode: 'enforce',
  grace_days: 5,
  priority: 20,
  buyers: [{ email: 'purchasing@acme.example', name: 'Wile E. Coyote' }],
};

export const CreateAccountSchema = Type.Object(
  {
    code: Code('The merchant’s own customer number (the ERP’s)', 'ACME-001'),
    currency: Type.String({
      ...Currency,
      description: 'ISO 4217 code the account buys and pays in; immutable',
    }),
    name: accountFields.name,
    payment_terms: accountFields.payment_terms,
    credit_limit: accountFields.credit_limit,
    credit_limit_mode: Type.Optional({ ...accountFields.credit_limit_mode, default: 'enforce' }),
    grace_days: Type.Optional({ ...accountFields.grace_days, default: 0 }),
    priority: Type.Optional({ ...accountFields.priority, default: 0 }),
    active: Type.Optional({ ...accountFields.active, default: true }),
    buyers: Type.Optional({ ...accountFields.buyers, default: [] }),
  },
  { additionalProperties: false, examples: [accountExample] },
);
export type CreateAccount = Static<typeof CreateAccountSchema>;

export const UpdateAccountSchema = Type.Object(
  {
    name: Type.Optional(accountFields.name),
    payment_terms: Type.Optional(accountFields.payment_terms),
    credit_limit: Type.Optional(accountFields.credit_limit),
    credit_limit_mode: Type.Optional(accountFields.credit_limit_mode),
    grace_days: Type.Optional(accountFields.grace_days),
    priority: Type.Optional(accountFields.priority),
    active: Type.Optional(accountFields.active),
    buyers: Type.Optional({
      ...accountFields.buyers,
      description: 'The new list of buyers (replaces the old)',
    }),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ credit_limit: 750000, grace_days: 10 }] },
);
export type UpdateAccount = Static<typeof UpdateAccountSchema>;

export const ExposureSchema = Type.Object(
  {
    invoiced_unpaid: Type.Integer({ description: 'What the account’s invoices still owe' }),
    open_orders: Type.Integer({
      description:
        'The account’s orders on terms not cancelled and not yet invoiced: each order’s total (discounts, shipping and tax included) spread over its units, for the units neither cancelled nor shipped. Orders waiting in the credit queue are not counted (see `held_orders`)',
    }),
    held_orders: Type.Integer({
      description: 'The same for orders on an open credit hold: not yet extended credit',
    }),
    unapplied_credit: Type.Integer({
      description: 'Payments no invoice has taken yet; they pay the next invoices',
    }),
    total: Type.Integer({
      description: 'The exposure: invoiced_unpaid + open_orders - unapplied_credit, never below 0',
    }),
    available_credit: Type.Integer({ description: 'credit_limit - total (negative when over the limit)' }),
    overdue: Type.Integer({ description: 'What invoices past their due date still owe' }),
    overdue_past_grace: Type.Integer({
      description:
        'What invoices more than grace_days past their due date still owe: above 0, new orders are held',
    }),
    oldest_due_date: Type.Union([Type.String({ format: 'date' }), Type.Null()], {
      description: 'Due date of the oldest unpaid invoice',
    }),
  },
  { description: 'What the account owes and has on order, in its currency, now' },
);
export type ExposureView = Static<typeof ExposureSchema>;

export const AccountSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    code: Type.String(),
    currency: Currency,
    ...accountFields,
    buyers: Type.Array(Type.Object({ email: Type.String(), name: Type.Union([Type.String(), Type.Null()]) })),
    exposure: ExposureSchema,
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  {
    examples: [
      {
        id: '5f0c2a8e-8d1b-4c1e-9a57-2f6f0b7f3c11',
        ...accountExample,
        active: true,
        buyers: [{ email: 'purchasing@acme.example', name: 'Wile E. Coyote' }],
        exposure: {
          invoiced_unpaid: 125000,
          open_orders: 40000,
          held_orders: 0,
          unapplied_credit: 0,
          total: 165000,
          available_credit: 335000,
          overdue: 0,
          overdue_past_grace: 0,
          oldest_due_date: '2026-12-31',
        },
        created_at: '2026-11-01T09:00:00.000Z',
        updated_at: '2026-11-01T09:00:00.000Z',
      },
    ],
  },
);
export type AccountView = Static<typeof AccountSchema>;

export const AccountParamsSchema = Type.Object({
  id: Type.String({ format: 'uuid', description: 'The account id' }),
});

export const AccountListQuerySchema = Type.Object({
  code: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'Only the account with this code' }),
  ),
  active: Type.Optional(Type.Boolean()),
});
export type AccountListQuery = Static<typeof AccountListQuerySchema> & { limit: number; cursor?: string };

export const invoiceStatuses = ['open', 'overdue', 'paid'] as const;

const invoiceExample = {
  id: '0b9b6a52-54f4-4a53-a0a5-0e1b1c7d6a20',
  number: 12,
  account_id: '5f0c2a8e-8d1b-4c1e-9a57-2f6f0b7f3c11',
  order_id: '8a4f3c1e-2b6d-4f8e-9c0a-1d2e3f4a5b6c',
  order_number: 100231,
  payment_terms: 'net_30',
  amount: 125000,
  paid_amount: 0,
  balance: 125000,
  currency: 'USD',
  status: 'open',
  issued_at: '2026-12-01T14:00:00.000Z',
  due_date: '2026-12-31',
  paid_at: null,
};

export const InvoiceSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    number: Type.Integer({ description: 'Invoice number, sequential across accounts' }),
    account_id: Type.String({ format: 'uuid' }),
    order_id: Type.String({ format: 'uuid' }),
    order_number: Type.Integer(),
    payment_terms: Terms,
    amount: Type.Integer({ description: 'What the units of this shipment cost, in minor units' }),
    paid_amount: Type.Integer(),
    balance: Type.Integer({ description: 'amount - paid_amount' }),
    currency: Type.String(),
    status: Type.Enum(invoiceStatuses, { description: '`overdue`: unpaid after its due date' }),
    issued_at: Timestamp,
    due_date: Type.String({
      format: 'date',
      description: 'From the order’s terms and the day the units shipped (UTC)',
    }),
    paid_at: Type.Union([Timestamp, Type.Null()]),
  },
  { examples: [invoiceExample] },
);
export type InvoiceView = Static<typeof InvoiceSchema>;

export const InvoiceListQuerySchema = Type.Object({
  status: Type.Optional(Type.Enum(invoiceStatuses)),
});
export type InvoiceListQuery = Static<typeof InvoiceListQuerySchema> & { limit: number; cursor?: string };

export const RecordPaymentSchema = Type.Object(
  {
    reference: Text(100, 'The remittance or bank reference: unique per account'),
    amount: Money('Amount received', 1),
    currency: Type.String({ ...Currency, description: 'Must be the account’s currency' }),
    invoices: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), {
        minItems: 1,
        maxItems: 200,
        uniqueItems: true,
        description:
          'Invoice numbers to pay, in this order; what is left after them stays unapplied. Without it, the oldest due invoices are paid first',
      }),
    ),
    received_at: Type.Optional(Type.String({ format: 'date-time', description: 'Defaults to now' })),
    note: Type.Optional(Text(500)),
  },
  {
    additionalProperties: false,
    examples: [{ reference: 'WIRE-20261201-7781', amount: 125000, currency: 'USD', invoices: [12] }],
  },
);
export type RecordPayment = Static<typeof RecordPaymentSchema>;

export const PaymentSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    account_id: Type.String({ format: 'uuid' }),
    reference: Type.String(),
    amount: Type.Integer(),
    currency: Type.String(),
    unapplied: Type.Integer({ description: 'What no invoice has taken yet' }),
    applied: Type.Array(
      Type.Object({
        invoice_id: Type.String({ format: 'uuid' }),
        invoice_number: Type.Integer(),
        amount: Type.Integer(),
      }),
      { description: 'The invoices this payment paid and how much of each' },
    ),
    received_at: Timestamp,
    note: Type.Union([Type.String(), Type.Null()]),
    created_at: Timestamp,
  },
  {
    examples: [
      {
        id: '3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f',
        account_id: '5f0c2a8e-8d1b-4c1e-9a57-2f6f0b7f3c11',
        reference: 'WIRE-20261201-7781',
        amount: 125000,
        currency: 'USD',
        unapplied: 0,
        applied: [{ invoice_id: invoiceExample.id, invoice_number: 12, amount: 125000 }],
        received_at: '2026-12-20T10:00:00.000Z',
        note: null,
        created_at: '2026-12-20T10:00:00.000Z',
      },
    ],
  },
);
export type PaymentView = Static<typeof PaymentSchema>;

export const PaymentRecordedSchema = Type.Object({
  payment: PaymentSchema,
  released_holds: Type.Array(
    Type.Object({
      hold_id: Type.Integer(),
      order_id: Type.String({ format: 'uuid' }),
      order_number: Type.Integer(),
    }),
    { description: 'Credit holds this payment released (the orders went on to allocation)' },
  ),
  exposure: ExposureSchema,
});
export type PaymentRecordedView = Static<typeof PaymentRecordedSchema>;
