import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
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

export const apiKeyRoutes: FastifyPluginAsyncTypebox<{ apiKeys: ApiKeyService }> = async (
  app,
  { apiKeys },
) => {
  app.post(
    '/api-keys',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'createApiKey',
        tags,
        summary: 'Create an API key; its secret is returned only in this response',
        body: CreateApiKeySchema,
        response: { 201: { ...CreatedApiKeySchema, description: 'The key, with its secret' } },
      },
    },
    async (request, reply) => reply.code(201).send(await apiKeys.create(request.body)),
  );

  app.get(
    '/api-keys',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'listApiKeys',
        tags,
        summary: 'List API keys, newest first (secrets are never shown)',
        querystring: Type.Object({ ...pageQuery, ...ApiKeyListQuerySchema.properties }),
        response: { 200: { ...Page(ApiKeySchema), description: 'A page of keys' } },
      },
    },
    async (request) => apiKeys.list(request.query),
  );

  app.get(
    '/api-keys/:id',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'getApiKey',
        tags,
        summary: 'Get an API key',
        params: ApiKeyParamsSchema,
        response: { 200: { ...ApiKeySchema, description: 'The key' } },
      },
    },
    async (request) => apiKeys.get(request.params.id),
  );

  app.delete(
    '/api-keys/:id',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'revokeApiKey',
        tags,
        summary: 'Revoke an API key; requests with it are refused from now on',
        params: ApiKeyParamsSchema,
        response: { 204: { type: 'null', description: 'Revoked' } },
      },
    },
    async (request, reply) => {
      await apiKeys.revoke(request.params.id);
      return reply.code(204).send(null);
    },
  );
};
