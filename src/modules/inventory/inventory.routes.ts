import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { AppError } from '../../errors.js';
import { callerOf } from '../../http/auth.js';
import type { Caller } from '../../http/caller.js';
import { Page, pageQuery } from '../../http/pagination.js';
import {
  AdjustmentSchema,
  AvailabilityQuerySchema,
  AvailabilitySchema,
  CountSchema,
  FeedResultSchema,
  LevelListQuerySchema,
  LevelSchema,
  MovementListQuerySchema,
  MovementSchema,
  ReorderPointsSchema,
  SafetyStockResultSchema,
  SafetyStockSchema,
} from './inventory.schemas.js';
import type { InventoryService } from './inventory.service.js';
import { StateMoveSchema } from './stock-states.schemas.js';

const tags = ['Inventory'];
const write = { scope: 'inventory:write' as const };
const read = { scope: 'inventory:read' as const };
const maxAvailabilitySkus = 100;

const feedResponses = {
  201: { ...FeedResultSchema, description: 'Applied' },
  200: {
    ...FeedResultSchema,
    description: 'This reference was applied before; nothing changed (`applied: false`)',
  },
};

/** Feeds are bulk: their `bodyLimit` is the configured bulk limit, set when the routes are registered. */
const adjustInventoryRoute = {
  config: write,
  schema: {
    operationId: 'adjustInventory',
    tags,
    summary: 'Apply on-hand changes (receipts, corrections, transfers) from a WMS, store or vendor',
    description:
      'Up to 10,000 rows in one transaction: all apply or none do, and every bad row is listed by index. A `reference` applied before changes nothing. A row with `state` adds or takes damaged units or units in quality control (never more than the level holds in that state); a sellable row never takes on_hand below its damaged and quality-control units.',
    body: AdjustmentSchema,
    response: feedResponses,
  },
};

const countInventoryRoute = {
  config: write,
  schema: {
    operationId: 'countInventory',
    tags,
    summary: 'Set counted on-hand quantities (cycle counts, full counts)',
    description:
      'A count below what is reserved is accepted (the shelf is the truth) and opens an `inventory.shortfall` event naming the uncovered holders.',
    body: CountSchema,
    response: feedResponses,
  },
};

const moveStockStatesRoute = {
  config: write,
  schema: {
    operationId: 'moveStockStates',
    tags,
    summary: 'Move units between sellable, damaged and quality control at their location',
    description:
      'Damaged units and units in quality control stay in on_hand but are never available to any channel, routing or promise. Up to 1,000 rows in one transaction: all apply or none do, and every row that asks for more units than its `from` state holds (of `sellable`, only units no reservation holds) is a 422 naming it. Each move writes two `state_change` rows to the ledger. A `reference` applied before changes nothing.',
    body: StateMoveSchema,
    response: {
      201: {
        ...FeedResultSchema,
        description: 'Moved',
        examples: [
          {
            reference: 'QC-NJ-DC-2026-11-28',
            kind: 'state_move',
            applied: true,
            items: 2,
            applied_at: '2026-11-28T10:00:00.000Z',
            shortfalls: [],
          },
        ],
      },
      200: {
        ...FeedResultSchema,
        description: 'This reference was applied before; nothing changed (`applied: false`)',
      },
    },
  },
};

const listLevelsRoute = {
  config: read,
  schema: {
    operationId: 'listInventoryLevels',
    tags,
    summary: 'List stock levels per product and location',
    querystring: Type.Object({ ...pageQuery, ...LevelListQuerySchema.properties }),
    response: { 200: { ...Page(LevelSchema), description: 'A page of levels' } },
  },
};

const listMovementsRoute = {
  config: read,
  schema: {
    operationId: 'listInventoryMovements',
    tags,
    summary: 'List the inventory ledger, newest first',
    querystring: Type.Object({ ...pageQuery, ...MovementListQuerySchema.properties }),
    response: { 200: { ...Page(MovementSchema), description: 'A page of movements' } },
  },
};

