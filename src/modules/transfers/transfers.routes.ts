import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { callerOf } from '../../http/auth.js';
import { heavyPageItems, Page, pageQuery } from '../../http/pagination.js';
import {
  CancelTransferSchema,
  CreateTransferSchema,
  ReceiveTransferSchema,
  ShipTransferSchema,
  TransferListQuerySchema,
  TransferParamsSchema,
  TransferSchema,
} from './transfers.schemas.js';
import type { TransferService } from './transfers.service.js';

const tags = ['Inventory'];
const write = { scope: 'inventory:write' as const };
const read = { scope: 'inventory:read' as const };
const transfer = (description: string) => ({ ...TransferSchema, description });
const backOffice = ' A key bound to a channel gets a 403: transfers are back-office work.';

const createTransferRoute = {
  config: write,
  schema: {
    operationId: 'createTransfer',
    tags,
    summary: 'Request a transfer of stock from one location to another',
    description: `Nothing moves until it ships. 422 naming each bad field: the same location at both ends, an unknown location or SKU, a SKU on two lines, a quantity below 1, or more than is free at the source now (on hand, neither reserved, damaged nor in quality control). A \`reference\` used before is a 409.${backOffice}`,
    body: CreateTransferSchema,
    response: { 201: transfer('The requested transfer') },
  },
};

const listTransfersRoute = {
  config: { ...read, maxPageItems: heavyPageItems },
  schema: {
    operationId: 'listTransfers',
    tags,
    summary: 'List transfers, newest first',
    description: backOffice.trim(),
    querystring: Type.Object({ ...pageQuery, ...TransferListQuerySchema.properties }),
    response: { 200: { ...Page(TransferSchema), description: 'A page of transfers' } },
  },
};

const getTransferRoute = {
  config: read,
  schema: {
    operationId: 'getTransfer',
    tags,
    summary: 'Get a transfer with what each line shipped, received, and has in transit, over or short',
    description: backOffice.trim(),
    params: TransferParamsSchema,
    response: { 200: transfer('The transfer') },
  },
};

const shipTransferRoute = {
  config: write,
  schema: {
    operationId: 'shipTransfer',
    tags,
    summary: 'Ship a requested transfer: its units leave the source and are in transit',
    description: `Only a \`requested\` transfer (409 otherwise). Under the source's level locks, each line's units leave its on_hand (ledger reason \`transfer\`) and stop being available there. A line asking for more than is free at the source now is a 422 naming it (\`/lines/{i}/quantity\`, the transfer's line), and nothing changes.${backOffice}`,
    params: TransferParamsSchema,
    body: ShipTransferSchema,
    response: { 200: transfer('The transfer, in transit') },
  },
};

const receiveTransferRoute = {
  config: write,
  schema: {
    operationId: 'receiveTransfer',
    tags,
    summary: 'Receive units of a shipped transfer at its destination (partial receipts allowed)',
    description: `Only an \`in_transit\` or \`partially_received\` transfer (409 otherwise). The units go into the destination's on_hand (ledger reason \`transfer\`). The transfer is \`received\` once every shipped unit arrived, or when \`complete\` says nothing more will (units shipped and never received are then \`short\`); more units than were shipped need \`over_receipt\` (recorded as \`over\`), a 422 otherwise.${backOffice}`,
    params: TransferParamsSchema,
    body: ReceiveTransferSchema,
    response: { 200: transfer('The transfer after the receipt') },
  },
};

const cancelTransferRoute = {
  config: write,
  schema: {
    operationId: 'cancelTransfer',
    tags,
    summary: 'Cancel a transfer before anything of it arrived; shipped units go back to the source',
    description: `A \`requested\` or \`in_transit\` transfer (409 otherwise). Units already shipped go back into the source's on_hand (ledger reason \`transfer\`).${backOffice}`,
    params: TransferParamsSchema,
    body: CancelTransferSchema,
    response: { 200: transfer('The cancelled transfer') },
  },
};

export const transferRoutes: FastifyPluginAsyncTypebox<{ transfers: TransferService }> = async (
  app,
  { transfers },
) => {
  app.post('/transfers', createTransferRoute, async (request, reply) =>
    reply.code(201).send(await transfers.create(request.body, callerOf(request))),
  );
  app.get('/transfers', listTransfersRoute, async (request) =>
    transfers.list(request.query, callerOf(request)),
  );
  app.get('/transfers/:id', getTransferRoute, async (request) =>
    transfers.get(request.params.id, callerOf(request)),
  );
  app.post('/transfers/:id/ship', shipTransferRoute, async (request) =>
    transfers.ship(request.params.id, request.body, callerOf(request)),
  );
  app.post('/transfers/:id/receive', receiveTransferRoute, async (request) =>
    transfers.receive(request.params.id, request.body, callerOf(request)),
  );
  app.post('/transfers/:id/cancel', cancelTransferRoute, async (request) =>
    transfers.cancel(request.params.id, request.body.reason, callerOf(request)),
  );
};
