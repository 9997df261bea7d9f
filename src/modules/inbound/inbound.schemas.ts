import Type, { type Static } from 'typebox';
import { inboundShipmentStatuses } from '../../db/schema/inbound.js';
import { Text, Timestamp, timestamps } from '../../http/fields.js';

const nullable = <T extends Parameters<typeof Type.Optional>[0]>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description ? { description } : {});
const Sku = Type.String({ minLength: 1, maxLength: 128 });
const LocationCode = (description: string) => Type.String({ minLength: 1, maxLength: 64, description });
const Quantity = Type.Integer({ minimum: 1, maximum: 1_000_000 });
const Day = (description: string) =>
  Type.String({ format: 'date', description: `${description} (YYYY-MM-DD)`, examples: ['2026-12-04'] });
export const maxInboundLines = 500;

export const CreateInboundShipmentSchema = Type.Object(
  {
    reference: Type.String({
      minLength: 1,
      maxLength: 100,
      description:
        'Your id of the shipment (ASN or purchase order number); unique: a second shipment with it is a 409',
    }),
    location: LocationCode('The location the units arrive at'),
    expected_date: Day('When the units are expected to arrive'),
    supplier: Type.Optional(Text(200)),
    notes: Type.Optional(Text(1000)),
    lines: Type.Array(Type.Object({ sku: Sku, quantity: Quantity }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: maxInboundLines,
      description: 'The units expected, one line per SKU',
    }),
  },
  {
    additionalProperties: false,
    examples: [
      {
        reference: 'PO-2026-1187',
        location: 'NJ-DC',
        expected_date: '2026-12-04',
        supplier: 'Acme Textiles',
        lines: [
          { sku: 'TSHIRT-BLK-M', quantity: 200 },
          { sku: 'MUG-1', quantity: 48 },
        ],
      },
    ],
  },
);
export type CreateInboundShipment = Static<typeof CreateInboundShipmentSchema>;

export const ShipInboundShipmentSchema = Type.Object(
  { expected_date: Type.Optional(Day('A new expected arrival date, when the ship notice gives one')) },
  { additionalProperties: false, examples: [{ expected_date: '2026-12-06' }] },
);
export type ShipInboundShipment = Static<typeof ShipInboundShipmentSchema>;

export const UpdateInboundShipmentSchema = Type.Object(
  {
    expected_date: Day(
      'The new expected arrival date: orders promised its units are promised again from it (earlier moves their promised delivery forward; later raises `order.promise_changed`)',
    ),
  },
  { additionalProperties: false, examples: [{ expected_date: '2026-12-11' }] },
);
export type UpdateInboundShipment = Static<typeof UpdateInboundShipmentSchema>;

export const CancelInboundShipmentSchema = Type.Object(
  { reason: Type.Optional(Text(500)) },
  { additionalProperties: false, examples: [{ reason: 'The supplier cancelled the order' }] },
);

export const InboundReceiptSchema = Type.Object(
  {
    reference: Type.String({
      minLength: 1,
      maxLength: 150,
      description:
        'Your id of this receipt (a goods-received note); a reference already applied to the shipment changes nothing',
    }),
    lines: Type.Array(
      Type.Object(
        {
          sku: Sku,
          quantity: Quantity,
          over_receipt: Type.Optional(
            Type.Boolean({
              description:
                'Say so to receive more units than the line still expects (an over-receipt, recorded as `over`); without it that is a 422',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      {
        maxItems: maxInboundLines,
        description: 'Units that arrived now, one line per SKU (partial receipts allowed)',
      },
    ),
    close: Type.Optional(
      Type.Boolean({
        description:
          'Nothing more will arrive: the shipment is received, and units expected but never received are recorded as `short`. It is received by itself once every line arrived in full.',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [{ reference: 'GRN-88123', lines: [{ sku: 'TSHIRT-BLK-M', quantity: 120 }] }],
  },
);
export type InboundReceipt = Static<typeof InboundReceiptSchema>;

const example = {
  id: '5d1c7e0a-2b3f-4a6d-9c8e-1f2a3b4c5d6e',
  number: 17,
  reference: 'PO-2026-1187',
  location: 'NJ-DC',
  status: 'in_transit',
  expected_date: '2026-12-04',
  supplier: 'Acme Textiles',
  notes: null,
  lines: [
    { sku: 'TSHIRT-BLK-M', quantity: 200, received: 120, incoming: 80, over: 0, short: 0 },
    { sku: 'MUG-1', quantity: 48, received: 0, incoming: 48, over: 0, short: 0 },
  ],
  receipts: [
    {
      reference: 'GRN-88123',
      lines: [{ sku: 'TSHIRT-BLK-M', quantity: 120, over: 0 }],
      closed: false,
      received_at: '2026-12-03T14:10:00.000Z',
    },
  ],
  cancel_reason: null,
  shipped_at: '2026-11-28T09:00:00.000Z',
  received_at: null,
  cancelled_at: null,
  created_at: '2026-11-20T16:00:00.000Z',
  updated_at: '2026-12-03T14:10:00.000Z',
};

export const InboundShipmentSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    number: Type.Integer({ description: 'Human id, in creation order' }),
    reference: Type.String({ description: 'Your id (ASN or purchase order number)' }),
    location: Type.String(),
    status: Type.Enum(inboundShipmentStatuses),
    expected_date: Type.String({ format: 'date' }),
    supplier: nullable(Type.String()),
    notes: nullable(Type.String()),
    lines: Type.Array(
      Type.Object({
        sku: Type.String(),
        quantity: Type.Integer({ description: 'Units expected' }),
        received: Type.Integer({ description: 'Units received so far (over-receipts included)' }),
        incoming: Type.Integer({
          description:
            'Expected and not yet received (none once received or cancelled): shown in availability',
        }),
        over: Type.Integer({ description: 'Units received beyond those expected (over-receipts)' }),
        short: Type.Integer({ description: 'Units expected that never arrived (once received)' }),
      }),
    ),
    receipts: Type.Array(
      Type.Object({
        reference: Type.String(),
        lines: Type.Array(
          Type.Object({
            sku: Type.String(),
            quantity: Type.Integer(),
            over: Type.Integer({ description: 'Units of this receipt beyond what the line still expected' }),
          }),
        ),
        closed: Type.Boolean({
          description: 'The receipt closed the shipment short (`close`): nothing more will arrive',
        }),
        received_at: Timestamp,
      }),
      { description: 'Receipts in the order they were applied' },
    ),
    cancel_reason: nullable(Type.String()),
    shipped_at: nullable(Timestamp),
    received_at: nullable(Timestamp, 'When the shipment was received in full (or closed short)'),
    cancelled_at: nullable(Timestamp),
    ...timestamps,
  },
  { title: 'InboundShipment', examples: [example] },
);
export type InboundShipmentView = Static<typeof InboundShipmentSchema>;

export const InboundShipmentParamsSchema = Type.Object({
  id: Type.String({ format: 'uuid', description: 'The inbound shipment id' }),
});

export const InboundShipmentListQuerySchema = Type.Object({
  status: Type.Optional(Type.Enum(inboundShipmentStatuses)),
  location: Type.Optional(LocationCode('Only shipments arriving at this location')),
  sku: Type.Optional(Sku),
});
export type InboundShipmentListQuery = Static<typeof InboundShipmentListQuerySchema> & {
  limit: number;
  cursor?: string;
};
