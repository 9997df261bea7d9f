import Type, { type Static } from 'typebox';
import { movementReasons, stockStates } from '../../db/schema/inventory.js';
import { Timestamp } from '../../http/fields.js';

export const maxFeedItems = 10_000;

const Sku = Type.String({ minLength: 1, maxLength: 128 });
const LocationCode = Type.String({ minLength: 1, maxLength: 64 });
const Reference = Type.String({
  minLength: 1,
  maxLength: 200,
  description:
    'The source system’s id of this batch; a batch whose reference was already applied changes nothing',
});

export const adjustmentReasons = [
  'receipt',
  'adjustment',
  'return_restock',
  'transfer',
  'correction',
] as const;

export const AdjustmentSchema = Type.Object(
  {
    reference: Reference,
    reason: Type.Enum(adjustmentReasons),
    items: Type.Array(
      Type.Object(
        {
          sku: Sku,
          location: LocationCode,
          delta: Type.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000, not: { const: 0 } }),
          state: Type.Optional(
            Type.Enum(stockStates, {
              description:
                'The state of the units added or taken (default `sellable`): receive damaged goods as `damaged`, write off damaged ones with a negative delta',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: maxFeedItems },
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        reference: 'ASN-2026-11-27-0042',
        reason: 'receipt',
        items: [
          { sku: 'TSHIRT-BLK-M', location: 'NJ-DC', delta: 120 },
          { sku: 'MUG-1', location: 'NJ-DC', delta: 48 },
        ],
      },
    ],
  },
);
export type Adjustment = Static<typeof AdjustmentSchema>;

export const CountSchema = Type.Object(
  {
    reference: Reference,
    items: Type.Array(
      Type.Object(
        { sku: Sku, location: LocationCode, on_hand: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: maxFeedItems },
    ),
  },
  {
    additionalProperties: false,
    examples: [
      { reference: 'CC-NJ-DC-2026-11-27', items: [{ sku: 'TSHIRT-BLK-M', location: 'NJ-DC', on_hand: 117 }] },
    ],
  },
);
export type Count = Static<typeof CountSchema>;

const Shortfall = Type.Object({
  sku: Type.String(),
  location: Type.String(),
  on_hand: Type.Integer(),
  reserved: Type.Integer(),
  short_by: Type.Integer({ description: 'Reserved units the shelf no longer covers' }),
  holders: Type.Array(Type.String(), { description: 'What holds the uncovered reservations (order lines)' }),
});

export const FeedResultSchema = Type.Object(
  {
    reference: Type.String(),
    kind: Type.Enum(['adjustment', 'count', 'state_move']),
    applied: Type.Boolean({
      description: 'false when this reference had been applied before: nothing changed now',
    }),
    items: Type.Integer({ description: 'Rows in the batch' }),
    applied_at: Timestamp,
    shortfalls: Type.Array(Shortfall, {
      description:
        'Levels now holding fewer units than are reserved; an inventory.shortfall event was opened for each',
    }),
  },
  {
    examples: [
      {
        reference: 'ASN-2026-11-27-0042',
        kind: 'adjustment',
        applied: true,
        items: 2,
        applied_at: '2026-11-27T10:00:00.000Z',
        shortfalls: [],
      },
    ],
  },
);
export type FeedResult = Static<typeof FeedResultSchema>;

export const LevelSchema = Type.Object(
  {
    sku: Type.String(),
    location: Type.String(),
    on_hand: Type.Integer({ description: 'Every unit at the location, sellable or not' }),
    reserved: Type.Integer(),
    damaged: Type.Integer({ description: 'Units of on_hand that are damaged: never sellable' }),
    quality_control: Type.Integer({ description: 'Units of on_hand in quality control: never sellable' }),
    safety_stock: Type.Union([Type.Integer(), Type.Null()], {
      description: 'The level’s own safety stock; null uses each channel’s default',
    }),
    available: Type.Integer({
      description:
        'on_hand - damaged - quality_control - reserved - safety_stock (0 when null), never below 0',
    }),
    reorder_point: Type.Union([Type.Integer(), Type.Null()], {
      description:
        'With fewer units on hand the level needs reordering (a `below_reorder_point` alert); null: none',
    }),
    updated_at: Timestamp,
  },
  {
    title: 'InventoryLevel',
    examples: [
      {
        sku: 'TSHIRT-BLK-M',
        location: 'NJ-DC',
        on_hand: 120,
        reserved: 7,
        damaged: 2,
        quality_control: 0,
        safety_stock: 5,
        available: 106,
        reorder_point: 40,
        updated_at: '2026-11-27T10:00:00.000Z',
      },
    ],
  },
);
export type Level = Static<typeof LevelSchema>;

export const LevelListQuerySchema = Type.Object({
  sku: Type.Optional(Sku),
  location: Type.Optional(LocationCode),
  below: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 1_000_000_000,
      description: 'Only levels whose available is below this',
    }),
  ),
});

