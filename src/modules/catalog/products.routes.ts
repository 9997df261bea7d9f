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

export const productRoutes: FastifyPluginAsyncTypebox<{
  products: ProductService;
  bulkBodyLimit: number;
}> = async (app, { products, bulkBodyLimit }) => {
  app.post(
    '/products',
    {
      config: write,
      schema: {
        operationId: 'createProduct',
        tags,
        summary: 'Create a product',
        body: CreateProductSchema,
        response: { 201: product('The new product') },
      },
    },
    async (request, reply) => reply.code(201).send(await products.create(request.body)),
  );

  app.post(
    '/products/bulk',
    {
      config: write,
      bodyLimit: bulkBodyLimit,
      schema: {
        operationId: 'bulkUpsertProducts',
        tags,
        summary: 'Create or replace up to 5,000 products in one transaction',
        description:
          'All or nothing: any invalid row rejects the request, and the problem lists every bad row by index.',
        body: BulkProductsSchema,
        response: { 200: BulkProductsResultSchema },
      },
    },
    async (request) => products.bulkUpsert(request.body.products),
  );

  app.get(
    '/products',
    {
      schema: {
        operationId: 'listProducts',
        tags,
        summary: 'List products',
        querystring: Type.Object({ ...pageQuery, ...ProductListQuerySchema.properties }),
        response: { 200: { ...Page(ProductSchema), description: 'A page of products' } },
      },
    },
    async (request) => products.list(request.query),
  );

  app.get(
    '/products/:sku',
    {
      schema: {
        operationId: 'getProduct',
        tags,
        summary: 'Get a product by SKU',
        params: ProductParamsSchema,
        response: { 200: product('The product') },
      },
    },
    async (request) => products.get(request.params.sku),
  );

  app.patch(
    '/products/:sku',
    {
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
    },
    async (request) => products.update(request.params.sku, request.body),
  );

  app.post(
    '/products/:sku/deactivate',
    {
      config: write,
      schema: {
        operationId: 'deactivateProduct',
        tags,
        summary: 'Deactivate a product: new orders for it are refused (PATCH `active: true` reactivates it)',
        params: ProductParamsSchema,
        response: { 200: product('The deactivated product') },
      },
    },
    async (request) => products.deactivate(request.params.sku),
  );
};
