import Type, { type Static } from 'typebox';
import { Code, Count, Tags, Text, timestamps } from '../../http/fields.js';
import { AddressSchema } from '../addresses/index.js';

export const locationKinds = ['warehouse', 'store', 'dropship'] as const;

const fields = {
  name: Text(200),
  kind: Type.Enum(locationKinds),
  address: AddressSchema,
  latitude: Type.Number({ minimum: -90, maximum: 90 }),
  longitude: Type.Number({ minimum: -180, maximum: 180 }),
  tags: Tags,
  priority: Type.Integer({ minimum: 0, maximum: 1000, description: 'Higher ships first when rules tie' }),
  processing_days: Type.Integer({ minimum: 0, maximum: 60, description: 'Business days from order to ship' }),
  cutoff_time: Type.String({
    pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
    description: 'Local time (HH:MM) after which an order ships a day later',
  }),
  time_zone: Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'IANA time zone, e.g. America/New_York',
  }),
  capacity_orders_per_day: Type.Union([Count(), Type.Null()], {
    description: 'Orders the location can take per local day; null is unlimited',
  }),
  capacity_units_per_day: Type.Union([Count(), Type.Null()], {
    description: 'Units the location can take per local day; null is unlimited',
  }),
  max_feed_age_minutes: Type.Union([Type.Integer({ minimum: 1, maximum: 525_600 }), Type.Null()], {
    description:
      'When the stock feed (an adjustment or count) is older than this many minutes, or there is none, the location is not eligible for routing or promising (the routing trace says "stale feed") until the next feed; null never goes stale',
  }),
  fulfillment: Type.Union([Type.Literal('ordo'), Type.Literal('external_wms')], {
    description:
      '`ordo`: shipments are picked, scanned and packed through Ordo; `external_wms`: a WMS ships them and confirms with POST /v1/shipments/{id}/confirm',
  }),
  channels: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
    maxItems: 100,
    uniqueItems: true,
    description: 'Codes of the channels this location may serve; empty serves every channel',
  }),
  active: Type.Boolean(),
};

const optional = <T extends Record<string, Parameters<typeof Type.Optional>[0]>>(shape: T) =>
  Object.fromEntries(Object.entries(shape).map(([key, schema]) => [key, Type.Optional(schema)])) as {
    [K in keyof T]: ReturnType<typeof Type.Optional<T[K]>>;
  };

const createExample = {
  code: 'NJ-DC',
  name: 'New Jersey DC',
  kind: 'warehouse',
  address: { line1: '200 Commerce Way', city: 'Edison', region: 'NJ', postal_code: '08837', country: 'US' },
  tags: ['ambient'],
  priority: 10,
  processing_days: 1,
  cutoff_time: '15:00',
  time_zone: 'America/New_York',
  capacity_orders_per_day: 5000,
  capacity_units_per_day: null,
  max_feed_age_minutes: 240,
  fulfillment: 'ordo',
  channels: [],
};

export const CreateLocationSchema = Type.Object(
  {
    code: Code('Location code', 'NJ-DC'),
    name: fields.name,
    kind: fields.kind,
    address: fields.address,
    ...optional({
      latitude: fields.latitude,
      longitude: fields.longitude,
      tags: fields.tags,
      priority: fields.priority,
      processing_days: fields.processing_days,
      cutoff_time: fields.cutoff_time,
      time_zone: fields.time_zone,
      capacity_orders_per_day: fields.capacity_orders_per_day,
      capacity_units_per_day: fields.capacity_units_per_day,
      max_feed_age_minutes: fields.max_feed_age_minutes,
      fulfillment: fields.fulfillment,
      channels: fields.channels,
      active: fields.active,
    }),
  },
  { additionalProperties: false, examples: [createExample] },
);
export type CreateLocation = Static<typeof CreateLocationSchema>;

export const UpdateLocationSchema = Type.Object(
  optional({
    name: fields.name,
    kind: fields.kind,
    address: fields.address,
    latitude: fields.latitude,
    longitude: fields.longitude,
    tags: fields.tags,
    priority: fields.priority,
    processing_days: fields.processing_days,
    cutoff_time: fields.cutoff_time,
    time_zone: fields.time_zone,
    capacity_orders_per_day: fields.capacity_orders_per_day,
    capacity_units_per_day: fields.capacity_units_per_day,
    max_feed_age_minutes: fields.max_feed_age_minutes,
    fulfillment: fields.fulfillment,
    channels: fields.channels,
    active: fields.active,
  }),
  {
    additionalProperties: false,
    minProperties: 1,
    examples: [{ cutoff_time: '16:00', tags: ['ambient', 'cold'], capacity_units_per_day: 20_000 }],
  },
);
export type UpdateLocation = Static<typeof UpdateLocationSchema>;

const nullable = <T extends Parameters<typeof Type.Optional>[0]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const LocationSchema = Type.Object(
  {
    code: Type.String(),
    ...fields,
    latitude: nullable(fields.latitude),
    longitude: nullable(fields.longitude),
    coordinates_source: Type.Union([Type.Enum(['given', 'postal_code']), Type.Null()], {
      description: 'Where latitude/longitude came from: the client, or the postal-code dataset (US, CA)',
    }),
    ...timestamps,
  },
  {
    title: 'Location',
    examples: [
      {
        ...createExample,
        latitude: 40.5187,
        longitude: -74.3483,
        coordinates_source: 'postal_code',
        active: true,
        created_at: '2026-11-27T10:00:00.000Z',
        updated_at: '2026-11-27T10:00:00.000Z',
      },
    ],
  },
);
export type Location = Static<typeof LocationSchema>;

export const LocationParamsSchema = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) });

export const LocationListQuerySchema = Type.Object({
  active: Type.Optional(Type.Boolean()),
  kind: Type.Optional(fields.kind),
  tag: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'Locations carrying this tag' }),
  ),
  channel: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'Locations that may serve this channel' }),
  ),
  country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
});