const setSafetyStockRoute = {
  config: write,
  schema: {
    operationId: 'setSafetyStock',
    tags,
    summary: 'Set safety stock per product and location, or a channel’s own override',
    body: SafetyStockSchema,
    response: { 200: SafetyStockResultSchema },
  },
};

const setReorderPointsRoute = {
  config: write,
  schema: {
    operationId: 'setReorderPoints',
    tags,
    summary: 'Set reorder points per product and location (alerts watch levels under them)',
    description:
      'Up to 10,000 rows in one transaction: all apply or none do, and every unknown SKU or location is listed by row. A `null` reorder point removes it. `GET /v1/inventory/levels` shows them; the `below_reorder_point` alert rule raises an alert for each level with fewer units on hand.',
    body: ReorderPointsSchema,
    response: {
      200: { ...SafetyStockResultSchema, description: 'Reorder points written', examples: [{ updated: 2 }] },
    },
  },
};

const getAvailabilityRoute = {
  config: read,
  schema: {
    operationId: 'getAvailability',
    tags,
    summary: 'What a channel may sell of each SKU now, with the per-location breakdown',
    querystring: AvailabilityQuerySchema,
    response: { 200: AvailabilitySchema },
  },
};

/** The SKUs and channel an availability request asks about; a channel-bound key sees only its channel. */
function availabilityRequest(query: { sku: string; channel?: string }, caller: Caller) {
  const skus = [
    ...new Set(
      query.sku
        .split(',')
        .map((sku) => sku.trim())
        .filter(Boolean),
    ),
  ];
  if (skus.length === 0 || skus.length > maxAvailabilitySkus) {
    throw new AppError('validation_failed', `Give 1 to ${maxAvailabilitySkus} SKUs`, {
      errors: [{ in: 'query', pointer: '/sku', detail: `must list 1 to ${maxAvailabilitySkus} SKUs` }],
    });
  }
  const channel = query.channel ?? caller.channel;
  if (channel === null) {
    throw new AppError('validation_failed', 'Name the channel', {
      errors: [{ in: 'query', pointer: '/channel', detail: 'is required for a key not bound to a channel' }],
    });
  }
  if (caller.channel !== null && channel !== caller.channel) {
    throw new AppError('not_found', `Channel ${channel} was not found`);
  }
  return { skus, channel };
}

export const inventoryRoutes: FastifyPluginAsyncTypebox<{
  inventory: InventoryService;
  bulkBodyLimit: number;
}> = async (app, { inventory, bulkBodyLimit }) => {
  app.post(
    '/inventory/adjustments',
    { ...adjustInventoryRoute, bodyLimit: bulkBodyLimit },
    async (request, reply) => {
      const result = await inventory.adjust(request.body, { apiKeyId: callerOf(request).keyId });
      return reply.code(result.applied ? 201 : 200).send(result);
    },
  );
  app.post(
    '/inventory/counts',
    { ...countInventoryRoute, bodyLimit: bulkBodyLimit },
    async (request, reply) => {
      const result = await inventory.count(request.body, { apiKeyId: callerOf(request).keyId });
      return reply.code(result.applied ? 201 : 200).send(result);
    },
  );
  app.post('/inventory/state-moves', moveStockStatesRoute, async (request, reply) => {
    const result = await inventory.moveStates(request.body, { apiKeyId: callerOf(request).keyId });
    return reply.code(result.applied ? 201 : 200).send(result);
  });
  app.get('/inventory/levels', listLevelsRoute, async (request) => inventory.listLevels(request.query));
  app.get('/inventory/movements', listMovementsRoute, async (request) =>
    inventory.listMovements(request.query),
  );
  app.put('/inventory/safety-stock', { ...setSafetyStockRoute, bodyLimit: bulkBodyLimit }, async (request) =>
    inventory.setSafetyStock(request.body),
  );
  app.put(
    '/inventory/reorder-points',
    { ...setReorderPointsRoute, bodyLimit: bulkBodyLimit },
    async (request) => inventory.setReorderPoints(request.body),
  );
  app.get('/inventory/availability', getAvailabilityRoute, async (request) => {
    const { skus, channel } = availabilityRequest(request.query, callerOf(request));
    return inventory.availability(skus, channel);
  });
};
