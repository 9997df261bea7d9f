import Type, { type Static } from 'typebox';
import { shipmentStatuses } from '../../db/schema/fulfillment.js';
import { serviceLevels } from '../../db/schema/orders.js';
import { Count, Text, Timestamp, timestamps } from '../../http/fields.js';

const Day = Type.String({ format: 'date', description: 'A calendar date, YYYY-MM-DD' });
const nullable = <T extends Parameters<typeof Type.Optional>[0]>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description ? { description } : {});

export const ShipmentLineSchema = Type.Object({
  id: Type.Integer(),
  order_line_id: Type.Integer(),
  sku: Type.String(),
  quantity: Type.Integer({ description: 'Units this shipment carries' }),
  picked: nullable(Type.Integer(), 'Units the picker confirmed; null until the pick list is confirmed'),
  scanned: Type.Integer({ description: 'Units verified by barcode at the pack station' }),
});

const RateOptionSchema = Type.Object({
  carrier: Type.String(),
  service: Type.String(),
  price: Type.Integer(),
  transit_days: Type.Integer(),
  delivery_date: Day,
  meets_promise: Type.Boolean(),
  chosen: Type.Boolean(),
  why: Type.String(),
});

export const PackingSchema = Type.Object(
  {
    version: nullable(Type.Integer(), 'The packing rule set version applied'),
    instructions: Type.Array(Type.Object({ rule: Type.String(), text: Type.String() })),
    materials: Type.Array(
      Type.Object({ rule: Type.String(), code: Type.String(), quantity: Type.Number(), unit: Type.String() }),
    ),
  },
  { description: 'What the packing rules add: instructions and materials with computed quantities' },
);

const TrackingEventSchema = Type.Object({
  status: Type.String(),
  description: nullable(Type.String()),
  location: nullable(Type.String()),
  occurred_at: Timestamp,
  recorded_at: Timestamp,
});

const example = {
  id: '0b9a4f7e-3c1d-4e59-9a51-2f1f6f2b8c11',
  number: '100042-1',
  order_id: '5f0c1e2a-8b7d-4c3e-9f10-2a3b4c5d6e7f',
  order_number: 100042,
  channel: 'web',
  location: 'NJ-DC',
  status: 'packed',
  service_level: 'standard',
  ship_by: '2026-11-30',
  promised_delivery_date: '2026-12-03',
  priority: 10,
  carrier: 'ups',
  service: 'ground',
  tracking_number: null,
  tracking_url: null,
  cost: 895,
  weight_grams: 1200,
  lines: [{ id: 7, order_line_id: 311, sku: 'TSHIRT-BLK-M', quantity: 2, picked: 2, scanned: 2 }],
  packing: {
    version: 3,
    instructions: [{ rule: 'fragile', text: 'Wrap each unit in bubble wrap' }],
    materials: [{ rule: 'fragile', code: 'bubble_wrap', quantity: 2, unit: 'sheet' }],
  },
  rate_options: [
    {
      carrier: 'ups',
      service: 'ground',
      price: 895,
      transit_days: 3,
      delivery_date: '2026-12-03',
      meets_promise: true,
      chosen: true,
      why: 'cheapest that meets 2026-12-03',
    },
  ],
  pack_override: null,
  pick_list_id: 12,
  tote: 3,
  tracking: [],
  exception: null,
  shipped_at: null,
  delivered_at: null,
  created_at: '2026-11-27T10:00:00.000Z',
  updated_at: '2026-11-27T10:20:00.000Z',
};

export const ShipmentSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    number: Type.String({ description: 'The order number and a counter' }),
    order_id: Type.String({ format: 'uuid' }),
    order_number: Type.Integer(),
    channel: Type.String(),
    location: Type.String({ description: 'Code of the location shipping it' }),
    status: Type.Enum(shipmentStatuses),
    service_level: Type.Enum(serviceLevels),
    ship_by: Day,
    promised_delivery_date: nullable(Day),
    priority: Type.Integer(),
    carrier: nullable(Type.String(), 'Planned at release, chosen by rate shopping at pack time'),
    service: nullable(Type.String()),
    tracking_number: nullable(Type.String()),
    tracking_url: nullable(Type.String()),
    cost: nullable(Type.Integer(), 'What the chosen service costs, in minor units'),
    weight_grams: Type.Integer(),
    lines: Type.Array(ShipmentLineSchema),
    packing: nullable(PackingSchema),
    rate_options: nullable(Type.Array(RateOptionSchema), 'The services rate shopping considered'),
    pack_override: nullable(
      Type.Object({ reason: Type.String(), by: nullable(Type.String()), at: Timestamp }),
      'A supervisor packed without every unit scanned',
    ),
    pick_list_id: nullable(Type.Integer()),
    tote: nullable(Type.Integer()),
    tracking: Type.Array(TrackingEventSchema, { description: 'Carrier status updates, oldest first' }),
    exception: nullable(Type.String()),
    shipped_at: nullable(Timestamp),
    delivered_at: nullable(Timestamp),
    ...timestamps,
  },
  { title: 'Shipment', examples: [example] },
);
export type ShipmentView = Static<typeof ShipmentSchema>;

