import Type, { type Static } from 'typebox';
import { transferStatuses } from '../../db/schema/transfers.js';
import { Text, Timestamp, timestamps } from '../../http/fields.js';

const nullable = <T extends Parameters<typeof Type.Optional>[0]>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description ? { description } : {});
const Sku = Type.String({ minLength: 1, maxLength: 128 });
const LocationCode = (description: string) => Type.String({ minLength: 1, maxLength: 64, description });
const Quantity = Type.Integer({ minimum: 1, maximum: 1_000_000 });
export const maxTransferLines = 500;

export const CreateTransferSchema = Type.Object(
  {
    source: LocationCode('The location the units leave'),
    destination: LocationCode('The location they go to; not the source'),
    lines: Type.Array(Type.Object({ sku: Sku, quantity: Quantity }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: maxTransferLines,
      description: 'One line per SKU',
    }),
    reference: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Your own id (a transfer slip); unique: a second transfer with it is a 409',
      }),
    ),
    note: Type.Optional(Text(1000)),
  },
  {
    additionalProperties: false,
    examples: [
      {
        source: 'NJ-DC',
        destination: 'NYC-STORE',
        lines: [
          { sku: 'TSHIRT-BLK-M', quantity: 24 },
          { sku: 'MUG-1', quantity: 6 },
        ],
        reference: 'TO-2026-0042',
      },
    ],
  },
);
export type CreateTransfer = Static<typeof CreateTransferSchema>;

export const ShipTransferSchema = Type.Object(
  {
    carrier: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    tracking_number: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false, examples: [{ carrier: 'ups', tracking_number: '1Z999AA10123456784' }] },
);
export type ShipTransfer = Static<typeof ShipTransferSchema>;

export const ReceiveTransferSchema = Type.Object(
  {
    lines: Type.Array(
      Type.Object(
        {
          sku: Sku,
          quantity: Quantity,
          over_receipt: Type.Optional(
            Type.Boolean({
              description:
                'Say so to receive more units of the SKU than were shipped (an over-receipt); without it that is a 422',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      { maxItems: maxTransferLines, description: 'Units that arrived now (partial receipts allowed)' },
    ),
    complete: Type.Optional(
      Type.Boolean({
        description:
          'Nothing more will arrive: the transfer is received, and units shipped but never received are recorded as `short`. It is received by itself once every shipped unit arrived.',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [{ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 24 }], complete: false }],
  },
);
export type ReceiveTransfer = Static<typeof ReceiveTransferSchema>;

export const CancelTransferSchema = Type.Object(
  { reason: Type.Optional(Text(500)) },
  { additionalProperties: false, examples: [{ reason: 'The store closed for renovation' }] },
);

const example = {
  id: '3c2b1a09-8f7e-4d6c-9b5a-4a3b2c1d0e9f',
  number: 42,
  reference: 'TO-2026-0042',
  source: 'NJ-DC',
  destination: 'NYC-STORE',
  status: 'partially_received',
  lines: [
    { sku: 'TSHIRT-BLK-M', quantity: 24, shipped: 24, received: 24, in_transit: 0, over: 0, short: 0 },
    { sku: 'MUG-1', quantity: 6, shipped: 6, received: 2, in_transit: 4, over: 0, short: 0 },
  ],
  note: null,
  carrier: 'ups',
  tracking_number: '1Z999AA10123456784',
  cancel_reason: null,
  shipped_at: '2026-11-28T09:00:00.000Z',
  received_at: null,
  cancelled_at: null,
  created_at: '2026-11-27T16:00:00.000Z',
  updated_at: '2026-11-29T11:30:00.000Z',
};

export const TransferSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    number: Type.Integer({ description: 'Human id, in creation order' }),
    reference: nullable(Type.String(), 'Your own id, when given'),
    source: Type.String(),
    destination: Type.String(),
    status: Type.Enum(transferStatuses),
    lines: Type.Array(
      Type.Object({
        sku: Type.String(),
        quantity: Type.Integer({ description: 'Units asked for' }),
        shipped: Type.Integer({ description: 'Units that left the source' }),
        received: Type.Integer({ description: 'Units that arrived at the destination so far' }),
        in_transit: Type.Integer({
          description: 'Shipped and not yet received (none once received or cancelled)',
        }),
        over: Type.Integer({ description: 'Units received beyond those shipped (over-receipts)' }),
        short: Type.Integer({ description: 'Units shipped that never arrived (once received)' }),
      }),
    ),
    note: nullable(Type.String()),
    carrier: nullable(Type.String()),
    tracking_number: nullable(Type.String()),
    cancel_reason: nullable(Type.String()),
    shipped_at: nullable(Timestamp),
    received_at: nullable(Timestamp, 'When the transfer was received in full (or completed short)'),
    cancelled_at: nullable(Timestamp),
    ...timestamps,
  },
  { title: 'Transfer', examples: [example] },
);
export type TransferView = Static<typeof TransferSchema>;

export const TransferParamsSchema = Type.Object({
  id: Type.String({ format: 'uuid', description: 'The transfer id' }),
});

export const TransferListQuerySchema = Type.Object({
  status: Type.Optional(Type.Enum(transferStatuses)),
  source: Type.Optional(LocationCode('Only transfers leaving this location')),
  destination: Type.Optional(LocationCode('Only transfers going to this location')),
  sku: Type.Optional(Sku),
  reference: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});
export type TransferListQuery = Static<typeof TransferListQuerySchema> & { limit: number; cursor?: string };
