import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { productBarcodes, products } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import { kitsOf } from './kits.js';
import type { Kit, Product } from './products.schemas.js';

/** SQL shared by the product use cases: loading, presenting and the barcode rows. */

type ProductRow = typeof products.$inferSelect;

export const presentProduct = (row: ProductRow, barcodes: string[], kit: Kit | null): Product => ({
  sku: row.sku,
  name: row.name,
  barcodes,
  weight_grams: row.weightGrams,
  dimensions_mm:
    row.lengthMm === null || row.widthMm === null || row.heightMm === null
      ? null
      : { length: row.lengthMm, width: row.widthMm, height: row.heightMm },
  tags: row.tags,
  active: row.active,
  kit,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

export async function barcodesOf(tx: Executor, ids: number[]): Promise<Map<number, string[]>> {
  const byProduct = new Map<number, string[]>(ids.map((id) => [id, []]));
  if (ids.length > 0) {
    const rows = await tx
      .select({ productId: productBarcodes.productId, barcode: productBarcodes.barcode })
      .from(productBarcodes)
      .where(inArray(productBarcodes.productId, ids))
      .orderBy(asc(productBarcodes.productId), asc(productBarcodes.position));
    for (const row of rows) {
      byProduct.get(row.productId)?.push(row.barcode);
    }
  }
  return byProduct;
}

/** The SKUs owning any of these barcodes, except the products in `except`. */
export async function barcodeOwners(
  tx: Executor,
  barcodes: string[],
  exceptSkus: string[],
): Promise<Map<string, string>> {
  if (barcodes.length === 0) {
    return new Map();
  }
  const rows = await tx
    .select({ barcode: productBarcodes.barcode, sku: products.sku })
    .from(productBarcodes)
    .innerJoin(products, eq(products.id, productBarcodes.productId))
    .where(
      and(
        sql`${productBarcodes.barcode} = ANY(${sql.param(barcodes)}::text[])`,
        sql`${products.sku} <> ALL(${sql.param(exceptSkus)}::text[])`,
      ),
    );
  return new Map(rows.map((row) => [row.barcode, row.sku]));
}

/** Replaces the barcodes of the given products in one statement, whatever their number. */
export async function writeBarcodes(tx: Executor, byProduct: Map<number, string[]>) {
  const ids = [...byProduct.keys()];
  if (ids.length === 0) {
    return;
  }
  await tx.delete(productBarcodes).where(inArray(productBarcodes.productId, ids));
  const rows = [...byProduct].flatMap(([productId, codes]) =>
    codes.map((code, position) => ({ code, productId, position })),
  );
  if (rows.length > 0) {
    await tx.execute(sql`
      INSERT INTO ${productBarcodes} (barcode, product_id, position)
      SELECT * FROM unnest(${sql.param(rows.map((r) => r.code))}::text[], ${sql.param(rows.map((r) => r.productId))}::bigint[],
                           ${sql.param(rows.map((r) => r.position))}::int[])`);
  }
}

export async function findProductRow(tx: Executor, sku: string): Promise<ProductRow> {
  const [row] = await tx.select().from(products).where(eq(products.sku, sku.trim()));
  if (!row) {
    throw notFound(`Product ${sku}`);
  }
  return row;
}

export async function loadProduct(tx: Executor, sku: string): Promise<Product> {
  const row = await findProductRow(tx, sku);
  const [barcodes, kits] = [await barcodesOf(tx, [row.id]), await kitsOf(tx, [row])];
  return presentProduct(row, barcodes.get(row.id) ?? [], kits.get(row.id) ?? null);
}
