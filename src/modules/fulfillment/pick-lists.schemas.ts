import Type, { type Static } from 'typebox';
import { serviceLevels } from '../../db/schema/orders.js';
import { Count, Id, Timestamp } from '../../http/fields.js';
import { PackingSchema } from './shipments.schemas.js';

const nullable = <T extends Parameters<typeof Type.Optional>[0]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const LocationCodeParamsSchema = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) });

const PlacementSchema = Type.Object(
  {
    sku: Type.String({ minLength: 1, maxLength: 128 }),
    zone: Type.String({ minLength: 1, maxLength: 32 }),
    aisle: Type.String({ minLength: 1, maxLength: 32 }),
    bin: Type.String({ minLength: 1, maxLength: 32 }),
    walk_sequence: Count({ description: 'Position on the picker’s walk; lower is visited first' }),
  },
  { additionalProperties: false },
);

export const ReplaceBinsSchema = Type.Object(
  {
    placements: Type.Array(PlacementSchema, {
      maxItems: 50_000,
      description: 'Every placement at the location; products not listed have no bin',
    }),
  },
  {
    additionalProperties: false,
    examples: [
      {
        placements: [
          { sku: 'TSHIRT-BLK-M', zone: 'A', aisle: '03', bin: 'A-03-2', walk_sequence: 120 },
          { sku: 'MUG-WHT', zone: 'B', aisle: '11', bin: 'B-11-4', walk_sequence: 410 },
        ],
      },
    ],
  },
);
export type ReplaceBins = Static<typeof ReplaceBinsSchema>;

export const BinsSchema = Type.Object(
  { location: Type.String(), placements: Type.Array(PlacementSchema) },
  {
    examples: [
      {
        location: 'NJ-DC',
        placements: [{ sku: 'TSHIRT-BLK-M', zone: 'A', aisle: '03', bin: 'A-03-2', walk_sequence: 120 }],
      },
    ],
  },
);

export const CreatePickListSchema = Type.Object(
  {
    max_orders: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 500, default: 20, description: 'Shipments (orders) in the batch' }),
    ),
    max_units: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100_000, default: 500, description: 'Units in the batch' }),
    ),
    service_levels: Type.Optional(Type.Array(Type.Enum(serviceLevels), { minItems: 1, uniqueItems: true })),
    carriers: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        minItems: 1,
        maxItems: 50,
        uniqueItems: true,
      }),
    ),
    min_priority: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1_000_000,
        description: 'Only shipments of orders at least this urgent',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [{ max_orders: 10, max_units: 200, service_levels: ['express', 'same_day'] }],
  },
);
export type CreatePickList = Static<typeof CreatePickListSchema>;

const PickItemSchema = Type.Object({
  sku: Type.String(),
  zone: nullable(Type.String()),
  aisle: nullable(Type.String()),
  bin: nullable(Type.String()),
  walk_sequence: nullable(Type.Integer()),
  quantity: Type.Integer({ description: 'Units to pick, across every tote' }),
  picked: nullable(Type.Integer({ description: 'Units the picker confirmed' })),
  totes: Type.Array(
    Type.Object({
      tote: Type.Integer(),
      shipment_id: Type.String({ format: 'uuid' }),
      quantity: Type.Integer(),
    }),
    { description: 'Which tote (shipment) gets how many' },
  ),
});

export const PickListSchema = Type.Object(
  {
    id: Type.Integer(),
    location: Type.String(),
    status: Type.Enum(['open', 'confirmed', 'cancelled']),
    criteria: Type.Record(Type.String(), Type.Unknown()),
    items: Type.Array(PickItemSchema, { description: 'In walk sequence' }),
    totes: Type.Array(
      Type.Object({
        tote: Type.Integer(),
        shipment_id: Type.String({ format: 'uuid' }),
        shipment_number: Type.String(),
        ship_by: Type.String({ format: 'date' }),
        packing: nullable(PackingSchema),
      }),
      {
        description:
          'The batch’s shipments, most urgent first, with their packing instructions and materials',
      },
    ),
    created_at: Timestamp,
    confirmed_at: nullable(Timestamp),
  },
  {
    title: 'PickList',
    examples: [
      {
        id: 12,
        location: 'NJ-DC',
        status: 'open',
        criteria: { max_orders: 10, max_units: 200 },
        items: [
          {
            sku: 'TSHIRT-BLK-M',
            zone: 'A',
            aisle: '03',
            bin: 'A-03-2',
            walk_sequence: 120,
            quantity: 3,
            picked: null,
            totes: [
              { tote: 1, shipment_id: '0b9a4f7e-3c1d-4e59-9a51-2f1f6f2b8c11', quantity: 2 },
              { tote: 2, shipment_id: '7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f', quantity: 1 },
            ],
          },
        ],
        totes: [
          {
            tote: 1,
            shipment_id: '0b9a4f7e-3c1d-4e59-9a51-2f1f6f2b8c11',
            shipment_number: '100042-1',
            ship_by: '2026-11-30',
            packing: { version: null, instructions: [], materials: [] },
          },
        ],
        created_at: '2026-11-27T10:00:00.000Z',
        confirmed_at: null,
      },
    ],
  },
);
export type PickListView = Static<typeof PickListSchema>;

export const PickListParamsSchema = Type.Object({ id: Id() });

export const ConfirmPickListSchema = Type.Object(
  {
    items: Type.Optional(
      Type.Array(
        Type.Object(
          { sku: Type.String({ minLength: 1, maxLength: 128 }), picked: Count({ maximum: 1_000_000 }) },
          { additionalProperties: false },
        ),
        {
          maxItems: 5000,
          description:
            'Units picked per SKU; SKUs not listed were picked in full. A short pick re-routes the missing units and corrects the shelf',
        },
      ),
    ),
  },
  { additionalProperties: false, examples: [{}, { items: [{ sku: 'TSHIRT-BLK-M', picked: 2 }] }] },
);
export type ConfirmPickList = Static<typeof ConfirmPickListSchema>;
