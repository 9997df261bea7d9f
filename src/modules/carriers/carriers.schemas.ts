import Type, { type Static } from 'typebox';
import { serviceLevels } from '../../db/schema/orders.js';
import { Code, Count, Text, timestamps } from '../../http/fields.js';

export const limits = { services: 20, bands: 50, brackets: 50, pickupCutoffs: 500 } as const;

const codePattern = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';
const hhmm = '^([01][0-9]|2[0-3]):[0-5][0-9]$';

const Kilometres = Type.Number({ minimum: 0, maximum: 100_000 });
const Grams = Count();

export const DistanceBandSchema = Type.Object(
  { min_km: Kilometres, max_km: Kilometres },
  { additionalProperties: false, description: 'Great-circle km from ship-from to ship-to: [min_km, max_km)' },
);

export const WeightBracketSchema = Type.Object(
  { min_grams: Grams, max_grams: Grams },
  { additionalProperties: false, description: 'Parcel weight: [min_grams, max_grams)' },
);

export const RateSchema = Type.Object(
  {
    price: Count({ description: 'Price in minor units of the currency the carrier bills in' }),
    transit_days: Type.Integer({ minimum: 0, maximum: 60, description: 'Business days in transit' }),
  },
  { additionalProperties: false },
);

export const RateCardSchema = Type.Object(
  {
    distance_bands: Type.Array(DistanceBandSchema, {
      minItems: 1,
      maxItems: limits.bands,
      description: 'Half-open ranges starting at 0 km, in order, without gaps or overlaps',
    }),
    weight_brackets: Type.Array(WeightBracketSchema, {
      minItems: 1,
      maxItems: limits.brackets,
      description: 'Half-open ranges starting at 0 g, in order, without gaps or overlaps',
    }),
    rates: Type.Array(Type.Array(RateSchema, { maxItems: limits.brackets }), {
      maxItems: limits.bands,
      description: '`rates[band][bracket]`: one row per distance band, one cell per weight bracket',
    }),
  },
  { additionalProperties: false },
);
export type RateCardInput = Static<typeof RateCardSchema>;

const serviceFields = {
  code: Code('Service code, unique within the carrier', 'ground'),
  name: Text(200),
  service_levels: Type.Array(Type.Enum(serviceLevels), {
    minItems: 1,
    maxItems: serviceLevels.length,
    uniqueItems: true,
    description: 'The order service levels this service can deliver',
  }),
  rate_card: RateCardSchema,
  pickup_cutoffs: Type.Record(
    Type.String({ pattern: codePattern }),
    Type.String({ pattern: hhmm, description: 'Local time (HH:MM)' }),
    {
      additionalProperties: false,
      maxProperties: limits.pickupCutoffs,
      description:
        'Location code -> latest local pickup time (HH:MM); locations not listed use their own order cut-off',
    },
  ),
  active: Type.Boolean(),
};

const rateCardExample = {
  distance_bands: [
    { min_km: 0, max_km: 300 },
    { min_km: 300, max_km: 20_100 },
  ],
  weight_brackets: [
    { min_grams: 0, max_grams: 1000 },
    { min_grams: 1000, max_grams: 30_000 },
  ],
  rates: [
    [
      { price: 650, transit_days: 1 },
      { price: 990, transit_days: 2 },
    ],
    [
      { price: 890, transit_days: 4 },
      { price: 1490, transit_days: 5 },
    ],
  ],
};

const serviceExample = {
  code: 'ground',
  name: 'Ground',
  service_levels: ['standard'],
  rate_card: rateCardExample,
  pickup_cutoffs: { 'NJ-DC': '16:30' },
};

export const CarrierServiceInputSchema = Type.Object(
  {
    code: serviceFields.code,
    name: serviceFields.name,
    service_levels: serviceFields.service_levels,
    rate_card: serviceFields.rate_card,
    pickup_cutoffs: Type.Optional(serviceFields.pickup_cutoffs),
    active: Type.Optional(serviceFields.active),
  },
  { additionalProperties: false },
);
export type CarrierServiceInput = Static<typeof CarrierServiceInputSchema>;

