import Type, { type TSchema } from 'typebox';
import type { EventTypeDefinition, EventTypeDefinitions } from '../events/index.js';
import { ShipmentSchema } from './shipments.schemas.js';

/** `data` of a shipment event: the shipment as `GET /v1/shipments/{id}` returns it, plus the fields named. */
const shipment = (summary: string, fields: Record<string, TSchema> = {}): EventTypeDefinition => ({
  scope: 'orders:read',
  summary,
  data: Type.Object({ ...fields, shipment: ShipmentSchema }),
});

const Reason = Type.Union([Type.String(), Type.Null()]);

/** The shipment.* event types, with the schema of their `data`: adding a type is one line here. */
export const shipmentEvents = {
  'shipment.created': shipment('A shipment was released to its location'),
  'shipment.picking': shipment('A shipment is on a pick list', { pick_list_id: Type.Integer() }),
  'shipment.packed': shipment('A shipment was packed; its carrier service is chosen'),
  'shipment.shipped': shipment('A shipment left with its tracking number; its stock is consumed'),
  'shipment.in_transit': shipment('The carrier reports the parcel on its way', { tracking: Type.Unknown() }),
  'shipment.tracking_updated': shipment('A carrier status update that does not change the status', {
    tracking: Type.Unknown(),
  }),
  'shipment.delivered': shipment('The carrier delivered the parcel', { tracking: Type.Unknown() }),
  'shipment.exception': shipment('The carrier reports a problem with the parcel', {
    tracking: Type.Unknown(),
  }),
  'shipment.updated': shipment(
    'A shipment still in the building changed (see `change`): units left it (`lines_cancelled`, `lines_given_back`) or its carrier service was chosen again (`rated`)',
    {
      change: Type.String(),
      reason: Reason,
    },
  ),
  'shipment.cancelled': shipment('A shipment was cancelled: nothing was left in it', { reason: Reason }),
} satisfies EventTypeDefinitions;
