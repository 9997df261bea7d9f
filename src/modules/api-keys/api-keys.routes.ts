import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { callerOf } from '../../http/auth.js';
import { Page, pageQuery } from '../../http/pagination.js';
import {
  ApiKeyListQuerySchema,
  ApiKeyParamsSchema,
  ApiKeySchema,
  CreateApiKeySchema,
  CreatedApiKeySchema,
} from './api-keys.schemas.js';
import type { ApiKeyService } from './api-keys.service.js';

const tags = ['API keys'];
const admin = { scope: 'admin' as const };

const createApiKey = {
  config: admin,
  schema: {
    operationId: 'createApiKey',
    tags,
    summary: 'Create an API key; its secret is returned only in this response',
    body: CreateApiKeySchema,
    response: { 201: { ...CreatedApiKeySchema, description: 'The key, with its secret' } },
  },
};

const listApiKeys = {
  config: admin,
  schema: {
    operationId: 'listApiKeys',
    tags,
    summary: 'List API keys, newest first (secrets are never shown)',
    querystring: Type.Object({ ...pageQuery, ...ApiKeyListQuerySchema.properties }),
    response: { 200: { ...Page(ApiKeySchema), description: 'A page of keys' } },
  },
};

const getCurrentApiKey = {
  schema: {
    operationId: 'getCurrentApiKey',
    tags,
    summary: 'The key making this request: its name, scopes and channel (any valid key may ask)',
    description:
      'What a client such as the operator console needs to offer only the actions this key may take. The secret is never shown.',
    response: { 200: { ...ApiKeySchema, description: 'The key this request was made with' } },
  },
};

const getApiKey = {
  config: admin,
  schema: {
    operationId: 'getApiKey',
    tags,
    summary: 'Get an API key',
    params: ApiKeyParamsSchema,
    response: { 200: { ...ApiKeySchema, description: 'The key' } },
  },
};

const revokeApiKey = {
  config: admin,
  schema: {
    operationId: 'revokeApiKey',
    tags,
    summary: 'Revoke an API key; requests with it are refused from now on',
    params: ApiKeyParamsSchema,
    response: { 204: { type: 'null', description: 'Revoked' } },
  },
};

export const apiKeyRoutes: FastifyPluginAsyncTypebox<{ apiKeys: ApiKeyService }> = async (
  app,
  { apiKeys },
) => {
  app.post('/api-keys', createApiKey, async (request, reply) =>
    reply.code(201).send(await apiKeys.create(request.body)),
  );
  app.get('/api-keys', listApiKeys, async (request) => apiKeys.list(request.query));
  app.get('/api-keys/current', getCurrentApiKey, async (request) => apiKeys.get(callerOf(request).keyId));
  app.get('/api-keys/:id', getApiKey, async (request) => apiKeys.get(request.params.id));
  app.delete('/api-keys/:id', revokeApiKey, async (request, reply) => {
    await apiKeys.revoke(request.params.id);
    return reply.code(204).send(null);
  });
};
