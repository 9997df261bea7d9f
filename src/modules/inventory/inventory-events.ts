import Type from 'typebox';
import type { EventTypeDefinitions } from '../events/index.js';

const AvailabilityChanged = Type.Object({
  sku: Type.String(),
  channel: Type.String(),
  available: Type.Integer({ description: 'Units the channel may sell now' }),
  previous: Type.Integer({ description: 'Units it could sell before the change' }),
});

const Shortfall = Type.Object({
  sku: Type.String(),
  location: Type.String(),
  on_hand: Type.Integer(),
  reserved: Type.Integer(),
  short_by: Type.Integer({ description: 'Reserved units no longer covered by stock on hand' }),
  holders: Type.Array(Type.String(), { description: 'The reservation holders (order lines) affected' }),
  reference: Type.String({ description: 'The feed batch that caused the shortfall' }),
});

/** The inventory.* event types, with the schema of their `data`: adding a type is one line here. */
export const inventoryEvents = {
  'inventory.availability_changed': {
    scope: 'inventory:read',
    summary: 'What a channel may sell of a SKU changed',
    data: AvailabilityChanged,
  },
  'inventory.shortfall': {
    scope: 'inventory:read',
    summary: 'A stock change left reserved units without stock on hand',
    data: Shortfall,
  },
} satisfies EventTypeDefinitions;
