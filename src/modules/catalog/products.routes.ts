import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { Page, pageQuery } from '../../http/pagination.js';
import {
  BulkProductsResultSchema,
  BulkProductsSchema,
  CreateProductSchema,
  ProductListQuerySchema,
  ProductParamsSchema,
  ProductSchema,
  UpdateProductSchema,
} from './products.schemas.js';
import type { ProductService } from './products.service.js';

const tags = ['Catalog'];
const write = { scope: 'catalog:write' as const };
const product = (description: string) => ({ ...ProductSchema, description });

const createProductRoute = {
  config: write,
  schema: {
    operationId: 'createProduct',
    tags,
    summary: 'Create a product',
    body: CreateProductSchema,
    response: { 201: product('The new product') },
  },
};

/** Its `bodyLimit` is the configured bulk limit, set when the routes are registered. */
const bulkUpsertProductsRoute = {
  config: write,
  schema: {
    operationId: 'bulkUpsertProducts',
    tags,
    summary: 'Create or replace up to 5,000 products in one transaction',
    description:
      'All or nothing: any invalid row rejects the request, and the problem lists every bad row by index.',
    body: BulkProductsSchema,
    response: { 200: BulkProductsResultSchema },
  },
};

const listProductsRoute = {
  schema: {
    operationId: 'listProducts',
    tags,
    summary: 'List products',
    querystring: Type.Object({ ...pageQuery, ...ProductListQuerySchema.properties }),
    response: { 200: { ...Page(ProductSchema), description: 'A page of products' } },
  },
};

const getProductRoute = {
  schema: {
    operationId: 'getProduct',
    tags,
    summary: 'Get a product by SKU',
    params: ProductParamsSchema,
    response: { 200: product('The product') },
  },
};

const updateProductRoute = {
  config: write,
  schema: {
    operationId: 'updateProduct',
    tags,
    summary: 'Change some fields of a product',
    description: '`barcodes` and `tags` replace the whole list; `null` clears weight or dimensions.',
    params: ProductParamsSchema,
    body: UpdateProductSchema,
    response: { 200: product('The updated product') },
  },
};

const deactivateProductRoute = {
  config: write,
  schema: {
    operationId: 'deactivateProduct',
    tags,
    summary: 'Deactivate a product: new orders for it are refused (PATCH `active: true` reactivates it)',
    params: ProductParamsSchema,
    response: { 200: product('The deactivated product') },
  },
};

export const productRoutes: FastifyPluginAsyncTypebox<{
  products: ProductService;
  bulkBodyLimit: number;
}> = async (app, { products, bulkBodyLimit }) => {
  app.post('/products', createProductRoute, async (request, reply) =>
    reply.code(201).send(await products.create(request.body)),
  );
  app.post('/products/bulk', { ...bulkUpsertProductsRoute, bodyLimit: bulkBodyLimit }, async (request) =>
    products.bulkUpsert(request.body.products),
  );
  app.get('/products', listProductsRoute, async (request) => products.list(request.query));
  app.get('/products/:sku', getProductRoute, async (request) => products.get(request.params.sku));
  app.patch('/products/:sku', updateProductRoute, async (request) =>
    products.update(request.params.sku, request.body),
  );
  app.post('/products/:sku/deactivate', deactivateProductRoute, async (request) =>
    products.deactivate(request.params.sku),
  );
};