export const MovementSchema = Type.Object(
  {
    id: Type.Integer(),
    sku: Type.String(),
    location: Type.String(),
    reason: Type.String(),
    quantity_change: Type.Integer(),
    on_hand_after: Type.Integer(),
    stock_state: Type.Enum(stockStates, {
      description:
        'The state of the units the row adds or takes; a `state_change` is two rows that cancel out in on_hand',
    }),
    reference: Type.String(),
    api_key_id: Type.Union([Type.String(), Type.Null()]),
    created_at: Timestamp,
  },
  {
    title: 'InventoryMovement',
    examples: [
      {
        id: 981,
        sku: 'TSHIRT-BLK-M',
        location: 'NJ-DC',
        reason: 'receipt',
        quantity_change: 120,
        on_hand_after: 120,
        stock_state: 'sellable',
        reference: 'ASN-2026-11-27-0042',
        api_key_id: '0f8d6c1e-3b5a-4c1e-9d2f-7a6b5c4d3e2f',
        created_at: '2026-11-27T10:00:00.000Z',
      },
    ],
  },
);
export type Movement = Static<typeof MovementSchema>;

export const MovementListQuerySchema = Type.Object({
  sku: Type.Optional(Sku),
  location: Type.Optional(LocationCode),
  reason: Type.Optional(Type.Enum(movementReasons)),
  stock_state: Type.Optional(Type.Enum(stockStates)),
  reference: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});

export const SafetyStockSchema = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          sku: Sku,
          location: LocationCode,
          channel: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 64,
              description: 'Set a channel’s own override for this level',
            }),
          ),
          quantity: Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000_000 }), Type.Null()], {
            description: 'Units held back; null removes the setting (falling back to the channel default)',
          }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: maxFeedItems },
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        items: [
          { sku: 'TSHIRT-BLK-M', location: 'NJ-DC', quantity: 5 },
          { sku: 'TSHIRT-BLK-M', location: 'NJ-DC', channel: 'amazon', quantity: 20 },
        ],
      },
    ],
  },
);
export type SafetyStock = Static<typeof SafetyStockSchema>;

export const ReorderPointsSchema = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          sku: Sku,
          location: LocationCode,
          reorder_point: Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000_000 }), Type.Null()], {
            description: 'Fewer units on hand than this need reordering; null removes the reorder point',
          }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: maxFeedItems },
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        items: [
          { sku: 'TSHIRT-BLK-M', location: 'NJ-DC', reorder_point: 40 },
          { sku: 'MUG-1', location: 'NJ-DC', reorder_point: null },
        ],
      },
    ],
  },
);
export type ReorderPoints = Static<typeof ReorderPointsSchema>;

export const SafetyStockResultSchema = Type.Object(
  { updated: Type.Integer() },
  { description: 'Settings written', examples: [{ updated: 2 }] },
);

export const AvailabilityQuerySchema = Type.Object({
  sku: Type.String({
    minLength: 1,
    maxLength: 10_000,
    description: 'Comma-separated SKUs, at most 100',
    examples: ['TSHIRT-BLK-M,MUG-1'],
  }),
  channel: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'Defaults to the channel of a channel-bound key',
    }),
  ),
});

const Incoming = Type.Object({
  quantity: Type.Integer({ description: 'Units expected and not yet received' }),
  expected_date: Type.String({ format: 'date' }),
  inbound_shipment: Type.String({ format: 'uuid', description: 'The inbound shipment expecting them' }),
  reference: Type.String({ description: 'Its reference (ASN or purchase order number)' }),
});

export const AvailabilitySchema = Type.Object(
  {
    channel: Type.String(),
    data: Type.Array(
      Type.Object({
        sku: Type.String(),
        available: Type.Integer({
          description: 'What the channel may sell now, over every location serving it',
        }),
        locations: Type.Array(
          Type.Object({
            location: Type.String(),
            on_hand: Type.Integer(),
            reserved: Type.Integer(),
            damaged: Type.Integer({ description: 'Never sellable' }),
            quality_control: Type.Integer({ description: 'Never sellable' }),
            safety_stock: Type.Integer({ description: 'As it applies to this channel' }),
            available: Type.Integer(),
            incoming: Type.Array(Incoming, {
              description:
                'Units inbound shipments (expected or in transit) still expect here, soonest first; never part of `available`',
            }),
          }),
        ),
      }),
    ),
  },
  {
    description: 'Sellable quantities for the channel',
    examples: [
      {
        channel: 'web',
        data: [
          {
            sku: 'TSHIRT-BLK-M',
            available: 108,
            locations: [
              {
                location: 'NJ-DC',
                on_hand: 120,
                reserved: 7,
                damaged: 0,
                quality_control: 0,
                safety_stock: 5,
                available: 108,
                incoming: [
                  {
                    quantity: 200,
                    expected_date: '2026-12-04',
                    inbound_shipment: '5d1c7e0a-2b3f-4a6d-9c8e-1f2a3b4c5d6e',
                    reference: 'PO-2026-1187',
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
  },
);
export type Availability = Static<typeof AvailabilitySchema>;
