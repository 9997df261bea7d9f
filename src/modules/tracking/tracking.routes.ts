import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../http/auth.js';
import { OrderParamsSchema } from '../orders/index.js';
import { StatusLinkSchema } from './tracking.schemas.js';
import type { TrackingService } from './tracking.service.js';

const tags = ['Tracking'];
const link = (description: string) => ({ ...StatusLinkSchema, description });

const getStatusLink = {
  config: { scope: 'orders:read' as const },
  schema: {
    operationId: 'getOrderStatusLink',
    tags,
    summary: 'The order’s status link: the page where its customer follows it without an API key',
    description:
      'The current token and URL (`/track/{token}` for people, `/v1/track/{token}` as JSON), when it expires, and whether it was revoked (a revoked link answers 404 until a new one is issued). A channel-bound key sees only its channel’s orders.',
    params: OrderParamsSchema,
    response: { 200: link('The order’s status link') },
  },
};

const renewStatusLink = {
  config: { scope: 'orders:write' as const },
  schema: {
    operationId: 'renewOrderStatusLink',
    tags,
    summary: 'Issue a new status link: every earlier link of the order stops working',
    description: 'Also undoes a revocation. Appends `status_link.renewed`.',
    params: OrderParamsSchema,
    response: { 201: link('The new status link') },
  },
};

const revokeStatusLink = {
  config: { scope: 'orders:write' as const },
  schema: {
    operationId: 'revokeOrderStatusLink',
    tags,
    summary: 'Revoke the order’s status link: it answers 404 until a new one is issued',
    description:
      'Idempotent: revoking a revoked link changes nothing. Appends `status_link.revoked` (once). Lookups by number and email or postal code find nothing while the link is revoked.',
    params: OrderParamsSchema,
    response: { 204: { type: 'null', description: 'Revoked' } },
  },
};

/** The merchant's handle on an order's customer link (API key, order scopes, channel-bound keys see their own). */
export const statusLinkRoutes: FastifyPluginAsyncTypebox<{ tracking: TrackingService }> = async (
  app,
  { tracking },
) => {
  app.get('/orders/:id/status-link', getStatusLink, async (request) =>
    tracking.linkOf(request.params.id, callerOf(request)),
  );
  app.post('/orders/:id/status-link', renewStatusLink, async (request, reply) =>
    reply.code(201).send(await tracking.renew(request.params.id, callerOf(request))),
  );
  app.delete('/orders/:id/status-link', revokeStatusLink, async (request, reply) => {
    await tracking.revoke(request.params.id, callerOf(request));
    return reply.code(204).send(null);
  });
};
