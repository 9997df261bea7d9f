import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { callerOf } from '../../http/auth.js';
import { heavyPageItems, Page, pageQuery } from '../../http/pagination.js';
import { OrderParamsSchema } from '../orders/index.js';
import {
  ConfirmRefundSchema,
  CreateReturnSchema,
  DecisionSchema,
  ReceiveReturnSchema,
  RefundParamsSchema,
  ReturnListQuerySchema,
  ReturnParamsSchema,
  ReturnSchema,
  ReturnShippedSchema,
} from './returns.schemas.js';
import type { ReturnService } from './returns.service.js';

const tags = ['Returns'];
const write = { scope: 'returns:write' as const };
const read = { scope: 'orders:read' as const };
const ret = (description: string) => ({ ...ReturnSchema, description });

const createReturnRoute = {
  config: write,
  schema: {
    operationId: 'createReturn',
    tags,
    summary: 'Open a return (RMA) for shipped units, optionally with replacement lines (an exchange)',
    description:
      'A channel-bound key opens it for the customer; any other key for the back office. The channel’s return policy decides: authorized at once, a `return_review` hold (queue `returns`) for reasons that need a person, or a 422 naming each line that cannot be returned (window ended, non-returnable tag, more units than shipped and not yet returned).',
    params: OrderParamsSchema,
    body: CreateReturnSchema,
    response: { 201: ret('The new return') },
  },
};

const listReturnsRoute = {
  config: { ...read, maxPageItems: heavyPageItems },
  schema: {
    operationId: 'listReturns',
    tags,
    summary: 'List returns, newest first',
    querystring: Type.Object({ ...pageQuery, ...ReturnListQuerySchema.properties }),
    response: { 200: { ...Page(ReturnSchema), description: 'A page of returns' } },
  },
};

const getReturnRoute = {
  config: read,
  schema: {
    operationId: 'getReturn',
    tags,
    summary: 'Get a return with its lines, receipts and refunds',
    params: ReturnParamsSchema,
    response: { 200: ret('The return') },
  },
};

/** Authorize, reject and close take the same body: an optional reason. */
const decisionRoute = (operationId: string, summary: string, description: string) => ({
  config: write,
  schema: {
    operationId,
    tags,
    summary,
    description,
    params: ReturnParamsSchema,
    body: DecisionSchema,
    response: { 200: ret('The return after the decision') },
  },
});

const authorizeReturnRoute = decisionRoute(
  'authorizeReturn',
  'Authorize a return that waits for review (resolves its hold)',
  'Only a `requested` return (409 otherwise). Its `return_review` hold is released and its exchange, if it asks for one, is created right after; should that fail, the exchange worker creates it.',
);
const rejectReturnRoute = decisionRoute(
  'rejectReturn',
  'Reject a return (resolves its hold; cancels an exchange not yet shipped)',
  'A `requested` or `authorized` return (409 otherwise). Its hold is cancelled; the units may be asked for again in a new return.',
);
const closeReturnRoute = decisionRoute(
  'closeReturn',
  'Close a return: nothing more is coming back or being refunded',
  'Any return not yet refunded, closed or rejected (409 otherwise). A `requested` return is withdrawn (its hold cancelled). Closed before any unit arrived, its exchange is cancelled unless the replacement already left; closed after, the exchange stands. Also how a return whose units were all exchanged (nothing to refund) ends.',
);

const markReturnInTransitRoute = {
  config: write,
  schema: {
    operationId: 'markReturnInTransit',
    tags,
    summary: 'The customer sent the parcel back',
    params: ReturnParamsSchema,
    body: ReturnShippedSchema,
    response: { 200: ret('The return, in transit') },
  },
};

const receiveReturnRoute = {
  config: write,
  schema: {
    operationId: 'receiveReturn',
    tags,
    summary: 'Receive returned units at a location, each with its condition (partial receipts allowed)',
    description:
      'Sellable units are restocked there (ledger reason `return_restock`, availability events follow); damaged or opened units go on hand there as `damaged` (counted in on_hand, never available; `POST /v1/inventory/state-moves` moves them back to sellable after inspection). The order becomes partially_returned or returned; an exchange waiting for this return is released.',
    params: ReturnParamsSchema,
    body: ReceiveReturnSchema,
    response: { 200: ret('The return after the receipt') },
  },
};

const refundReturnRoute = {
  config: write,
  schema: {
    operationId: 'refundReturn',
    tags,
    summary: 'Record the refund for received units not yet refunded',
    description:
      'What the customer paid for those units (price, less prorated order discounts, plus tax), less the restocking fee for their reason, plus shipping by the channel’s policy; never more than was paid. Units an exchange replaces are never refunded (each replacement unit stands for one returned unit, the same SKU first, then in the return’s line order), and they do not count toward a full return for the shipping policy. A `refund.requested` event tells the payment system; confirm with POST /v1/refunds/{id}/confirm. 409 when the return is not received or nothing received is left to refund.',
    params: ReturnParamsSchema,
    response: { 200: ret('The return with the new refund') },
  },
};

const confirmRefundRoute = {
  config: write,
  schema: {
    operationId: 'confirmRefund',
    tags,
    summary: 'The payment system reports a refund done (idempotent)',
    params: RefundParamsSchema,
    body: ConfirmRefundSchema,
    response: { 200: ret('The return the refund belongs to') },
  },
};

export const returnRoutes: FastifyPluginAsyncTypebox<{ returns: ReturnService }> = async (
  app,
  { returns },
) => {
  app.post('/orders/:id/returns', createReturnRoute, async (request, reply) =>
    reply.code(201).send(await returns.request(request.params.id, request.body, callerOf(request))),
  );
  app.get('/returns', listReturnsRoute, async (request) => returns.list(request.query, callerOf(request)));
  app.get('/returns/:id', getReturnRoute, async (request) =>
    returns.get(request.params.id, callerOf(request)),
  );
  app.post('/returns/:id/authorize', authorizeReturnRoute, async (request) =>
    returns.authorize(request.params.id, callerOf(request)),
  );
  app.post('/returns/:id/reject', rejectReturnRoute, async (request) =>
    returns.reject(request.params.id, request.body.reason, callerOf(request)),
  );
  app.post('/returns/:id/close', closeReturnRoute, async (request) =>
    returns.close(request.params.id, request.body.reason, callerOf(request)),
  );
  app.post('/returns/:id/in-transit', markReturnInTransitRoute, async (request) =>
    returns.shipped(request.params.id, request.body, callerOf(request)),
  );
  app.post('/returns/:id/receive', receiveReturnRoute, async (request) =>
    returns.receive(request.params.id, request.body, callerOf(request)),
  );
  app.post('/returns/:id/refund', refundReturnRoute, async (request) =>
    returns.refund(request.params.id, callerOf(request)),
  );
  app.post('/refunds/:id/confirm', confirmRefundRoute, async (request) =>
    returns.confirmRefund(request.params.id, request.body.external_reference, callerOf(request)),
  );
};
