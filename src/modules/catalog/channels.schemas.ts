import Type, { type Static } from 'typebox';
import { defaultReturnPolicy } from '../../db/schema/catalog.js';
import { returnReasons } from '../../db/schema/returns.js';
import { Code, Count, Text, timestamps } from '../../http/fields.js';

const fields = {
  name: Text(200),
  priority: Type.Integer({
    minimum: 0,
    maximum: 1000,
    description: 'Higher is more important: its orders are allocated first when stock is short',
  }),
  default_safety_stock: Count({ description: 'Units per location held back from this channel by default' }),
  allow_backorders: Type.Boolean({ description: 'Accept orders beyond available stock and fill them later' }),
  held_reservation_minutes: Type.Integer({
    minimum: 1,
    maximum: 43_200,
    description: 'How long stock stays reserved for an order on hold; re-taken when the hold is released',
  }),
  release_delay_minutes: Type.Integer({
    minimum: 0,
    maximum: 10_080,
    description:
      'Edit window: minutes an allocated order waits before its shipments are released to the locations (0 releases at once)',
  }),
  return_policy: Type.Object(
    {
      return_window_days: Type.Integer({ minimum: 0, maximum: 3650, description: 'Days after delivery' }),
      non_returnable_tags: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        maxItems: 50,
        uniqueItems: true,
        description: 'Products with any of these tags cannot be returned',
      }),
      review_reasons: Type.Array(Type.Enum(returnReasons), {
        uniqueItems: true,
        description: 'Returns for these reasons wait on a return_review hold',
      }),
      restocking_fee_percent: Type.Record(Type.String(), Type.Integer({ minimum: 0, maximum: 100 }), {
        description: 'Reason -> percent of the units’ refund kept as a restocking fee',
      }),
      refund_shipping: Type.Enum(['never', 'full_return', 'always'], {
        description: '`full_return`: the shipping charge is refunded once every shipped unit came back',
      }),
      exchange_release: Type.Enum(['on_receipt', 'immediately'], {
        description: 'When an exchange’s replacement order ships',
      }),
    },
    { additionalProperties: false },
  ),
  active: Type.Boolean(),
};

const example = {
  code: 'web',
  name: 'Web store',
  priority: 10,
  default_safety_stock: 2,
  allow_backorders: false,
  held_reservation_minutes: 1440,
  release_delay_minutes: 0,
  return_policy: defaultReturnPolicy,
  active: true,
};

export const CreateChannelSchema = Type.Object(
  {
    code: Code('Channel code', 'web'),
    name: fields.name,
    priority: Type.Optional(fields.priority),
    default_safety_stock: Type.Optional(fields.default_safety_stock),
    allow_backorders: Type.Optional(fields.allow_backorders),
    held_reservation_minutes: Type.Optional(fields.held_reservation_minutes),
    release_delay_minutes: Type.Optional(fields.release_delay_minutes),
    return_policy: Type.Optional(fields.return_policy),
    active: Type.Optional(fields.active),
  },
  { additionalProperties: false, examples: [{ code: 'web', name: 'Web store', priority: 10 }] },
);
export type CreateChannel = Static<typeof CreateChannelSchema>;

export const UpdateChannelSchema = Type.Object(
  {
    name: Type.Optional(fields.name),
    priority: Type.Optional(fields.priority),
    default_safety_stock: Type.Optional(fields.default_safety_stock),
    allow_backorders: Type.Optional(fields.allow_backorders),
    held_reservation_minutes: Type.Optional(fields.held_reservation_minutes),
    release_delay_minutes: Type.Optional(fields.release_delay_minutes),
    return_policy: Type.Optional(fields.return_policy),
    active: Type.Optional(fields.active),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ priority: 20, allow_backorders: true }] },
);
export type UpdateChannel = Static<typeof UpdateChannelSchema>;

export const ChannelSchema = Type.Object(
  { code: Type.String(), ...fields, ...timestamps },
  {
    title: 'Channel',
    examples: [
      { ...example, created_at: '2026-11-27T10:00:00.000Z', updated_at: '2026-11-27T10:00:00.000Z' },
    ],
  },
);
export type Channel = Static<typeof ChannelSchema>;

export const ChannelParamsSchema = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) });

export const ChannelListQuerySchema = Type.Object({
  active: Type.Optional(Type.Boolean({ description: 'Only active (true) or inactive (false) channels' })),
});