export const carrierAdapters = ['rate_card', 'http'] as const;
export type CarrierAdapterKind = (typeof carrierAdapters)[number];

const Adapter = Type.Enum(carrierAdapters, {
  description:
    "How shipments get labels and tracking numbers: `rate_card` (built in: UPU S10 numbers, no carrier call) or `http` (`POST {endpoint}/labels` on the carrier's API)",
});

const Endpoint = Type.String({
  minLength: 1,
  maxLength: 2000,
  pattern: '^[Hh][Tt][Tt][Pp][Ss]?://',
  description:
    "Base URL of the carrier's label API (http or https, no credentials in it); required for `http`",
  examples: ['https://api.carrier.example/v1'],
});

const ApiToken = Type.String({
  pattern: '^[\\x21-\\x7e]{1,4096}$',
  description:
    'Sent as `Authorization: Bearer <token>` to the endpoint; write-only (responses only say `has_api_token`)',
});

const servicesInput = (description: string) =>
  Type.Array(CarrierServiceInputSchema, { maxItems: limits.services, description });

export const CreateCarrierSchema = Type.Object(
  {
    code: Code('Carrier code', 'ups'),
    name: Text(200),
    active: Type.Optional(Type.Boolean()),
    adapter: Type.Optional({ ...Adapter, default: 'rate_card' }),
    endpoint: Type.Optional(Endpoint),
    api_token: Type.Optional(ApiToken),
    services: servicesInput('The carrier’s services; codes are unique within the carrier'),
  },
  {
    additionalProperties: false,
    examples: [
      { code: 'ups', name: 'UPS', services: [serviceExample] },
      {
        code: 'acme',
        name: 'Acme Parcel',
        adapter: 'http',
        endpoint: 'https://api.acme-parcel.example/v1',
        api_token: 'tok_live_4f2a9c',
        services: [serviceExample],
      },
    ],
  },
);
export type CreateCarrier = Static<typeof CreateCarrierSchema>;

export const UpdateCarrierSchema = Type.Object(
  {
    name: Type.Optional(Text(200)),
    active: Type.Optional(Type.Boolean()),
    adapter: Type.Optional(Adapter),
    endpoint: Type.Optional(Type.Union([Endpoint, Type.Null()], { description: 'null removes it' })),
    api_token: Type.Optional(
      Type.Union([ApiToken, Type.Null()], {
        description: 'A new token replaces the old one; null removes it',
      }),
    ),
    services: Type.Optional(servicesInput('Replaces the whole list of services')),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ name: 'UPS (contract 2027)' }] },
);
export type UpdateCarrier = Static<typeof UpdateCarrierSchema>;

export const CarrierServiceSchema = Type.Object(serviceFields);
export type CarrierServiceBody = Static<typeof CarrierServiceSchema>;

export const CarrierSchema = Type.Object(
  {
    code: Type.String(),
    name: Type.String(),
    active: Type.Boolean(),
    adapter: Adapter,
    endpoint: Type.Union([Type.String(), Type.Null()], { description: 'Base URL of the label API, or null' }),
    has_api_token: Type.Boolean({
      description: 'Whether an API token is stored (the token itself is never returned)',
    }),
    services: Type.Array(CarrierServiceSchema),
    ...timestamps,
  },
  {
    title: 'Carrier',
    examples: [
      {
        code: 'ups',
        name: 'UPS',
        active: true,
        adapter: 'rate_card',
        endpoint: null,
        has_api_token: false,
        services: [{ ...serviceExample, active: true }],
        created_at: '2026-11-27T10:00:00.000Z',
        updated_at: '2026-11-27T10:00:00.000Z',
      },
    ],
  },
);
export type Carrier = Static<typeof CarrierSchema>;

export const CarrierParamsSchema = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) });

export const CarrierListQuerySchema = Type.Object({
  active: Type.Optional(Type.Boolean({ description: 'Only active (true) or inactive (false) carriers' })),
});
