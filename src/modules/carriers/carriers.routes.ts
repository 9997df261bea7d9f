import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { Page, pageQuery } from '../../http/pagination.js';
import {
  CarrierListQuerySchema,
  CarrierParamsSchema,
  CarrierSchema,
  CreateCarrierSchema,
  UpdateCarrierSchema,
} from './carriers.schemas.js';
import type { CarrierService } from './carriers.service.js';

const tags = ['Carriers'];
const write = { scope: 'fulfillment:write' as const };
const carrier = (description: string) => ({ ...CarrierSchema, description });

const rateCardRules =
  'Each rate card has distance bands (great-circle km) and weight brackets (grams): half-open ranges ' +
  '`[min, max)` that start at 0 and follow each other without gaps or overlaps, and `rates[band][bracket]`. ' +
  'Every problem (rate cards, repeated service codes, unknown locations in `pickup_cutoffs`) is listed ' +
  'by JSON pointer; nothing is saved unless all is valid.';

const adapterRules =
  ' Labels and tracking numbers come from the `adapter`: `rate_card` (built in) or `http`, which needs an ' +
  '`endpoint` (http or https, no credentials in the URL) and may take an `api_token`; the token is write-only ' +
  '(responses say `has_api_token`).';

const createCarrierRoute = {
  config: write,
  schema: {
    operationId: 'createCarrier',
    tags,
    summary: 'Create a carrier with its services and rate cards',
    description: `${rateCardRules}${adapterRules}`,
    body: CreateCarrierSchema,
    response: { 201: carrier('The new carrier') },
  },
};

const listCarriersRoute = {
  schema: {
    operationId: 'listCarriers',
    tags,
    summary: 'List carriers',
    querystring: Type.Object({ ...pageQuery, ...CarrierListQuerySchema.properties }),
    response: { 200: { ...Page(CarrierSchema), description: 'A page of carriers' } },
  },
};

const getCarrierRoute = {
  schema: {
    operationId: 'getCarrier',
    tags,
    summary: 'Get a carrier with its services',
    params: CarrierParamsSchema,
    response: { 200: carrier('The carrier') },
  },
};

const updateCarrierRoute = {
  config: write,
  schema: {
    operationId: 'updateCarrier',
    tags,
    summary: 'Change a carrier; `services` replaces the whole list',
    description: `${rateCardRules}${adapterRules} Fields not given keep their value; \`null\` removes the endpoint or the token.`,
    params: CarrierParamsSchema,
    body: UpdateCarrierSchema,
    response: { 200: carrier('The updated carrier') },
  },
};

const deactivateCarrierRoute = {
  config: write,
  schema: {
    operationId: 'deactivateCarrier',
    tags,
    summary: 'Deactivate a carrier: its services stop being offered (PATCH `active: true` reactivates it)',
    params: CarrierParamsSchema,
    response: { 200: carrier('The deactivated carrier') },
  },
};

export const carrierRoutes: FastifyPluginAsyncTypebox<{ carriers: CarrierService }> = async (
  app,
  { carriers },
) => {
  app.post('/carriers', createCarrierRoute, async (request, reply) =>
    reply.code(201).send(await carriers.create(request.body)),
  );
  app.get('/carriers', listCarriersRoute, async (request) => carriers.list(request.query));
  app.get('/carriers/:code', getCarrierRoute, async (request) => carriers.get(request.params.code));
  app.patch('/carriers/:code', updateCarrierRoute, async (request) =>
    carriers.update(request.params.code, request.body),
  );
  app.post('/carriers/:code/deactivate', deactivateCarrierRoute, async (request) =>
    carriers.deactivate(request.params.code),
  );
};
