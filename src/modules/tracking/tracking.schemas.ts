import Type, { type Static } from 'typebox';
import { Timestamp } from '../../http/fields.js';

/** What a customer sees of an order (no API key), the merchant's view of its status link, and lookups. */

const Day = Type.String({ format: 'date', description: 'A calendar date, YYYY-MM-DD' });
const nullable = <T extends Parameters<typeof Type.Optional>[0]>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description ? { description } : {});

export const customerStatuses = [
  'confirmed',
  'backordered',
  'processing',
  'partially_shipped',
  'shipped',
  'delivered',
  'partially_returned',
  'returned',
  'cancelled',
] as const;

export const parcelStatuses = ['preparing', 'shipped', 'in_transit', 'delivered', 'exception'] as const;

const Quantities = {
  quantity: Type.Integer({ description: 'Units ordered' }),
  shipped: Type.Integer(),
  cancelled: Type.Integer(),
  returned: Type.Integer(),
};

const TrackedItem = Type.Object({
  sku: Type.String(),
  name: Type.String(),
  ...Quantities,
  components: Type.Array(Type.Object({ sku: Type.String(), name: Type.String(), quantity: Type.Integer() }), {
    description: 'For a kit: what is in it (every kit, all units); empty for any other item',
  }),
});

const TrackingEvent = Type.Object({
  status: Type.String(),
  description: nullable(Type.String()),
  location: nullable(Type.String()),
  occurred_at: Type.String(),
});

const Parcel = Type.Object({
  number: Type.String({ description: 'The shipment number, e.g. 100042-1' }),
  status: Type.Enum(parcelStatuses, {
    description: 'preparing (picked and packed at the warehouse), shipped, in_transit, delivered, exception',
  }),
  carrier: nullable(Type.String()),
  service: nullable(Type.String()),
  tracking_number: nullable(Type.String()),
  tracking_url: nullable(Type.String()),
  shipped_at: nullable(Timestamp),
  delivered_at: nullable(Timestamp),
  items: Type.Array(Type.Object({ sku: Type.String(), name: Type.String(), quantity: Type.Integer() })),
  events: Type.Array(TrackingEvent, { description: 'The carrier’s tracking events, oldest first' }),
});

const Delay = Type.Object({
  kind: Type.Enum(['past_promise', 'promise_moved'], {
    description:
      'past_promise: the promised date passed and the order is not delivered; promise_moved: the promised date moved later (or was lost while waiting for stock)',
  }),
  previous_date: nullable(Day, 'The date promised before'),
  promised_date: nullable(Day, 'The date promised now (null: no date yet)'),
  at: Type.String({ description: 'When it happened (past_promise: the day after the promise, UTC)' }),
});

const Return = Type.Object({
  number: Type.String(),
  status: Type.String({
    description: 'requested, authorized, in_transit, received, refunded, closed or rejected',
  }),
  requested_at: Timestamp,
  items: Type.Array(
    Type.Object({ sku: Type.String(), name: Type.String(), quantity: Type.Integer(), reason: Type.String() }),
  ),
  refund: nullable(
    Type.Object({
      status: Type.Enum(['pending', 'refunded'], {
        description: 'pending until the payment system confirmed every refund of the return',
      }),
      amount: Type.Integer({ description: 'In minor units (cents)' }),
      currency: Type.String(),
    }),
    'Null until a refund is requested',
  ),
});

