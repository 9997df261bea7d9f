import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { callerOf } from '../../http/auth.js';
import { Page, pageQuery } from '../../http/pagination.js';
import type { HoldService } from './holds.service.js';
import {
  AssignHoldSchema,
  HoldListQuerySchema,
  HoldParamsSchema,
  HoldSchema,
  OrderSchema,
  ReleaseHoldSchema,
} from './orders.schemas.js';

const tags = ['Holds'];
const read = { scope: 'orders:read' as const };
const write = { scope: 'orders:write' as const };

const listHolds = {
  config: read,
  schema: {
    operationId: 'listHolds',
    tags,
    summary: 'The exception queues: holds by queue, kind, status, age and assignee, oldest first',
    querystring: Type.Object({ ...pageQuery, ...HoldListQuerySchema.properties }),
    response: { 200: { ...Page(HoldSchema), description: 'A page of holds' } },
  },
};

const assignHold = {
  config: write,
  schema: {
    operationId: 'assignHold',
    tags,
    summary: 'Assign an open hold to someone (or unassign it)',
    params: HoldParamsSchema,
    body: AssignHoldSchema,
    response: { 200: { ...HoldSchema, description: 'The hold' } },
  },
};

const releaseHold = {
  config: write,
  schema: {
    operationId: 'releaseHold',
    tags,
    summary: 'Release a hold; with no hold left the order re-runs allocation',
    description: 'A stock hold is released only when the stock is there now (otherwise 409).',
    params: HoldParamsSchema,
    body: ReleaseHoldSchema,
    response: { 200: { ...OrderSchema, description: 'The order after the release' } },
  },
};

export const holdRoutes: FastifyPluginAsyncTypebox<{ holds: HoldService }> = async (app, { holds }) => {
  app.get('/holds', listHolds, async (request) => holds.list(request.query, callerOf(request)));
  app.post('/holds/:id/assign', assignHold, async (request) =>
    holds.assign(request.params.id, request.body.assignee, callerOf(request)),
  );
  app.post('/holds/:id/release', releaseHold, async (request) =>
    holds.release(request.params.id, request.body.note, callerOf(request)),
  );
};
