import { and, asc, eq, gt, ilike, inArray, or, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
import { productBarcodes, products } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { conflict, type FieldError, invalid, notFound } from '../../errors.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import { isValidGtin } from './gtin.js';
import type { CreateProduct, Product, UpdateProduct } from './products.schemas.js';

type ProductRow = typeof products.$inferSelect;
type ProductValues = typeof products.$inferInsert;

const present = (row: ProductRow, barcodes: string[]): Product => ({
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
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

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

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

const skuError = (pointer: string): FieldError => ({
  in: 'body',
  pointer,
  detail: 'must have 1 to 64 characters once surrounding spaces are trimmed',
});

/**
 * Trims the SKU and checks what JSON Schema cannot: SKU length after trimming (in characters, as
 * `maxLength` counts them, so an emoji is one), GTIN check digits.
 */
function rowErrors(product: { sku?: string; barcodes?: string[] }, pointer: string): FieldError[] {
  const errors: FieldError[] = [];
  if (product.sku !== undefined && !/^.{1,64}$/u.test(product.sku.trim())) {
    errors.push(skuError(`${pointer}/sku`));
  }
  product.barcodes?.forEach((code, i) => {
    if (!isValidGtin(code)) {
      errors.push({
        in: 'body',
        pointer: `${pointer}/barcodes/${i}`,
        detail: `"${code}" has a wrong GTIN check digit`,
      });
    }
  });
  return errors;
}

export type ProductService = ReturnType<typeof createProductService>;

export function createProductService({ db }: { db: Db }) {
  async function barcodesOf(ids: number[], tx: Executor = db): Promise<Map<number, string[]>> {
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
  async function barcodeOwners(
    barcodes: string[],
    exceptSkus: string[],
    tx: Executor,
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
  async function writeBarcodes(tx: Executor, byProduct: Map<number, string[]>) {
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

  function ownedElsewhere(
    owners: Map<string, string>,
    barcodes: string[] | undefined,
    pointer: string,
  ): FieldError[] {
    return (barcodes ?? []).flatMap((code, i) => {
      const owner = owners.get(code);
      return owner === undefined
        ? []
        : [
            {
              in: 'body' as const,
              pointer: `${pointer}/barcodes/${i}`,
              detail: `"${code}" already belongs to product ${owner}`,
            },
          ];
    });
  }

  async function findRow(sku: string, tx: Executor = db): Promise<ProductRow> {
    const [row] = await tx.select().from(products).where(eq(products.sku, sku.trim()));
    if (!row) {
      throw notFound(`Product ${sku}`);
    }
    return row;
  }

  async function loadOne(sku: string, tx: Executor = db): Promise<Product> {
    const row = await findRow(sku, tx);
    return present(row, (await barcodesOf([row.id], tx)).get(row.id) ?? []);
  }

  return {
    create: (input: CreateProduct): Promise<Product> =>
      inTransaction(db, async (tx) => {
        const sku = input.sku.trim();
        const errors = rowErrors(input, '');
        const owners = await barcodeOwners(input.barcodes ?? [], [sku], tx);
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
        return present(row, input.barcodes ?? []);
      }),

    get: (sku: string) => loadOne(sku),

    async list(query: {
      limit: number;
      cursor?: string;
      active?: boolean;
      tag?: string;
      barcode?: string;
      q?: string;
    }): Promise<Page<Product>> {
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
            pattern === undefined
              ? undefined
              : or(ilike(products.sku, pattern), ilike(products.name, pattern)),
            after ? gt(products.id, Number(after[0])) : undefined,
          ),
        )
        .orderBy(asc(products.id))
        .limit(query.limit + 1);
      const barcodes = await barcodesOf(rows.map((row) => row.id));
      return toPage(
        rows,
        query.limit,
        (row) => [row.id],
        (row) => present(row, barcodes.get(row.id) ?? []),
      );
    },

    update: (sku: string, input: UpdateProduct): Promise<Product> =>
      inTransaction(db, async (tx) => {
        const row = await findRow(sku, tx);
        const errors = rowErrors(input, '');
        if (input.barcodes) {
          errors.push(
            ...ownedElsewhere(await barcodeOwners(input.barcodes, [row.sku], tx), input.barcodes, ''),
          );
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
        return loadOne(row.sku, tx);
      }),

    async deactivate(sku: string): Promise<Product> {
      const [row] = await db
        .update(products)
        .set({ active: false, updatedAt: sql`now()` })
        .where(eq(products.sku, sku.trim()))
        .returning({ sku: products.sku });
      if (!row) {
        throw notFound(`Product ${sku}`);
      }
      return loadOne(row.sku);
    },

    /**
     * Creates or replaces up to 5,000 products in one transaction. Every bad row is reported by its
     * index and then nothing is written.
     */
    bulkUpsert: (items: CreateProduct[]): Promise<{ created: number; updated: number }> =>
      inTransaction(db, async (tx) => {
        const rows = items.map((item) => ({ ...item, sku: item.sku.trim() }));
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
        const skus = [...firstIndexOfSku.keys()];
        const owners = await barcodeOwners([...firstIndexOfBarcode.keys()], skus, tx);
        rows.forEach((row, i) => {
          errors.push(...ownedElsewhere(owners, row.barcodes, `/products/${i}`));
        });
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
        for (let start = 0; start < rows.length; start += 1000) {
          const chunk = rows.slice(start, start + 1000);
          const written = await tx
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
          const bySku = new Map(chunk.map((row) => [row.sku, row]));
          for (const row of written) {
            created += row.inserted ? 1 : 0;
            barcodes.set(row.id, bySku.get(row.sku)?.barcodes ?? []);
          }
        }
        await writeBarcodes(tx, barcodes);
        return { created, updated: rows.length - created };
      }),
  };
}
