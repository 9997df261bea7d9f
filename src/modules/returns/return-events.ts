import Type, { type TSchema } from 'typebox';
import type { EventTypeDefinition, EventTypeDefinitions } from '../events/index.js';
import { RefundSchema, ReturnSchema } from './returns.schemas.js';

/** `data` of a return event: the return as `GET /v1/returns/{id}` returns it, plus the fields named. */
const returned = (summary: string, fields: Record<string, TSchema> = {}): EventTypeDefinition => ({
  scope: 'orders:read',
  summary,
  data: Type.Object({ ...fields, return: ReturnSchema }),
});

const Reason = Type.Union([Type.String(), Type.Null()]);

const RefundRequested = Type.Object({
  refund: RefundSchema,
  return_id: Type.String({ format: 'uuid' }),
  order_id: Type.String({ format: 'uuid' }),
  order_number: Type.Integer(),
});

/** The return.* and refund.* event types, with the schema of their `data`: adding a type is one line here. */
export const returnEvents = {
  'return.requested': returned('A return was opened'),
  'return.authorized': returned('A return was authorized'),
  'return.rejected': returned('A return was rejected', { reason: Reason }),
  'return.in_transit': returned('The customer sent a return back'),
  'return.received': returned('Returned units arrived at a location', {
    location: Type.String(),
    lines: Type.Array(
      Type.Object({ sku: Type.String(), quantity: Type.Integer(), condition: Type.String() }),
    ),
  }),
  'return.refunded': returned('The payment system confirmed a refund of the return', {
    refund_id: Type.String({ format: 'uuid' }),
    amount: Type.Integer(),
  }),
  'return.closed': returned('A return was closed', { reason: Reason }),
  'refund.requested': {
    scope: 'orders:read',
    summary: 'A refund is due: the payment system should pay it and confirm',
    data: RefundRequested,
  },
} satisfies EventTypeDefinitions;
