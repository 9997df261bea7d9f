import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { callerOf } from '../../http/auth.js';
import { heavyPageItems, Page, pageQuery } from '../../http/pagination.js';
import {
  CancelInboundShipmentSchema,
  CreateInboundShipmentSchema,
  InboundReceiptSchema,
  InboundShipmentListQuerySchema,
  InboundShipmentParamsSchema,
  InboundShipmentSchema,
  ShipInboundShipmentSchema,
  UpdateInboundShipmentSchema,
} from './inbound.schemas.js';
import type { InboundService } from './inbound.service.js';

const tags = ['Inventory'];
const write = { scope: 'inventory:write' as const };
const read = { scope: 'inventory:read' as const };
const shipment = (description: string) => ({ ...InboundShipmentSchema, description });

const createInboundRoute = {
  config: write,
  schema: {
    operationId: 'createInboundShipment',
    tags,
    summary: 'Announce stock on its way to a location (an ASN or purchase order)',
    description:
      'Nothing goes on hand until it is received, but what the lines expect shows as `incoming` in `GET /v1/inventory/availability` (never as available), and backordered orders waiting for these SKUs at a location serving their channel are promised the units (first in, first out; their `promised_delivery_date` moves). 422 naming each bad field: an unknown location or SKU, a SKU on two lines, a quantity below 1, a date that is not YYYY-MM-DD. A `reference` used before is a 409 (send the same shipment twice and the second changes nothing).',
    body: CreateInboundShipmentSchema,
    response: { 201: shipment('The expected shipment') },
  },
};

const listInboundRoute = {
  config: { ...read, maxPageItems: heavyPageItems },
  schema: {
    operationId: 'listInboundShipments',
    tags,
    summary: 'List inbound shipments, newest first',
    querystring: Type.Object({ ...pageQuery, ...InboundShipmentListQuerySchema.properties }),
    response: { 200: { ...Page(InboundShipmentSchema), description: 'A page of inbound shipments' } },
  },
};

const getInboundRoute = {
  config: read,
  schema: {
    operationId: 'getInboundShipment',
    tags,
    summary: 'Get an inbound shipment with what each line expects, received and has incoming, over or short',
    params: InboundShipmentParamsSchema,
    response: { 200: shipment('The inbound shipment') },
  },
};

const shipInboundRoute = {
  config: write,
  schema: {
    operationId: 'shipInboundShipment',
    tags,
    summary: 'Mark an expected shipment in transit, optionally with a new expected date',
    description:
      'Only an `expected` shipment (409 otherwise). A new expected date re-promises the backordered orders promised its units, as `PATCH /v1/inbound-shipments/{id}` does.',
    params: InboundShipmentParamsSchema,
    body: ShipInboundShipmentSchema,
    response: { 200: shipment('The shipment, in transit') },
  },
};

const updateInboundRoute = {
  config: write,
  schema: {
    operationId: 'updateInboundShipment',
    tags,
    summary: 'Change the expected date of an inbound shipment',
    description:
      'Only an `expected` or `in_transit` shipment (409 once `received` or `cancelled`); a date that is not YYYY-MM-DD, a missing date or any other field is a 422. Backordered orders promised its units are promised again in the same request: an earlier date moves their `promised_delivery_date` forward (`order.updated` with change `promise`), a later one raises `order.promise_changed` per order with the previous and new date. The date the shipment already has changes nothing (200). Appends `inbound_shipment.rescheduled`.',
    params: InboundShipmentParamsSchema,
    body: UpdateInboundShipmentSchema,
    response: { 200: shipment('The shipment with its new expected date') },
  },
};

const receiveInboundRoute = {
  config: write,
  schema: {
    operationId: 'receiveInboundShipment',
    tags,
    summary: 'Receive units of an inbound shipment into stock (partial receipts allowed)',
    description:
      "Only an `expected` or `in_transit` shipment (409 otherwise); a partial receipt of an expected one puts it in transit. The units go on hand at the shipment's location as an adjustment with reason `receipt` and reference `inbound:{number}:{receipt reference}` (ledger, availability events, the location's feed time). Backordered orders waiting for the units are allocated first, in the same transaction, first in, first out by order priority then age, before any new order can take them; what still waits is promised again. The shipment is `received` once every line arrived in full, or when `close` says nothing more will (what never arrived is then `short`). More units than a line still expects need `over_receipt` (recorded as `over`), a 422 naming the line otherwise; a SKU not on the shipment or on two lines is a 422. A receipt `reference` already applied to the shipment changes nothing (200).",
    params: InboundShipmentParamsSchema,
    body: InboundReceiptSchema,
    response: {
      201: shipment('The shipment after the receipt'),
      200: shipment('This receipt reference was applied before; nothing changed'),
    },
  },
};

const cancelInboundRoute = {
  config: write,
  schema: {
    operationId: 'cancelInboundShipment',
    tags,
    summary: 'Cancel an inbound shipment before anything of it arrived',
    description:
      'An `expected` or `in_transit` shipment of which nothing was received (409 otherwise: close a partly received one with a receipt with `close: true`). Its units stop showing as incoming, and backordered orders promised them are promised again (another shipment’s units, or `order.promise_changed` with no date).',
    params: InboundShipmentParamsSchema,
    body: CancelInboundShipmentSchema,
    response: { 200: shipment('The cancelled shipment') },
  },
};

export const inboundRoutes: FastifyPluginAsyncTypebox<{ inbound: InboundService }> = async (
  app,
  { inbound },
) => {
  app.post('/inbound-shipments', createInboundRoute, async (request, reply) =>
    reply.code(201).send(await inbound.create(request.body, callerOf(request))),
  );
  app.get('/inbound-shipments', listInboundRoute, async (request) => inbound.list(request.query));
  app.get('/inbound-shipments/:id', getInboundRoute, async (request) => inbound.get(request.params.id));
  app.patch('/inbound-shipments/:id', updateInboundRoute, async (request) =>
    inbound.update(request.params.id, request.body),
  );
  app.post('/inbound-shipments/:id/ship', shipInboundRoute, async (request) =>
    inbound.ship(request.params.id, request.body),
  );
  app.post('/inbound-shipments/:id/receipts', receiveInboundRoute, async (request, reply) => {
    const { view, applied } = await inbound.receive(request.params.id, request.body, callerOf(request));
    return reply.code(applied ? 201 : 200).send(view);
  });
  app.post('/inbound-shipments/:id/cancel', cancelInboundRoute, async (request) =>
    inbound.cancel(request.params.id, request.body.reason),
  );
};
