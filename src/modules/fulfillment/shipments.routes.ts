import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { callerOf } from '../../http/auth.js';
import { heavyPageItems, Page, pageQuery } from '../../http/pagination.js';
import {
  ConfirmShipmentSchema,
  PackSchema,
  RejectLinesSchema,
  ScanResultSchema,
  ScanSchema,
  ShipmentListQuerySchema,
  ShipmentParamsSchema,
  ShipmentSchema,
  TrackingUpdateSchema,
} from './shipments.schemas.js';
import type { ShipmentService } from './shipments.service.js';

const tags = ['Fulfillment'];
const read = { scope: 'orders:read' as const };
const write = { scope: 'fulfillment:write' as const };
const shipment = (description: string) => ({ ...ShipmentSchema, description });

const listShipments = {
  config: { ...read, maxPageItems: heavyPageItems },
  schema: {
    operationId: 'listShipments',
    tags,
    summary: 'List shipments, newest first',
    querystring: Type.Object({ ...pageQuery, ...ShipmentListQuerySchema.properties }),
    response: { 200: { ...Page(ShipmentSchema), description: 'A page of shipments' } },
  },
};

const getShipment = {
  config: read,
  schema: {
    operationId: 'getShipment',
    tags,
    summary: 'Get a shipment',
    params: ShipmentParamsSchema,
    response: { 200: shipment('The shipment') },
  },
};

const scanShipmentItem = {
  config: write,
  schema: {
    operationId: 'scanShipmentItem',
    tags,
    summary: 'Verify one unit by barcode (GTIN or SKU) at the pack station',
    description:
      'A barcode of a product in the shipment counts one unit. A wrong item is 422 and one unit too many is 409; neither changes anything.',
    params: ShipmentParamsSchema,
    body: ScanSchema,
    response: { 200: { ...ScanResultSchema, description: 'The unit was counted' } },
  },
};

/** A 409 problem this operation answers, described for the OpenAPI document. */
const conflict = (description: string) => ({
  description: `${description}; or a request with the same Idempotency-Key is still in flight`,
  headers: {
    'retry-after': {
      type: 'integer',
      description: 'Seconds to wait before retrying (an Idempotency-Key in flight)',
    },
  },
  content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
});

const packShipment = {
  config: write,
  schema: {
    operationId: 'packShipment',
    tags,
    summary: 'Pack: every unit scanned, carrier service chosen by rate shopping, packing rules applied',
    description:
      'Succeeds only when every unit was scanned, unless an admin key gives an override with a reason (recorded on the shipment). Rate shopping picks the cheapest service that still meets the promised date, or a preferred carrier within its tolerance; every option considered is stored. When no active carrier service can ship the parcel (none serves its service level, or no rate card covers its distance and weight) the answer is a 409 naming the service level, and nothing changes: add a carrier service for it and pack again.',
    params: ShipmentParamsSchema,
    body: PackSchema,
    response: {
      200: shipment('The packed shipment'),
      409: conflict(
        'Not every unit is scanned, the shipment is not pending or picking, or no active carrier service can ship the parcel (the detail names the service level to add a carrier service for); nothing changed',
      ),
    },
  },
};

const rateShipment = {
  config: write,
  schema: {
    operationId: 'rateShipment',
    tags,
    summary: 'Choose the carrier service of a packed shipment again (rate shopping on the packed parcel)',
    description:
      'For a packed shipment that cannot ship as it is: its carrier service was removed or deactivated after packing, or none was chosen. Rate shopping runs again over the active carrier services, with the weight recorded at packing; the packing itself is kept. The carrier, service, cost and the options considered are replaced, with a `shipment.updated` event (`change`: `rated`). Then ship it.',
    params: ShipmentParamsSchema,
    response: {
      200: shipment('The packed shipment with the carrier service chosen now'),
      409: conflict(
        'The shipment is not packed, or no active carrier service can ship the parcel (the detail names the service level to add a carrier service for); nothing changed',
      ),
    },
  },
};

const shipShipment = {
  config: { ...write, upstream: true },
  schema: {
    operationId: 'shipShipment',
    tags,
    summary: 'Ship a packed shipment: the carrier adapter assigns the tracking number; stock is consumed',
    description:
      'Rate-card carriers issue UPU S10 tracking numbers; carriers with an HTTP adapter are asked for a label (the shipment id is the idempotency key). On-hand and reserved both drop, with a sale in the ledger.',
    params: ShipmentParamsSchema,
    response: {
      200: shipment('The shipped shipment'),
      409: conflict(
        'The shipment is not packed, or its carrier service is missing or no longer active (choose one with POST /v1/shipments/{id}/rate); nothing changed',
      ),
    },
  },
};

const recordShipmentTracking = {
  config: write,
  schema: {
    operationId: 'recordShipmentTracking',
    tags,
    summary: 'Record a carrier status update (in transit, out for delivery, delivered, exception)',
    params: ShipmentParamsSchema,
    body: TrackingUpdateSchema,
    response: { 200: shipment('The shipment with the update') },
  },
};

const confirmShipment = {
  config: write,
  schema: {
    operationId: 'confirmShipment',
    tags,
    summary: 'An external WMS confirms it shipped the shipment (idempotent)',
    description:
      'Units not named (or named with a lower quantity) go back through routing to another location. A repeat with the same tracking number returns the shipment unchanged.',
    params: ShipmentParamsSchema,
    body: ConfirmShipmentSchema,
    response: { 200: shipment('The shipped shipment') },
  },
};

const rejectShipmentLines = {
  config: write,
  schema: {
    operationId: 'rejectShipmentLines',
    tags,
    summary: 'The location cannot ship some units: they are re-routed to another location',
    description:
      'The units leave the shipment (which is cancelled if nothing is left), their reservation here is released, and routing runs again without this location: the units are reserved elsewhere, backordered, or put on a stock hold.',
    params: ShipmentParamsSchema,
    body: RejectLinesSchema,
    response: { 200: shipment('The shipment after the rejection') },
  },
};

export const shipmentRoutes: FastifyPluginAsyncTypebox<{ shipments: ShipmentService }> = async (
  app,
  { shipments },
) => {
  app.get('/shipments', listShipments, async (request) => shipments.list(request.query, callerOf(request)));
  app.get('/shipments/:id', getShipment, async (request) =>
    shipments.get(request.params.id, callerOf(request)),
  );
  app.post('/shipments/:id/scan', scanShipmentItem, async (request) =>
    shipments.scan(request.params.id, request.body.barcode, callerOf(request)),
  );
  app.post('/shipments/:id/pack', packShipment, async (request) =>
    shipments.pack(request.params.id, request.body, callerOf(request)),
  );
  app.post('/shipments/:id/rate', rateShipment, async (request) =>
    shipments.rate(request.params.id, callerOf(request)),
  );
  app.post('/shipments/:id/ship', shipShipment, async (request) =>
    shipments.ship(request.params.id, callerOf(request)),
  );
  app.post('/shipments/:id/tracking', recordShipmentTracking, async (request) =>
    shipments.tracking(request.params.id, request.body, callerOf(request)),
  );
  app.post('/shipments/:id/confirm', confirmShipment, async (request) =>
    shipments.confirm(request.params.id, request.body, callerOf(request)),
  );
  app.post('/shipments/:id/reject-lines', rejectShipmentLines, async (request) =>
    shipments.rejectLines(request.params.id, request.body, callerOf(request)),
  );
};
