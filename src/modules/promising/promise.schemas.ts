import Type, { type Static } from 'typebox';
import { serviceLevels } from '../../db/schema/orders.js';
import { AddressSchema } from '../addresses/index.js';

export const maxPromiseLines = 100;

const Sku = Type.String({ minLength: 1, maxLength: 128 });
const LocalDate = Type.String({
  format: 'date',
  description: 'YYYY-MM-DD in the shipping location’s time zone',
});

const Line = Type.Object(
  { sku: Sku, quantity: Type.Integer({ minimum: 1, maximum: 100_000 }) },
  { additionalProperties: false },
);

export const PromiseRequestSchema = Type.Object(
  {
    channel: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'Channel whose stock may be promised; defaults to the channel of a channel-bound key',
      }),
    ),
    lines: Type.Array(Line, {
      minItems: 1,
      maxItems: maxPromiseLines,
      description: 'Lines repeating a SKU count together',
    }),
    destination: AddressSchema,
    service_level: Type.Enum(serviceLevels),
  },
  {
    additionalProperties: false,
    examples: [
      {
        channel: 'web',
        lines: [
          { sku: 'TSHIRT-BLK-M', quantity: 2 },
          { sku: 'MUG-1', quantity: 1 },
        ],
        destination: {
          line1: '350 5th Ave',
          city: 'New York',
          region: 'NY',
          postal_code: '10118',
          country: 'US',
        },
        service_level: 'standard',
      },
    ],
  },
);
export type PromiseRequest = Static<typeof PromiseRequestSchema>;

const PromiseOptionSchema = Type.Object({
  locations: Type.Array(
    Type.Object({
      location: Type.String({ description: 'Code of the location a parcel ships from' }),
      lines: Type.Array(Type.Object({ sku: Type.String(), quantity: Type.Integer() })),
    }),
    { description: 'One entry per parcel: a single location, or the locations of a split' },
  ),
  carrier: Type.String(),
  service: Type.String(),
  ship_date: { ...LocalDate, description: 'When the last parcel leaves, in its location’s time zone' },
  delivery_date: { ...LocalDate, description: 'When the last parcel arrives' },
  cost: Type.Integer({ description: 'Shipping cost in minor units, summed over the parcels' }),
  transit_days: Type.Integer({ description: 'Business days in transit of the slowest parcel' }),
});

export const PromiseSchema = Type.Object(
  {
    destination: Type.Object({
      latitude: Type.Number(),
      longitude: Type.Number(),
      source: Type.Enum(['given', 'postal_code', 'country_centroid'], {
        description: 'Where the coordinates came from: the address itself, its postal code, or its country',
      }),
    }),
    options: Type.Array(PromiseOptionSchema, {
      description:
        'Sorted by delivery date, then cost; empty when no location or service can deliver the lines',
    }),
  },
  {
    description: 'What can be promised for these lines',
    examples: [
      {
        destination: { latitude: 40.7484, longitude: -73.9967, source: 'postal_code' },
        options: [
          {
            locations: [
              {
                location: 'NJ-DC',
                lines: [
                  { sku: 'TSHIRT-BLK-M', quantity: 2 },
                  { sku: 'MUG-1', quantity: 1 },
                ],
              },
            ],
            carrier: 'ups',
            service: 'ground',
            ship_date: '2026-11-25',
            delivery_date: '2026-11-27',
            cost: 650,
            transit_days: 2,
          },
        ],
      },
    ],
  },
);
export type PromiseView = Static<typeof PromiseSchema>;
