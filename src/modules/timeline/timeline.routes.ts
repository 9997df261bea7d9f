import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../http/auth.js';
import { heavyPageItems } from '../../http/pagination.js';
import { OrderParamsSchema } from '../orders/index.js';
import { TimelineQuerySchema, TimelineSchema } from './timeline.schemas.js';
import type { TimelineService } from './timeline.service.js';

const getOrderTimeline = {
  // Entries carry their event's data (often the whole order), so pages are capped like order lists.
  config: { scope: 'orders:read' as const, maxPageItems: heavyPageItems },
  schema: {
    operationId: 'getOrderTimeline',
    tags: ['Orders'],
    summary: 'Everything that happened to an order, oldest first, with who did it',
    description: [
      'Every event of the order and of its shipments, returns and refunds (holds, routing decisions,',
      'releases, picks, tracking updates…), in the order they were written, each with its actor',
      '(the API key and request, a channel connector, or the Ordo worker), its time and a one-line summary.',
      'A channel-bound key sees only its channel’s orders.',
    ].join(' '),
    params: OrderParamsSchema,
    querystring: TimelineQuerySchema,
    response: { 200: TimelineSchema },
  },
};

export const timelineRoutes: FastifyPluginAsyncTypebox<{ timeline: TimelineService }> = async (
  app,
  { timeline },
) => {
  app.get('/orders/:id/timeline', getOrderTimeline, async (request) =>
    timeline.of(request.params.id, request.query, callerOf(request)),
  );
};
