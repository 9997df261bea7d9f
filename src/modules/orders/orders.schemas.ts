import Type, { type Static } from 'typebox';
import { orderStatuses, serviceLevels } from '../../db/schema/orders.js';
import { Id, maxMoney, Tags, Text, Timestamp } from '../../http/fields.js';
import { AddressSchema } from '../addresses/index.js';
import { LineIncoming, PromisedDeliveryDate } from './backorder-promise.schemas.js';
import { Customer } from './customer.schemas.js';
import { kitLineFields } from './kit-line.schemas.js';
import { OrderAccountField, orderAccountFields, Payment, paymentStatuses } from './payment.schemas.js';

const Money = (description: string) =>
  Type.Integer({
    minimum: 0,
    maximum: maxMoney,
    description: `${description}, in minor units (cents)`,
  });

const Line = Type.Object(
  {
    sku: Type.String({ minLength: 1, maxLength: 128 }),
    quantity: Type.Integer({ minimum: 1, maximum: 100_000 }),
    unit_price: Money('Price of one unit before discounts'),
    tax_amount: Type.Optional(Money('Tax on the whole line')),
  },
  { additionalProperties: false },
);

const Shipping = Type.Object(
  { service_level: Type.Enum(serviceLevels), amount: Money('Shipping charged') },
  { additionalProperties: false },
);

const Discount = Type.Object(
  {
    code: Type.Optional(Text(100)),
    description: Type.Optional(Text(200)),
    amount: Money('Discount on the order'),
  },
  { additionalProperties: false },
);

const Metadata = Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), {
  maxProperties: 50,
  description: 'Your own key/value data, returned as given',
});

const orderExample = {
  channel: 'web',
  external_id: 'WEB-100234',
  customer: { email: 'ada@example.com', name: 'Ada Lovelace', phone: '+1 212 555 0100' },
  ship_to: {
    name: 'Ada Lovelace',
    line1: '350 5th Ave',
    city: 'New York',
    region: 'NY',
    postal_code: '10118',
    country: 'US',
  },
  lines: [
    { sku: 'TSHIRT-BLK-M', quantity: 2, unit_price: 1999 },
    { sku: 'MUG-1', quantity: 1, unit_price: 1250 },
  ],
  currency: 'USD',
  shipping: { service_level: 'standard', amount: 500 },
  discounts: [{ code: 'WELCOME10', amount: 525 }],
  payment: { status: 'captured', amount: 5223, method: 'card', avs_result: 'Y', cvv_result: 'M' },
  tags: ['first-order'],
  placed_at: '2026-11-27T10:00:00.000Z',
};

export const CreateOrderSchema = Type.Object(
  {
    channel: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'Channel code; implied by a channel-bound key',
      }),
    ),
    external_id: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'The channel’s own order id; a repeat returns the existing order',
    }),
    customer: Customer,
    ship_to: AddressSchema,
    billing_address: Type.Optional(AddressSchema),
    lines: Type.Array(Line, { minItems: 1, maxItems: 500 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' }),
    shipping: Shipping,
    discounts: Type.Optional(Type.Array(Discount, { maxItems: 20 })),
    payment: Type.Optional(Payment),
    account: OrderAccountField,
    tags: Type.Optional(Tags),
    metadata: Type.Optional(Metadata),
    placed_at: Type.Optional(
      Type.String({ format: 'date-time', description: 'When the customer ordered; defaults to now' }),
    ),
  },
  { additionalProperties: false, examples: [orderExample] },
);
export type CreateOrder = Static<typeof CreateOrderSchema>;

export const UpdateOrderSchema = Type.Object(
  {
    customer: Type.Optional(Customer),
    ship_to: Type.Optional(AddressSchema),
    billing_address: Type.Optional(AddressSchema),
    lines: Type.Optional(
      Type.Array(Line, {
        minItems: 1,
        maxItems: 500,
        uniqueItems: true,
        description: 'The new set of lines: lines are matched by SKU; a SKU left out is removed',
      }),
    ),
    shipping: Type.Optional(Shipping),
    discounts: Type.Optional(Type.Array(Discount, { maxItems: 20 })),
    tags: Type.Optional(Tags),
    metadata: Type.Optional(Metadata),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    examples: [{ ship_to: { ...orderExample.ship_to, line1: '20 W 34th St' } }],
  },
);
export type UpdateOrder = Static<typeof UpdateOrderSchema>;

