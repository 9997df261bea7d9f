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
      description:
        'Lines repeating a SKU count together. A kit is promised from its components, whole kits at one location unless the kit may split',
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

const Parcels = Type.Array(
  Type.Object({
    location: Type.String({ description: 'Code of the location a parcel ships from' }),
    lines: Type.Array(Type.Object({ sku: Type.String(), quantity: Type.Integer() }), {
      description: 'Units to pick there: a kit appears as its components',
    }),
  }),
  { description: 'One entry per parcel: a single location, or the locations of a split' },
);

const IncomingUnitsSchema = Type.Object({
  location: Type.String({ description: 'Code of the location the units arrive at (and ship from)' }),
  inbound_shipment: Type.String({ format: 'uuid', description: 'The inbound shipment bringing them' }),
  reference: Type.String({ description: 'Its reference (ASN or PO number)' }),
  expected_date: Type.String({ format: 'date', description: 'When the units are expected there' }),
  sku: Type.String(),
  quantity: Type.Integer({ description: 'Units of the backordered SKU they would cover' }),
});

const ChosenSchema = Type.Object(
  {
    locations: Parcels,
    delivery_date: Type.Union([LocalDate, Type.Null()], {
      description:
        'The order’s promised_delivery_date: the latest parcel’s earliest delivery by any service of the level; null when a parcel has no quote. When capture would backorder (`unfilled`), the date the incoming units in `incoming` can deliver (their expected date, the location’s processing days, then transit), or null when incoming stock does not cover every backordered unit',
    }),
    unfilled: Type.Array(Type.Object({ sku: Type.String(), quantity: Type.Integer() }), {
      description: 'What capture would backorder (only on a channel that backorders)',
    }),
    incoming: Type.Optional(
      Type.Array(IncomingUnitsSchema, {
        description:
          'Present when capture would backorder: the incoming units (open inbound shipments at active locations serving the channel) the order would be promised for `unfilled`, soonest first, after the backordered orders ahead of it (first in, first out by priority, then age). Units of `unfilled` not listed are covered by none',
      }),
    ),
  },
  {
    description:
      'What capture would reserve now: the channel’s routing rule set, eligibility (capacity, stale feeds, tags, distance...), ranking and split policy',
  },
);
export type ChosenView = Static<typeof ChosenSchema>;

const PromiseOptionSchema = Type.Object({
  locations: Parcels,
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
    chosen: Type.Union([ChosenSchema, Type.Null()], {
      description:
        'The plan an order captured now would be routed to, and its promised delivery date; null when capture would reserve nothing (short stock, nothing eligible, a routing review) and, on a channel that backorders, no incoming stock covers any of it',
    }),
    options: Type.Array(PromiseOptionSchema, {
      description:
        'From the locations the channel’s rules make eligible; sorted by delivery date, then cost; empty when no location or service can deliver the lines',
    }),
  },
  {
    description: 'What can be promised for these lines',
    examples: [
      {
        destination: { latitude: 40.7484, longitude: -73.9967, source: 'postal_code' },
        chosen: {
          locations: [
            {
              location: 'NJ-DC',
              lines: [
                { sku: 'TSHIRT-BLK-M', quantity: 2 },
                { sku: 'MUG-1', quantity: 1 },
              ],
            },
          ],
          delivery_date: '2026-11-27',
          unfilled: [],
        },
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
      {
        destination: { latitude: 40.7484, longitude: -73.9967, source: 'postal_code' },
        chosen: {
          locations: [{ location: 'NJ-DC', lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1 }] }],
          delivery_date: '2026-12-09',
          unfilled: [{ sku: 'TSHIRT-BLK-M', quantity: 1 }],
          incoming: [
            {
              location: 'NJ-DC',
              inbound_shipment: '5d1c7e0a-2b3f-4a6d-9c8e-1f2a3b4c5d6e',
              reference: 'PO-2026-1187',
              expected_date: '2026-12-04',
              sku: 'TSHIRT-BLK-M',
              quantity: 1,
            },
          ],
        },
        options: [],
      },
    ],
  },
);
export type PromiseView = Static<typeof PromiseSchema>;