const trackedExample = {
  order_number: 100001,
  placed_at: '2026-11-27T14:03:11.000Z',
  status: 'shipped',
  status_text: 'On its way',
  promised_delivery_date: '2026-12-01',
  ship_to: { city: 'New York', region: 'NY', postal_code: '10118', country: 'US' },
  items: [
    {
      sku: 'TSHIRT-BLK-M',
      name: 'T-shirt, black, M',
      quantity: 2,
      shipped: 2,
      cancelled: 0,
      returned: 0,
      components: [],
    },
  ],
  shipments: [
    {
      number: '100001-1',
      status: 'in_transit',
      carrier: 'ups',
      service: 'ground',
      tracking_number: '1Z999AA10123456784',
      tracking_url: null,
      shipped_at: '2026-11-28T16:20:00.000Z',
      delivered_at: null,
      items: [{ sku: 'TSHIRT-BLK-M', name: 'T-shirt, black, M', quantity: 2 }],
      events: [
        {
          status: 'in_transit',
          description: 'Arrived at facility',
          location: 'Newark, NJ',
          occurred_at: '2026-11-29T08:10:00.000Z',
        },
      ],
    },
  ],
  delays: [],
  returns: [],
};

export const TrackedOrderSchema = Type.Object(
  {
    order_number: Type.Integer(),
    placed_at: Timestamp,
    status: Type.Enum(customerStatuses, { description: 'Where the order is, in a customer’s words' }),
    status_text: Type.String({ description: 'The status as a sentence for the customer' }),
    promised_delivery_date: nullable(Day),
    ship_to: Type.Object(
      {
        city: nullable(Type.String()),
        region: nullable(Type.String()),
        postal_code: nullable(Type.String()),
        country: Type.String(),
      },
      { description: 'Where it goes, without the street, name or phone' },
    ),
    items: Type.Array(TrackedItem),
    shipments: Type.Array(Parcel),
    delays: Type.Array(Delay),
    returns: Type.Array(Return),
  },
  {
    description:
      'What a customer may see of an order: never the street address, name, phone, email, payment, notes, tags, metadata or risk',
    examples: [trackedExample],
  },
);
export type TrackedOrder = Static<typeof TrackedOrderSchema>;

const linkExample = {
  token: 'k3Jc0m5xQ0e2bWw4y7sS3gAAAAF1mC8Jb2Zt0bW9x3qLr7aQ',
  url: 'https://shop.example.com/track/k3Jc0m5xQ0e2bWw4y7sS3gAAAAF1mC8Jb2Zt0bW9x3qLr7aQ',
  expires_at: null,
  revoked: false,
};

export const StatusLinkSchema = Type.Object(
  {
    token: Type.String({ description: '48 URL-safe characters, signed' }),
    url: Type.String({ description: 'The page a customer opens (ORDO_PUBLIC_URL/track/<token>)' }),
    expires_at: nullable(
      Timestamp,
      'When the link stops working (ORDO_STATUS_LINK_DAYS after the last delivery or the cancellation); null while the order is under way',
    ),
    revoked: Type.Boolean({ description: 'Revoked links answer 404 until a new one is issued' }),
  },
  { examples: [linkExample] },
);

export const TrackParamsSchema = Type.Object({
  token: Type.String({ description: 'The status link’s token (anything else is the same 404)' }),
});

export const LookupSchema = Type.Object(
  {
    order_number: Type.Union(
      [
        Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
        Type.String({ pattern: '^\\s*#?[0-9]{1,15}\\s*$' }),
      ],
      { description: 'The order number, e.g. 100001 (or "#100001")' },
    ),
    email: Type.Optional(
      Type.String({ minLength: 3, maxLength: 254, description: 'Compared ignoring case' }),
    ),
    postal_code: Type.Optional(
      Type.String({ minLength: 1, maxLength: 20, description: 'Compared ignoring case, spaces and dashes' }),
    ),
  },
  {
    additionalProperties: false,
    description: 'The order number and exactly one of the customer’s email and the delivery postal code',
    examples: [{ order_number: 100001, email: 'ada@example.com' }],
  },
);
export type Lookup = Static<typeof LookupSchema>;

export const LookupResultSchema = Type.Object(
  {
    status_link: Type.Object({ url: Type.String(), token: Type.String() }),
    order: TrackedOrderSchema,
  },
  { examples: [{ status_link: { url: linkExample.url, token: linkExample.token }, order: trackedExample }] },
);
