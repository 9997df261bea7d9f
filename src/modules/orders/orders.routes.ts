import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { callerOf } from '../../http/auth.js';
import { heavyPageItems, Page, pageQuery } from '../../http/pagination.js';
import { OrderRoutingSchema } from '../routing/index.js';
import {
  CancelOrderSchema,
  CreateOrderSchema,
  OrderListQuerySchema,
  OrderParamsSchema,
  OrderSchema,
  PaymentUpdateSchema,
  UpdateOrderSchema,
} from './orders.schemas.js';
import type { OrderService } from './orders.service.js';

const tags = ['Orders'];
const write = { scope: 'orders:write' as const };
const read = { scope: 'orders:read' as const };
const order = (description: string) => ({ ...OrderSchema, description });

const captureOrder = {
  config: write,
  schema: {
    operationId: 'createOrder',
    tags,
    summary: 'Capture an order: validate, check, reserve stock and open holds, in one request',
    description:
      'A repeat of the same (channel, external_id) returns the existing order with 200 instead of creating another. Address, payment and fraud problems open holds; unknown SKUs and bad fields are 422 and store nothing.',
    body: CreateOrderSchema,
    response: {
      201: order('The new order'),
      200: order('An order with this external_id already existed in the channel; it is returned unchanged'),
    },
  },
};

const listOrders = {
  config: { ...read, maxPageItems: heavyPageItems },
  schema: {
    operationId: 'listOrders',
    tags,
    summary: 'List orders, newest first',
    querystring: Type.Object({ ...pageQuery, ...OrderListQuerySchema.properties }),
    response: { 200: { ...Page(OrderSchema), description: 'A page of orders' } },
  },
};

const getOrder = {
  config: read,
  schema: {
    operationId: 'getOrder',
    tags,
    summary: 'Get an order by id or number',
    params: OrderParamsSchema,
    response: { 200: order('The order') },
  },
};

const explainOrderRouting = {
  config: read,
  schema: {
    operationId: 'getOrderRouting',
    tags,
    summary: 'Why the order ships from where it does: the routing trace, destination and promised date',
    params: OrderParamsSchema,
    response: { 200: OrderRoutingSchema },
  },
};

const updateOrder = {
  config: write,
  schema: {
    operationId: 'updateOrder',
    tags,
    summary: 'Change addresses, customer or lines before release; checks and allocation re-run atomically',
    params: OrderParamsSchema,
    body: UpdateOrderSchema,
    response: { 200: order('The updated order') },
  },
};

const cancelOrder = {
  config: write,
  schema: {
    operationId: 'cancelOrder',
    tags,
    summary: 'Cancel the whole order or some line quantities; their stock is released',
    params: OrderParamsSchema,
    body: CancelOrderSchema,
    response: { 200: order('The order after the cancellation') },
  },
};

const recordOrderPayment = {
  config: write,
  schema: {
    operationId: 'updateOrderPayment',
    tags,
    summary: 'Record a later payment status; a payment that covers the order releases its payment hold',
    params: OrderParamsSchema,
    body: PaymentUpdateSchema,
    response: { 200: order('The order after the payment update') },
  },
};

export const orderRoutes: FastifyPluginAsyncTypebox<{ orders: OrderService }> = async (app, { orders }) => {
  app.post('/orders', captureOrder, async (request, reply) => {
    const { order: captured, created } = await orders.capture(request.body, callerOf(request));
    return reply.code(created ? 201 : 200).send(captured);
  });
  app.get('/orders', listOrders, async (request) => orders.list(request.query, callerOf(request)));
  app.get('/orders/:id', getOrder, async (request) => orders.get(request.params.id, callerOf(request)));
  app.get('/orders/:id/routing', explainOrderRouting, async (request) =>
    orders.routingOf(request.params.id, callerOf(request)),
  );
  app.patch('/orders/:id', updateOrder, async (request) =>
    orders.update(request.params.id, request.body, callerOf(request)),
  );
  app.post('/orders/:id/cancel', cancelOrder, async (request) =>
    orders.cancel(request.params.id, request.body, callerOf(request)),
  );
  app.post('/orders/:id/payment', recordOrderPayment, async (request) =>
    orders.setPayment(request.params.id, request.body, callerOf(request)),
  );
};