export const ShipmentParamsSchema = Type.Object({
  id: Type.String({ format: 'uuid', description: 'The shipment id' }),
});

export const ShipmentListQuerySchema = Type.Object({
  order_id: Type.Optional(Type.String({ format: 'uuid' })),
  location: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  status: Type.Optional(Type.Enum(shipmentStatuses)),
  carrier: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  service_level: Type.Optional(Type.Enum(serviceLevels)),
  ship_by_to: Type.Optional(
    Type.String({ format: 'date', description: 'Shipments due to leave on or before this date' }),
  ),
});

export const ScanSchema = Type.Object(
  {
    barcode: Type.String({ minLength: 1, maxLength: 128, description: 'A GTIN of the product, or its SKU' }),
  },
  { additionalProperties: false, examples: [{ barcode: '00012345678905' }] },
);

export const ScanResultSchema = Type.Object(
  {
    sku: Type.String(),
    scanned: Type.Integer({ description: 'Units of this SKU scanned so far' }),
    quantity: Type.Integer({ description: 'Units of this SKU the shipment carries' }),
    complete: Type.Boolean({ description: 'Every unit of the shipment is scanned' }),
    shipment: ShipmentSchema,
  },
  { examples: [{ sku: 'TSHIRT-BLK-M', scanned: 2, quantity: 2, complete: true, shipment: example }] },
);

export const PackSchema = Type.Object(
  {
    override: Type.Optional(
      Type.Object(
        {
          reason: Text(500, 'Why the shipment is packed without every unit scanned'),
        },
        { additionalProperties: false, description: 'A supervisor (admin key) packing without full scans' },
      ),
    ),
    weight_grams: Type.Optional(
      Count({ description: 'The weighed parcel; defaults to the sum of the product weights' }),
    ),
  },
  {
    additionalProperties: false,
    examples: [{}, { override: { reason: 'Barcode label torn; checked by eye' } }],
  },
);

export const TrackingUpdateSchema = Type.Object(
  {
    status: Type.Enum(['in_transit', 'out_for_delivery', 'delivered', 'exception']),
    description: Type.Optional(Text(500)),
    location: Type.Optional(Text(200, 'Where the parcel was seen')),
    occurred_at: Type.Optional(Timestamp),
  },
  {
    additionalProperties: false,
    examples: [{ status: 'delivered', location: 'New York, NY', occurred_at: '2026-12-02T14:03:00Z' }],
  },
);
export type TrackingUpdate = Static<typeof TrackingUpdateSchema>;

const LineQuantitySchema = Type.Object(
  {
    sku: Type.String({ minLength: 1, maxLength: 128 }),
    quantity: Count({ maximum: 1_000_000 }),
  },
  { additionalProperties: false },
);

export const ConfirmShipmentSchema = Type.Object(
  {
    lines: Type.Optional(
      Type.Array(LineQuantitySchema, {
        minItems: 1,
        maxItems: 500,
        description:
          'Units shipped per SKU; omitted means everything. Units not shipped go back through routing to another location',
      }),
    ),
    carrier: Type.String({ minLength: 1, maxLength: 64 }),
    service: Type.String({ minLength: 1, maxLength: 64 }),
    tracking_number: Type.String({ minLength: 1, maxLength: 64 }),
    tracking_url: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
    cost: Type.Optional(Count({ description: 'What the label cost, in minor units' })),
  },
  {
    additionalProperties: false,
    examples: [{ carrier: 'ups', service: 'ground', tracking_number: '1Z999AA10123456784' }],
  },
);
export type ConfirmShipment = Static<typeof ConfirmShipmentSchema>;

export const RejectLinesSchema = Type.Object(
  {
    lines: Type.Array(LineQuantitySchema, { minItems: 1, maxItems: 500 }),
    reason: Text(500, 'Why the location cannot ship them (damaged, not found, ...)'),
  },
  {
    additionalProperties: false,
    examples: [{ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1 }], reason: 'Damaged on the shelf' }],
  },
);
export type RejectLines = Static<typeof RejectLinesSchema>;
