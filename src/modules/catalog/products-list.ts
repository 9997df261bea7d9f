import { and, asc, eq, gt, ilike, or, sql } from 'drizzle-orm';
import { productBarcodes, products } from '../../db/schema/index.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import type { CatalogDeps } from './deps.js';
import { kitsOf } from './kits.js';
import { barcodesOf, presentProduct } from './product-store.js';
import type { Product } from './products.schemas.js';

export interface ProductListQuery {
  limit: number;
  cursor?: string;
  active?: boolean;
  tag?: string;
  barcode?: string;
  q?: string;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function listProducts(
  { db }: Pick<CatalogDeps, 'db'>,
  query: ProductListQuery,
): Promise<Page<Product>> {
  const after = decodeCursor(query.cursor, ['number']);
  const pattern = query.q === undefined ? undefined : `%${escapeLike(query.q)}%`;
  const rows = await db
    .select()
    .from(products)
    .where(
      and(
        query.active === undefined ? undefined : eq(products.active, query.active),
        query.tag === undefined ? undefined : sql`${query.tag} = ANY(${products.tags})`,
        query.barcode === undefined
          ? undefined
          : sql`${products.id} IN (SELECT ${productBarcodes.productId} FROM ${productBarcodes} WHERE ${productBarcodes.barcode} = ${query.barcode})`,
        pattern === undefined ? undefined : or(ilike(products.sku, pattern), ilike(products.name, pattern)),
        after ? gt(products.id, Number(after[0])) : undefined,
      ),
    )
    .orderBy(asc(products.id))
    .limit(query.limit + 1);
  const [barcodes, kits] = await Promise.all([
    barcodesOf(
      db,
      rows.map((row) => row.id),
    ),
    kitsOf(db, rows),
  ]);
  return toPage(
    rows,
    query.limit,
    (row) => [row.id],
    (row) => presentProduct(row, barcodes.get(row.id) ?? [], kits.get(row.id) ?? null),
  );
}
