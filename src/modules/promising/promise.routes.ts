import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError, invalid } from '../../errors.js';
import { callerOf } from '../../http/auth.js';
import { PromiseRequestSchema, PromiseSchema } from './promise.schemas.js';
import type { PromiseService } from './promise.service.js';

export const promiseRoutes: FastifyPluginAsyncTypebox<{ promising: PromiseService }> = async (
  app,
  { promising },
) => {
  app.post(
    '/promise',
    {
      config: { scope: 'orders:read' },
      schema: {
        operationId: 'promiseDelivery',
        tags: ['Promising'],
        summary: 'Delivery options for a basket at checkout: ship-from, carrier service, dates and cost',
        description:
          'Read-only: reserves nothing. `chosen` is what capture would reserve now, routed exactly as an order would be (the channel’s rule set, eligibility including capacity and stale feeds, ranking, split policy), with the delivery date capture would promise; null when capture would reserve nothing. On a channel that allows backorders, what on-hand stock cannot cover is answered from incoming stock: `chosen.incoming` names the inbound shipments’ units the order would be promised (after the backordered orders ahead of it) and `chosen.delivery_date` is when they can deliver (null when they do not cover everything). Options come from every location the rules make eligible that can ship all lines alone or, when none can, one split filled from the nearest of them; each with every carrier service of the level whose rate card quotes every parcel. Ship dates respect each location’s cut-off (or the service’s pickup cut-off there) in its own time zone, its processing days and weekends. Nothing deliverable is an empty list, not an error. A channel-bound key naming another channel gets a 404.',
        body: PromiseRequestSchema,
        response: { 200: PromiseSchema },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const channel = request.body.channel ?? caller.channel;
      if (channel === null) {
        throw invalid([
          { in: 'body', pointer: '/channel', detail: 'is required for an API key not bound to a channel' },
        ]);
      }
      if (caller.channel !== null && channel !== caller.channel) {
        throw new AppError('not_found', `Channel ${channel} was not found`);
      }
      return promising.promise(request.body, channel);
    },
  );
};
