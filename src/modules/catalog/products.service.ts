import type { CatalogDeps } from './deps.js';
import { loadProduct } from './product-store.js';
import type { BulkProduct, CreateProduct, UpdateProduct } from './products.schemas.js';
import { bulkUpsertProducts } from './products-bulk.js';
import { createProduct, deactivateProduct, updateProduct } from './products-edit.js';
import { listProducts, type ProductListQuery } from './products-list.js';

export type ProductService = ReturnType<typeof createProductService>;

export function createProductService(deps: Pick<CatalogDeps, 'db'>) {
  return {
    create: (input: CreateProduct) => createProduct(deps, input),
    get: (sku: string) => loadProduct(deps.db, sku),
    list: (query: ProductListQuery) => listProducts(deps, query),
    update: (sku: string, input: UpdateProduct) => updateProduct(deps, sku, input),
    deactivate: (sku: string) => deactivateProduct(deps, sku),
    /** All or nothing: up to 5,000 products, every bad row reported by index. */
    bulkUpsert: (items: BulkProduct[]) => bulkUpsertProducts(deps, items),
  };
}