export const PaymentUpdateSchema = Type.Object(
  {
    status: Type.Enum(paymentStatuses),
    amount: Type.Optional(Money('Amount authorized or captured; unchanged when left out')),
    method: Type.Optional(Text(50)),
  },
  { additionalProperties: false, examples: [{ status: 'captured', amount: 5223 }] },
);
export type PaymentUpdate = Static<typeof PaymentUpdateSchema>;

export const CancelOrderSchema = Type.Object(
  {
    reason: Text(500),
    lines: Type.Optional(
      Type.Array(
        Type.Object(
          { line_id: Id(), quantity: Type.Integer({ minimum: 1, maximum: 100_000 }) },
          { additionalProperties: false },
        ),
        {
          minItems: 1,
          maxItems: 500,
          description: 'Cancel only these quantities; the whole order when left out',
        },
      ),
    ),
  },
  { additionalProperties: false, examples: [{ reason: 'Customer changed their mind' }] },
);
export type CancelOrder = Static<typeof CancelOrderSchema>;

const HoldView = Type.Object({
  id: Type.Integer(),
  kind: Type.String(),
  queue: Type.String(),
  status: Type.Enum(['open', 'released', 'cancelled']),
  reason: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
  assignee: Type.Union([Type.String(), Type.Null()]),
  note: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  resolved_at: Type.Union([Timestamp, Type.Null()]),
});

const holdExample = {
  id: 17,
  kind: 'payment',
  queue: 'payments',
  status: 'open',
  reason: 'payment is pending',
  details: { status: 'pending' },
  assignee: null,
  note: null,
  created_at: '2026-11-27T10:00:00.000Z',
  resolved_at: null,
};

export const OrderSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    number: Type.Integer({ description: 'Human order number, sequential' }),
    channel: Type.String(),
    external_id: Type.String(),
    status: Type.Enum(orderStatuses),
    customer: Customer,
    ship_to: AddressSchema,
    billing_address: Type.Union([AddressSchema, Type.Null()]),
    currency: Type.String(),
    shipping: Shipping,
    discounts: Type.Array(Discount),
    payment: Payment,
    ...orderAccountFields,
    totals: Type.Object({
      subtotal: Type.Integer(),
      discount_total: Type.Integer(),
      shipping: Type.Integer(),
      tax_total: Type.Integer(),
      total: Type.Integer(),
      refunded: Type.Integer({ description: 'Refunds the payment system confirmed, shipping included' }),
    }),
    risk: Type.Union([
      Type.Object({
        score: Type.Integer(),
        version: Type.Integer({ description: 'Fraud rule set version used' }),
        decision: Type.Enum(['accept', 'review', 'reject']),
        reasons: Type.Array(Type.String()),
      }),
      Type.Null(),
    ]),
    priority: Type.Integer({
      description:
        "Higher is served first: from service level, then the channel's priority or the account's, whichever is higher",
    }),
    tags: Type.Array(Type.String()),
    metadata: Type.Record(Type.String(), Type.Unknown()),
    placed_at: Timestamp,
    created_at: Timestamp,
    updated_at: Timestamp,
    cancel_reason: Type.Union([Type.String(), Type.Null()]),
    promised_delivery_date: PromisedDeliveryDate,
    lines: Type.Array(
      Type.Object({
        id: Type.Integer(),
        line_number: Type.Integer(),
        sku: Type.String(),
        quantity: Type.Integer(),
        unit_price: Type.Integer(),
        tax_amount: Type.Integer(),
        allocated: Type.Integer({ description: 'Units reserved at locations' }),
        backordered: Type.Integer({ description: 'Units waiting for stock' }),
        cancelled: Type.Integer(),
        shipped: Type.Integer(),
        returned: Type.Integer({ description: 'Units received back from the customer' }),
        refunded: Type.Integer({ description: 'Units refunded' }),
        refunded_amount: Type.Integer({ description: 'Money refunded for this line, in minor units' }),
        ...kitLineFields,
        incoming: LineIncoming,
      }),
    ),
    reservations: Type.Array(
      Type.Object({
        location: Type.String(),
        items: Type.Array(
          Type.Object({ line_id: Type.Integer(), sku: Type.String(), quantity: Type.Integer() }),
        ),
      }),
      { description: 'Reserved units, grouped by the location that will ship them' },
    ),
    holds: Type.Array(HoldView),
  },
  {
    title: 'Order',
    examples: [
      {
        ...orderExample,
        id: '5b1e8f0a-6c39-4f7e-9a0b-2d4c6e8f1a3b',
        number: 100042,
        status: 'allocated',
        billing_address: null,
        totals: {
          subtotal: 5248,
          discount_total: 525,
          shipping: 500,
          tax_total: 0,
          total: 5223,
          refunded: 0,
        },
        risk: { score: 0, version: 3, decision: 'accept', reasons: [] },
        priority: 10,
        metadata: {},
        created_at: '2026-11-27T10:00:01.000Z',
        updated_at: '2026-11-27T10:00:01.000Z',
        cancel_reason: null,
        promised_delivery_date: '2026-12-01',
        lines: [
          {
            id: 311,
            line_number: 1,
            sku: 'TSHIRT-BLK-M',
            quantity: 2,
            unit_price: 1999,
            tax_amount: 0,
            allocated: 2,
            backordered: 0,
            cancelled: 0,
            shipped: 0,
            returned: 0,
            refunded: 0,
            refunded_amount: 0,
            ...{ kit: null, kit_line_number: null, units_per_kit: null },
          },
        ],
        reservations: [{ location: 'NJ-DC', items: [{ line_id: 311, sku: 'TSHIRT-BLK-M', quantity: 2 }] }],
        holds: [],
      },
    ],
  },
);
export type OrderView = Static<typeof OrderSchema>;
export type HoldViewType = Static<typeof HoldView>;

