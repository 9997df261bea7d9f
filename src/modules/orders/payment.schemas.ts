import Type from 'typebox';
import { paymentTermsValues } from '../../db/schema/accounts.js';
import { maxMoney, Text } from '../../http/fields.js';

/** How an order is paid: a payment the channel took, or a B2B account's terms. */

export const paymentStatuses = ['pending', 'authorized', 'captured', 'failed'] as const;

export const Payment = Type.Object(
  {
    status: Type.Enum(paymentStatuses),
    amount: Type.Integer({
      minimum: 0,
      maximum: maxMoney,
      description: 'Amount authorized or captured, in minor units (cents)',
    }),
    method: Type.Optional(Text(50)),
    avs_result: Type.Optional(
      Type.String({ minLength: 1, maxLength: 10, description: 'Address verification result code' }),
    ),
    cvv_result: Type.Optional(
      Type.String({ minLength: 1, maxLength: 10, description: 'Card security code result' }),
    ),
  },
  { additionalProperties: false },
);

/** The order's B2B account, as capture takes it. */
export const OrderAccountField = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: 64,
    description:
      "The B2B account the order is for: its id or its code. Without an account (or for a `prepaid` one) `payment` is required. On terms (not `prepaid`), the order is captured with its payment pending and no payment hold, and its credit is checked (`payment` may then be left out; the order's payment is recorded `pending`, amount 0, method `terms`, whatever was sent: the account pays by invoice); the customer e-mail must be one of the account's buyers when it lists any, and the currency the account's",
  }),
);

/** The order's B2B account, as orders show it. */
export const orderAccountFields = {
  account_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
    description: 'The B2B account the order was placed for',
  }),
  payment_terms: Type.Union([Type.Enum(paymentTermsValues), Type.Null()], {
    description: "The account's payment terms when the order was placed (null: not an account order)",
  }),
};
