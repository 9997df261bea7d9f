import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { Page, pageQuery } from '../../http/pagination.js';
import {
  CreateLocationSchema,
  LocationListQuerySchema,
  LocationParamsSchema,
  LocationSchema,
  UpdateLocationSchema,
} from './locations.schemas.js';
import type { LocationService } from './locations.service.js';

const tags = ['Catalog'];
const write = { scope: 'catalog:write' as const };
const location = (description: string) => ({ ...LocationSchema, description });

const createLocationRoute = {
  config: write,
  schema: {
    operationId: 'createLocation',
    tags,
    summary: 'Create a warehouse, store or dropship location',
    description:
      'The address is validated for its country. Without latitude/longitude, a US or CA postal code places the location.',
    body: CreateLocationSchema,
    response: { 201: location('The new location') },
  },
};

const listLocationsRoute = {
  schema: {
    operationId: 'listLocations',
    tags,
    summary: 'List locations',
    querystring: Type.Object({ ...pageQuery, ...LocationListQuerySchema.properties }),
    response: { 200: { ...Page(LocationSchema), description: 'A page of locations' } },
  },
};

const getLocationRoute = {
  schema: {
    operationId: 'getLocation',
    tags,
    summary: 'Get a location',
    params: LocationParamsSchema,
    response: { 200: location('The location') },
  },
};

const updateLocationRoute = {
  config: write,
  schema: {
    operationId: 'updateLocation',
    tags,
    summary: 'Change some fields of a location',
    description:
      '`channels` replaces the whole list. A new address re-derives coordinates unless they were given.',
    params: LocationParamsSchema,
    body: UpdateLocationSchema,
    response: { 200: location('The updated location') },
  },
};

const deactivateLocationRoute = {
  config: write,
  schema: {
    operationId: 'deactivateLocation',
    tags,
    summary: 'Deactivate a location: it stops being a candidate to ship from',
    params: LocationParamsSchema,
    response: { 200: location('The deactivated location') },
  },
};

export const locationRoutes: FastifyPluginAsyncTypebox<{ locations: LocationService }> = async (
  app,
  { locations },
) => {
  app.post('/locations', createLocationRoute, async (request, reply) =>
    reply.code(201).send(await locations.create(request.body)),
  );
  app.get('/locations', listLocationsRoute, async (request) => locations.list(request.query));
  app.get('/locations/:code', getLocationRoute, async (request) => locations.get(request.params.code));
  app.patch('/locations/:code', updateLocationRoute, async (request) =>
    locations.update(request.params.code, request.body),
  );
  app.post('/locations/:code/deactivate', deactivateLocationRoute, async (request) =>
    locations.deactivate(request.params.code),
  );
};