export const OrderParamsSchema = Type.Object({
  id: Type.String({
    pattern: '^([0-9]{1,15}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$',
    description: 'The order id (UUID) or its number',
  }),
});

export const OrderListQuerySchema = Type.Object({
  status: Type.Optional(Type.Enum(orderStatuses)),
  channel: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  sku: Type.Optional(
    Type.String({ minLength: 1, maxLength: 128, description: 'Orders with a line of this SKU' }),
  ),
  customer_email: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
  external_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  placed_from: Type.Optional(Type.String({ format: 'date-time' })),
  placed_to: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive' })),
  hold_kind: Type.Optional(
    Type.String({ minLength: 1, maxLength: 32, description: 'Orders with an open hold of this kind' }),
  ),
});

export const HoldListQuerySchema = Type.Object({
  queue: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  kind: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  status: Type.Optional(Type.Enum(['open', 'released', 'cancelled'])),
  assignee: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  older_than_minutes: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 5_256_000, description: 'Only holds open at least this long' }),
  ),
});

export const HoldSchema = Type.Object(
  {
    ...HoldView.properties,
    order: Type.Object({
      id: Type.String(),
      number: Type.Integer(),
      channel: Type.String(),
      status: Type.String(),
    }),
  },
  {
    title: 'Hold',
    examples: [
      {
        ...holdExample,
        order: {
          id: '5b1e8f0a-6c39-4f7e-9a0b-2d4c6e8f1a3b',
          number: 100042,
          channel: 'web',
          status: 'on_hold',
        },
      },
    ],
  },
);
export type Hold = Static<typeof HoldSchema>;

export const HoldParamsSchema = Type.Object({ id: Id() });

export const AssignHoldSchema = Type.Object(
  { assignee: Type.Union([Text(200), Type.Null()], { description: 'Who works the hold; null unassigns' }) },
  { additionalProperties: false, examples: [{ assignee: 'maria@ops.example.com' }] },
);

export const ReleaseHoldSchema = Type.Object(
  { note: Type.Optional(Text(1000)) },
  { additionalProperties: false, examples: [{ note: 'Called the customer; address confirmed' }] },
);
