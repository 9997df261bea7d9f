import Type, { type Static } from 'typebox';
import { shopifyFulfilmentStatuses } from '../../db/schema/index.js';
import { Count, Timestamp } from '../../http/fields.js';
import { pageQuery } from '../../http/pagination.js';

const ChannelCode = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$',
  description: 'Channel code',
});

export const ConnectorParamsSchema = Type.Object({ channel: ChannelCode });
export type ConnectorParams = Static<typeof ConnectorParamsSchema>;

const ShopDomain = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,62}\\.myshopify\\.com$',
  description: 'The store’s permanent `*.myshopify.com` domain',
});
const ApiVersion = Type.String({
  pattern: '^\\d{4}-(01|04|07|10)$',
  description: 'Shopify Admin API version (quarterly, e.g. 2025-01)',
});
const LocationMap = Type.Record(
  Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }),
  Type.String({ pattern: '^gid://shopify/Location/\\d{1,20}$' }),
  {
    maxProperties: 200,
    description:
      'Ordo location code -> Shopify location GID. Stock is pushed for these locations only; an empty map pushes nothing',
  },
);
const Secret = (description: string) =>
  Type.String({ minLength: 8, maxLength: 512, writeOnly: true, description: `${description}; write-only` });

const configExample = {
  shop_domain: 'acme-store.myshopify.com',
  webhook_secret: 'shpss_4f0c2b0e9a7d4c1e8b6a',
  access_token: 'shpat_0123456789abcdef0123456789abcdef',
  api_version: '2025-01',
  locations: { 'dc-east': 'gid://shopify/Location/71234567890' },
};

export const PutConnectorSchema = Type.Object(
  {
    shop_domain: ShopDomain,
    webhook_secret: Type.Optional(
      Secret('The app’s client secret that signs webhooks (X-Shopify-Hmac-Sha256); required the first time'),
    ),
    access_token: Type.Optional(
      Secret('Admin API access token with write_inventory (and write_fulfillments); required the first time'),
    ),
    api_version: ApiVersion,
    locations: LocationMap,
  },
  { additionalProperties: false, examples: [configExample] },
);
export type PutConnector = Static<typeof PutConnectorSchema>;

const connectorExample = {
  channel: 'web',
  shop_domain: 'acme-store.myshopify.com',
  api_version: '2025-01',
  locations: { 'dc-east': 'gid://shopify/Location/71234567890' },
  webhook_path: '/v1/connectors/shopify/web/webhooks',
  webhook_secret_set: true,
  access_token_set: true,
  created_at: '2026-11-27T10:00:00.000Z',
  updated_at: '2026-11-27T10:00:00.000Z',
};

