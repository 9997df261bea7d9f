import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { callerOf } from '../../http/auth.js';
import { Page, pageQuery } from '../../http/pagination.js';
import {
  ChannelListQuerySchema,
  ChannelParamsSchema,
  ChannelSchema,
  CreateChannelSchema,
  UpdateChannelSchema,
} from './channels.schemas.js';
import type { ChannelService } from './channels.service.js';

const tags = ['Catalog'];
const write = { scope: 'catalog:write' as const };
const channel = (description: string) => ({ ...ChannelSchema, description });

const createChannelRoute = {
  config: write,
  schema: {
    operationId: 'createChannel',
    tags,
    summary: 'Create a sales channel',
    body: CreateChannelSchema,
    response: { 201: channel('The new channel') },
  },
};

const listChannelsRoute = {
  schema: {
    operationId: 'listChannels',
    tags,
    summary: 'List channels',
    querystring: Type.Object({ ...pageQuery, ...ChannelListQuerySchema.properties }),
    response: { 200: { ...Page(ChannelSchema), description: 'A page of channels' } },
  },
};

const getChannelRoute = {
  schema: {
    operationId: 'getChannel',
    tags,
    summary: 'Get a channel',
    params: ChannelParamsSchema,
    response: { 200: channel('The channel') },
  },
};

const updateChannelRoute = {
  config: write,
  schema: {
    operationId: 'updateChannel',
    tags,
    summary: 'Change some fields of a channel',
    params: ChannelParamsSchema,
    body: UpdateChannelSchema,
    response: { 200: channel('The updated channel') },
  },
};

const deactivateChannelRoute = {
  config: write,
  schema: {
    operationId: 'deactivateChannel',
    tags,
    summary: 'Deactivate a channel (PATCH `active: true` reactivates it)',
    params: ChannelParamsSchema,
    response: { 200: channel('The deactivated channel') },
  },
};

export const channelRoutes: FastifyPluginAsyncTypebox<{ channels: ChannelService }> = async (
  app,
  { channels },
) => {
  app.post('/channels', createChannelRoute, async (request, reply) =>
    reply.code(201).send(await channels.create(request.body, callerOf(request))),
  );
  app.get('/channels', listChannelsRoute, async (request) => channels.list(request.query, callerOf(request)));
  app.get('/channels/:code', getChannelRoute, async (request) =>
    channels.get(request.params.code, callerOf(request)),
  );
  app.patch('/channels/:code', updateChannelRoute, async (request) =>
    channels.update(request.params.code, request.body, callerOf(request)),
  );
  app.post('/channels/:code/deactivate', deactivateChannelRoute, async (request) =>
    channels.deactivate(request.params.code, callerOf(request)),
  );
};
