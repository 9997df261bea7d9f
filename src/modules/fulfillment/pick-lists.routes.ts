import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../http/auth.js';
import {
  BinsSchema,
  ConfirmPickListSchema,
  CreatePickListSchema,
  LocationCodeParamsSchema,
  PickListParamsSchema,
  PickListSchema,
  ReplaceBinsSchema,
} from './pick-lists.schemas.js';
import type { PickListService } from './pick-lists.service.js';

const tags = ['Fulfillment'];
const write = { scope: 'fulfillment:write' as const };
const pickList = (description: string) => ({ ...PickListSchema, description });

const replaceBins = {
  config: write,
  schema: {
    operationId: 'replaceBins',
    tags,
    summary: 'Replace the location’s product placements (zone, aisle, bin, walk sequence)',
    params: LocationCodeParamsSchema,
    body: ReplaceBinsSchema,
    response: { 200: { ...BinsSchema, description: 'The placements now in force' } },
  },
};

const getBins = {
  config: { scope: 'inventory:read' as const },
  schema: {
    operationId: 'getBins',
    tags,
    summary: 'The location’s product placements in walk sequence',
    params: LocationCodeParamsSchema,
    response: { 200: { ...BinsSchema, description: 'The placements' } },
  },
};

const createPickList = {
  config: write,
  schema: {
    operationId: 'createPickList',
    tags,
    summary: 'Build a batch pick list from the location’s released shipments, most urgent first',
    description:
      'Takes pending shipments by ship-by date (then priority) within the order and unit limits and filters; items are merged by SKU across orders, in walk sequence, and say which tote gets how many. The shipments move to picking. 409 when nothing matches.',
    params: LocationCodeParamsSchema,
    body: CreatePickListSchema,
    response: { 201: pickList('The new pick list') },
  },
};

const getPickList = {
  config: { scope: 'orders:read' as const },
  schema: {
    operationId: 'getPickList',
    tags,
    summary: 'Get a pick list',
    params: PickListParamsSchema,
    response: { 200: pickList('The pick list') },
  },
};

const confirmPickList = {
  config: write,
  schema: {
    operationId: 'confirmPickList',
    tags,
    summary: 'Record the picked quantities; short picks are re-routed and the shelf corrected',
    params: PickListParamsSchema,
    body: ConfirmPickListSchema,
    response: { 200: pickList('The confirmed pick list') },
  },
};

export const pickListRoutes: FastifyPluginAsyncTypebox<{ pickLists: PickListService }> = async (
  app,
  { pickLists },
) => {
  app.put('/locations/:code/bins', replaceBins, async (request) =>
    pickLists.replaceBins(request.params.code, request.body),
  );
  app.get('/locations/:code/bins', getBins, async (request) => pickLists.bins(request.params.code));
  app.post('/locations/:code/pick-lists', createPickList, async (request, reply) =>
    reply.code(201).send(await pickLists.create(request.params.code, request.body, callerOf(request))),
  );
  app.get('/pick-lists/:id', getPickList, async (request) =>
    pickLists.get(request.params.id, callerOf(request)),
  );
  app.post('/pick-lists/:id/confirm', confirmPickList, async (request) =>
    pickLists.confirm(request.params.id, request.body, callerOf(request)),
  );
};
