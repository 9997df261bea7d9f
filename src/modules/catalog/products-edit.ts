import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { products } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { conflict, invalid, notFound } from '../../errors.js';
import type { CatalogDeps } from './deps.js';
import { writeKit } from './kits.js';
import { ownedElsewhere, rowErrors } from './product-checks.js';
import { barcodeOwners, findProductRow, loadProduct, writeBarcodes } from './product-store.js';
import type { CreateProduct, KitInput, Product, UpdateProduct } from './products.schemas.js';

type ProductValues = typeof products.$inferInsert;

/** Column values for the fields present in `input`; absent fields stay undefined (drizzle skips them). */
function columns(input: UpdateProduct): Omit<ProductValues, 'sku' | 'name'> & { name?: string } {
  const dims = input.dimensions_mm;
  return {
    name: input.name,
    weightGrams: input.weight_grams,
    ...(dims === undefined
      ? {}
      : { lengthMm: dims?.length ?? null, widthMm: dims?.width ?? null, heightMm: dims?.height ?? null }),
    tags: input.tags,
    active: input.active,
  };
}

async function setKit(tx: Executor, row: { id: number; sku: string }, kit: KitInput | null) {
  const kitSplit = await writeKit(tx, row, kit);
  await tx.update(products).set({ kitSplit }).where(eq(products.id, row.id));
}

export const createProduct = ({ db }: Pick<CatalogDeps, 'db'>, input: CreateProduct): Promise<Product> =>
  inTransaction(db, async (tx) => {
    const sku = input.sku.trim();
    const errors = rowErrors(input, '');
    const owners = await barcodeOwners(tx, input.barcodes ?? [], [sku]);
    errors.push(...ownedElsewhere(owners, input.barcodes, ''));
    if (errors.length > 0) {
      throw invalid(errors);
    }
    const [row] = await tx
      .insert(products)
      .values({ sku, name: input.name, ...columns(input) })
      .onConflictDoNothing({ target: products.sku })
      .returning();
    if (!row) {
      throw conflict(`A product with SKU "${sku}" already exists`);
    }
    await writeBarcodes(tx, new Map([[row.id, input.barcodes ?? []]]));
    if (input.kit) {
      await setKit(tx, row, input.kit);
    }
    return loadProduct(tx, row.sku);
  });

export const updateProduct = (
  { db }: Pick<CatalogDeps, 'db'>,
  sku: string,
  input: UpdateProduct,
): Promise<Product> =>
  inTransaction(db, async (tx) => {
    const row = await findProductRow(tx, sku);
    const errors = rowErrors(input, '');
    if (input.barcodes) {
      errors.push(...ownedElsewhere(await barcodeOwners(tx, input.barcodes, [row.sku]), input.barcodes, ''));
    }
    if (errors.length > 0) {
      throw invalid(errors);
    }
    await tx
      .update(products)
      .set({ ...columns(input), updatedAt: sql`now()` })
      .where(eq(products.id, row.id));
    if (input.barcodes) {
      await writeBarcodes(tx, new Map([[row.id, input.barcodes]]));
    }
    if (input.kit !== undefined) {
      await setKit(tx, row, input.kit);
    }
    return loadProduct(tx, row.sku);
  });

export async function deactivateProduct({ db }: Pick<CatalogDeps, 'db'>, sku: string): Promise<Product> {
  const [row] = await db
    .update(products)
    .set({ active: false, updatedAt: sql`now()` })
    .where(eq(products.sku, sku.trim()))
    .returning({ sku: products.sku });
  if (!row) {
    throw notFound(`Product ${sku}`);
  }
  return loadProduct(db, row.sku);
}