export const ConnectorSchema = Type.Object(
  {
    channel: Type.String(),
    shop_domain: Type.String(),
    api_version: Type.String(),
    locations: Type.Record(Type.String(), Type.String()),
    webhook_path: Type.String({
      description: 'Where Shopify must send orders/create, orders/updated and orders/cancelled (JSON)',
    }),
    webhook_secret_set: Type.Boolean({ description: 'The secret itself is never returned' }),
    access_token_set: Type.Boolean({ description: 'The token itself is never returned' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { examples: [connectorExample] },
);
export type Connector = Static<typeof ConnectorSchema>;

export const deliveryOutcomes = [
  'created',
  'held',
  'updated',
  'unchanged',
  'not_applied',
  'cancelled',
  'duplicate',
  'ignored',
  'inbox',
] as const;
export type DeliveryOutcome = (typeof deliveryOutcomes)[number];

export const DeliveryResultSchema = Type.Object(
  {
    outcome: Type.Enum(deliveryOutcomes, {
      description:
        'created/held: captured, or an update applied (held: with a manual hold and the reason, e.g. a SKU Ordo does not sell); updated: what Shopify changed was applied (lines, addresses, customer, shipping, discounts, payment); unchanged: an update with nothing new; not_applied: Shopify changed the order after Ordo released it (or it shipped or was cancelled), so the change is only recorded on the order timeline for a person; cancelled; duplicate: the event was applied before; ignored: older than what was applied, or a topic Ordo does not take; inbox: unreadable or refused, kept in the inbox',
    }),
    order_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  },
  { examples: [{ outcome: 'created', order_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7' }] },
);
export type DeliveryResult = Static<typeof DeliveryResultSchema>;

/** Shopify's order webhook body (REST shape); only the fields Ordo reads are listed. */
export const ShopifyOrderBodySchema = Type.Object(
  {
    id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Shopify’s order id' }),
    currency: Type.String(),
    updated_at: Type.String({ format: 'date-time' }),
    financial_status: Type.Optional(Type.String()),
    line_items: Type.Array(Type.Object({}, { additionalProperties: true })),
  },
  {
    additionalProperties: true,
    description:
      'The raw JSON Shopify sends; it is authenticated by X-Shopify-Hmac-Sha256 (base64 HMAC-SHA256 of the raw body, keyed with the webhook secret) before it is read',
    examples: [
      {
        id: 5123456789012,
        name: '#1001',
        email: 'ana@example.com',
        currency: 'USD',
        created_at: '2025-03-01T10:00:00-05:00',
        updated_at: '2025-03-01T10:00:01-05:00',
        financial_status: 'paid',
        total_price: '54.70',
        line_items: [{ id: 1301, sku: 'TEE-BLK-M', quantity: 2, price: '25.00' }],
        shipping_lines: [{ code: 'Standard', title: 'Standard', price: '7.00' }],
        shipping_address: {
          name: 'Ana Diaz',
          address1: '92 Chestnut St',
          city: 'Louisville',
          province_code: 'KY',
          country_code: 'US',
          zip: '40202',
        },
      },
    ],
  },
);

export const ShopifyHeadersSchema = Type.Object({
  'x-shopify-hmac-sha256': Type.String({ description: 'base64 HMAC-SHA256 of the raw body' }),
  'x-shopify-topic': Type.String({ description: 'orders/create, orders/updated or orders/cancelled' }),
  'x-shopify-shop-domain': Type.Optional(Type.String()),
  'x-shopify-webhook-id': Type.Optional(Type.String()),
  'x-shopify-event-id': Type.Optional(Type.String({ description: 'Deliveries of one event share it' })),
  'x-shopify-api-version': Type.Optional(Type.String()),
  'x-shopify-triggered-at': Type.Optional(Type.String()),
});

const inboxExample = {
  id: 12,
  topic: 'orders/create',
  webhook_id: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
  reason: 'the body is not valid JSON',
  body: '{"id": 5123456789012, "line_items": [',
  received_at: '2026-11-27T10:00:00.000Z',
  dismissed_at: null,
};

export const InboxEntrySchema = Type.Object(
  {
    id: Type.Integer(),
    topic: Type.Union([Type.String(), Type.Null()]),
    webhook_id: Type.Union([Type.String(), Type.Null()]),
    reason: Type.String(),
    body: Type.String({ description: 'The raw body as received (first 64 KiB)' }),
    received_at: Timestamp,
    dismissed_at: Type.Union([Timestamp, Type.Null()], {
      description:
        'When someone dismissed it; a dismissed entry no longer raises the `connector_inbox` alert',
    }),
  },
  { examples: [inboxExample] },
);
export type InboxEntry = Static<typeof InboxEntrySchema>;

export const InboxEntryParamsSchema = Type.Object({
  channel: ChannelCode,
  id: Type.Integer({ minimum: 1, maximum: 9_007_199_254_740_991, description: 'Inbox entry id' }),
});

export const FulfilmentListQuerySchema = Type.Object({
  status: Type.Optional(
    Type.Enum(shopifyFulfilmentStatuses, {
      description:
        'pending: waiting to be created in Shopify (retried with backoff); created: Shopify has it; failed: Shopify refused it for good, or it kept failing (retry it after fixing the cause)',
    }),
  ),
  ...pageQuery,
});
export type FulfilmentListQuery = Static<typeof FulfilmentListQuerySchema>;

export const FulfilmentParamsSchema = Type.Object({
  channel: ChannelCode,
  shipment_id: Type.String({ format: 'uuid', description: 'The shipped shipment' }),
});

const fulfilmentExample = {
  shipment_id: '3f2b8c1e-5d4a-4b6f-9e7d-2a1c0b9f8e7d',
  order_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  shopify_order_id: '5123456789012',
  status: 'failed',
  attempts: 1,
  last_error: 'Shopify does not know the order',
  shopify_fulfillment_id: null,
  next_attempt_at: '2026-11-27T10:00:00.000Z',
  created_at: '2026-11-27T10:00:00.000Z',
  updated_at: '2026-11-27T10:00:02.000Z',
};

export const FulfilmentSchema = Type.Object(
  {
    shipment_id: Type.String({ format: 'uuid' }),
    order_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
      description: 'The Ordo order the shipment belongs to',
    }),
    shopify_order_id: Type.String(),
    status: Type.Enum(shopifyFulfilmentStatuses),
    attempts: Count({ description: 'Calls to Shopify so far (a retry starts again from 0)' }),
    last_error: Type.Union([Type.String(), Type.Null()]),
    shopify_fulfillment_id: Type.Union([Type.String(), Type.Null()], {
      description: 'The fulfilment’s GID in Shopify, once created',
    }),
    next_attempt_at: Type.Union([Timestamp, Type.Null()], {
      description: 'When a pending fulfilment is tried next; null unless pending',
    }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { examples: [fulfilmentExample] },
);
export type Fulfilment = Static<typeof FulfilmentSchema>;

export const ConnectorStatusSchema = Type.Object(
  {
    channel: Type.String(),
    backlog: Count({ description: 'SKU-location quantities waiting to be pushed to Shopify' }),
    inbox: Count({ description: 'Unreadable deliveries kept in the inbox and not dismissed' }),
    fulfilments_pending: Count({
      description: 'Shipped shipments whose Shopify fulfilment is not created yet',
    }),
    fulfilments_failed: Count({ description: 'Fulfilments Shopify refused for good (see `last_error`)' }),
    last_push_at: Type.Union([Timestamp, Type.Null()]),
    last_error: Type.Union([Type.String(), Type.Null()]),
    last_error_at: Type.Union([Timestamp, Type.Null()]),
    paused_until: Type.Union([Timestamp, Type.Null()], {
      description: 'Shopify asked Ordo to slow down (THROTTLED, 429, 5xx): no push before this',
    }),
  },
  {
    examples: [
      {
        channel: 'web',
        backlog: 3,
        inbox: 0,
        fulfilments_pending: 0,
        fulfilments_failed: 0,
        last_push_at: '2026-11-27T10:00:00.000Z',
        last_error: null,
        last_error_at: null,
        paused_until: null,
      },
    ],
  },
);
export type ConnectorStatus = Static<typeof ConnectorStatusSchema>;
