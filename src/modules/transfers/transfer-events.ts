import Type from 'typebox';
import type { EventTypeDefinitions, NewEvent } from '../events/index.js';
import { TransferSchema, type TransferView } from './transfers.schemas.js';

const Receipt = Type.Object({
  lines: Type.Array(Type.Object({ sku: Type.String(), quantity: Type.Integer() }), {
    description: 'Units that arrived in this receipt',
  }),
  complete: Type.Boolean({ description: 'The transfer is now received (in full, or completed short)' }),
});

const Transferred = Type.Object({ transfer: TransferSchema });
const Received = Type.Object({ transfer: TransferSchema, receipt: Receipt });

/** The transfer.* event types, with the schema of their `data`: adding a type is one line here. */
export const transferEvents = {
  'transfer.created': {
    scope: 'inventory:read',
    summary: 'A transfer between two locations was requested',
    data: Transferred,
  },
  'transfer.shipped': {
    scope: 'inventory:read',
    summary: 'A transfer left its source: its units are in transit',
    data: Transferred,
  },
  'transfer.received': {
    scope: 'inventory:read',
    summary: 'Units of a transfer arrived at its destination (partially or in full)',
    data: Received,
  },
  'transfer.cancelled': {
    scope: 'inventory:read',
    summary: 'A transfer was cancelled; units already shipped went back to its source',
    data: Transferred,
  },
} satisfies EventTypeDefinitions;

export type TransferEventType = keyof typeof transferEvents;

/** An event about a transfer: transfers belong to no channel. */
export const transferEvent = (
  type: TransferEventType,
  transfer: TransferView,
  extra: Record<string, unknown> = {},
): NewEvent => ({
  type,
  resourceType: 'transfer',
  resourceId: transfer.id,
  data: { transfer, ...extra },
});
