import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { products } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { type FieldError, invalid } from '../../errors.js';
import type { CatalogDeps } from './deps.js';
import { ownedElsewhere, rowErrors } from './product-checks.js';
import { barcodeOwners, writeBarcodes } from './product-store.js';
import type { BulkProduct } from './products.schemas.js';

/** Rows written per INSERT statement. */
const chunkSize = 1000;

/**
 * Creates or replaces up to 5,000 products in one transaction. Every bad row is reported by its
 * index and then nothing is written.
 */
export const bulkUpsertProducts = (
  { db }: Pick<CatalogDeps, 'db'>,
  items: BulkProduct[],
): Promise<{ created: number; updated: number }> =>
  inTransaction(db, async (tx) => {
    const rows = items.map((item) => ({ ...item, sku: item.sku.trim() }));
    const errors = await batchErrors(tx, items, rows);
    if (errors.length > 0) {
      throw invalid(
        errors,
        `${new Set(errors.map((e) => e.pointer.split('/')[2])).size} of ${items.length} products are invalid; nothing was written`,
      );
    }
    // Sorted, so concurrent bulk writes lock rows in the same order and cannot deadlock.
    rows.sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
    let created = 0;
    const barcodes = new Map<number, string[]>();
    for (let start = 0; start < rows.length; start += chunkSize) {
      const chunk = rows.slice(start, start + chunkSize);
      const bySku = new Map(chunk.map((row) => [row.sku, row]));
      for (const row of await upsertChunk(tx, chunk)) {
        created += row.inserted ? 1 : 0;
        barcodes.set(row.id, bySku.get(row.sku)?.barcodes ?? []);
      }
    }
    await writeBarcodes(tx, barcodes);
    return { created, updated: rows.length - created };
  });

/** Every bad row of the batch: its own fields, SKUs and barcodes repeated in it, barcodes owned elsewhere. */
async function batchErrors(tx: Executor, items: BulkProduct[], rows: BulkProduct[]): Promise<FieldError[]> {
  const errors = items.flatMap((item, i) => rowErrors(item, `/products/${i}`));
  const firstIndexOfSku = new Map<string, number>();
  const firstIndexOfBarcode = new Map<string, number>();
  rows.forEach((row, i) => {
    const seen = firstIndexOfSku.get(row.sku);
    if (seen !== undefined) {
      errors.push({
        in: 'body',
        pointer: `/products/${i}/sku`,
        detail: `repeats the SKU of /products/${seen}`,
      });
    }
    firstIndexOfSku.set(row.sku, seen ?? i);
    row.barcodes?.forEach((code, j) => {
      const owner = firstIndexOfBarcode.get(code);
      if (owner !== undefined && owner !== i) {
        errors.push({
          in: 'body',
          pointer: `/products/${i}/barcodes/${j}`,
          detail: `"${code}" is also given to /products/${owner}`,
        });
      }
      firstIndexOfBarcode.set(code, owner ?? i);
    });
  });
  const owners = await barcodeOwners(tx, [...firstIndexOfBarcode.keys()], [...firstIndexOfSku.keys()]);
  rows.forEach((row, i) => {
    errors.push(...ownedElsewhere(owners, row.barcodes, `/products/${i}`));
  });
  return errors;
}

function upsertChunk(tx: Executor, chunk: BulkProduct[]) {
  return tx
    .insert(products)
    .values(
      chunk.map((row) => ({
        sku: row.sku,
        name: row.name,
        weightGrams: row.weight_grams ?? null,
        lengthMm: row.dimensions_mm?.length ?? null,
        widthMm: row.dimensions_mm?.width ?? null,
        heightMm: row.dimensions_mm?.height ?? null,
        tags: row.tags ?? [],
        active: row.active ?? true,
      })),
    )
    .onConflictDoUpdate({
      target: products.sku,
      set: {
        name: sql`excluded.name`,
        weightGrams: sql`excluded.weight_grams`,
        lengthMm: sql`excluded.length_mm`,
        widthMm: sql`excluded.width_mm`,
        heightMm: sql`excluded.height_mm`,
        tags: sql`excluded.tags`,
        active: sql`excluded.active`,
        updatedAt: sql`now()`,
      },
    })
    .returning({ id: products.id, sku: products.sku, inserted: sql<boolean>`xmax = 0` });
}
