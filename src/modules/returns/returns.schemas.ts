import Type, { type Static } from 'typebox';
import { returnReasons, returnStatuses } from '../../db/schema/returns.js';
import { Id, Text, Timestamp, timestamps } from '../../http/fields.js';

const nullable = <T extends Parameters<typeof Type.Optional>[0]>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description ? { description } : {});
const Sku = Type.String({ minLength: 1, maxLength: 128 });

export const CreateReturnSchema = Type.Object(
  {
    lines: Type.Array(
      Type.Object(
        {
          line_id: Id({ description: 'The order line' }),
          quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
          reason: Type.Enum(returnReasons),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 200 },
    ),
    replacement_lines: Type.Optional(
      Type.Array(
        Type.Object(
          { sku: Sku, quantity: Type.Integer({ minimum: 1, maximum: 10_000 }) },
          { additionalProperties: false },
        ),
        {
          minItems: 1,
          maxItems: 50,
          description:
            'An exchange: Ordo creates a linked replacement order at no charge, reserves and routes it at once, and ships it by the channel’s policy',
        },
      ),
    ),
    note: Type.Optional(Text(1000)),
  },
  {
    additionalProperties: false,
    examples: [
      {
        lines: [{ line_id: 311, quantity: 1, reason: 'size_or_fit' }],
        replacement_lines: [{ sku: 'TSHIRT-BLK-L', quantity: 1 }],
      },
    ],
  },
);
export type CreateReturn = Static<typeof CreateReturnSchema>;

export const RefundSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  status: Type.Enum(['requested', 'completed']),
  amount: Type.Integer({ description: 'Minor units of the order’s currency' }),
  currency: Type.String(),
  breakdown: Type.Object({
    lines: Type.Array(
      Type.Object({
        order_line_id: Type.Integer(),
        sku: Type.String(),
        quantity: Type.Integer(),
        amount: Type.Integer({
          description: 'Paid for these units (price, less discounts, plus tax), less the fee',
        }),
        restocking_fee: Type.Integer(),
      }),
    ),
    shipping: Type.Integer(),
    restocking_fee: Type.Integer(),
  }),
  external_reference: nullable(Type.String()),
  created_at: Timestamp,
  confirmed_at: nullable(Timestamp),
});

const example = {
  id: '2f1d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b',
  number: 'R100042-1',
  order_id: '5b1e8f0a-6c39-4f7e-9a0b-2d4c6e8f1a3b',
  order_number: 100042,
  channel: 'web',
  status: 'received',
  initiated_by: 'customer',
  lines: [
    {
      id: 9,
      order_line_id: 311,
      sku: 'TSHIRT-BLK-M',
      quantity: 1,
      reason: 'size_or_fit',
      restocked: 1,
      unsellable: 0,
      refunded: 0,
    },
  ],
  replacement_lines: [{ sku: 'TSHIRT-BLK-L', quantity: 1 }],
  replacement_order_id: '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d',
  refunds: [],
  decision: null,
  carrier: 'ups',
  tracking_number: '1Z999AA10123456784',
  note: null,
  created_at: '2026-12-05T10:00:00.000Z',
  updated_at: '2026-12-08T09:30:00.000Z',
};

export const ReturnSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    number: Type.String(),
    order_id: Type.String({ format: 'uuid' }),
    order_number: Type.Integer(),
    channel: Type.String(),
    status: Type.Enum(returnStatuses),
    initiated_by: Type.Enum(['customer', 'back_office'], {
      description: 'customer: a channel-bound key (the storefront); back_office: any other key',
    }),
    lines: Type.Array(
      Type.Object({
        id: Type.Integer(),
        order_line_id: Type.Integer(),
        sku: Type.String(),
        quantity: Type.Integer(),
        reason: Type.Enum(returnReasons),
        restocked: Type.Integer({ description: 'Units received sellable and put back in stock' }),
        unsellable: Type.Integer({
          description: 'Units received damaged or opened: on hand at the receiving location as `damaged`',
        }),
        refunded: Type.Integer(),
      }),
    ),
    replacement_lines: Type.Array(Type.Object({ sku: Type.String(), quantity: Type.Integer() })),
    replacement_order_id: nullable(Type.String({ format: 'uuid' }), 'The exchange order'),
    refunds: Type.Array(RefundSchema),
    decision: nullable(Type.String(), 'Why it needs review, or why it was rejected'),
    carrier: nullable(Type.String()),
    tracking_number: nullable(Type.String()),
    note: nullable(Type.String()),
    ...timestamps,
  },
  { title: 'Return', examples: [example] },
);
export type ReturnView = Static<typeof ReturnSchema>;
export type RefundView = Static<typeof RefundSchema>;

export const ReturnParamsSchema = Type.Object({
  id: Type.String({ format: 'uuid', description: 'The return id' }),
});
export const RefundParamsSchema = Type.Object({
  id: Type.String({ format: 'uuid', description: 'The refund id' }),
});

export const ReturnListQuerySchema = Type.Object({
  status: Type.Optional(Type.Enum(returnStatuses)),
  order_id: Type.Optional(Type.String({ format: 'uuid' })),
  channel: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  reason: Type.Optional(Type.Enum(returnReasons)),
  created_from: Type.Optional(Type.String({ format: 'date-time' })),
});

export const DecisionSchema = Type.Object(
  { reason: Type.Optional(Text(500)) },
  { additionalProperties: false, examples: [{ reason: 'Photos show the item was worn' }] },
);

export const ReturnShippedSchema = Type.Object(
  {
    carrier: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    tracking_number: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false, examples: [{ carrier: 'ups', tracking_number: '1Z999AA10123456784' }] },
);

export const ReceiveReturnSchema = Type.Object(
  {
    location: Type.String({ minLength: 1, maxLength: 64, description: 'Where the units arrived' }),
    lines: Type.Array(
      Type.Object(
        {
          sku: Sku,
          quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
          condition: Type.Enum(['sellable', 'damaged', 'opened'], {
            description:
              'sellable units are restocked there; damaged or opened ones go on hand there as `damaged`, never sold',
          }),
          note: Type.Optional(Text(500)),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 200 },
    ),
  },
  {
    additionalProperties: false,
    examples: [{ location: 'NJ-DC', lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1, condition: 'sellable' }] }],
  },
);
export type ReceiveReturn = Static<typeof ReceiveReturnSchema>;

export const ConfirmRefundSchema = Type.Object(
  {
    external_reference: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'The payment system’s refund id' }),
    ),
  },
  { additionalProperties: false, examples: [{ external_reference: 're_3NfK2L' }] },
);
