import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { type FieldError, invalid } from '../../errors.js';
import type { ProductFacts } from './lookup.js';
import type { Kit, KitInput } from './products.schemas.js';

/** Kits: products made of other products. A kit holds no stock; what it can sell comes from its parts. */

// Advisory-lock namespace: one kit structure change at a time, so two edits cannot make a cycle together.
const kitLockNamespace = 0x0bd0_0003;

/** The kit of each of these products (null for a plain product), components in their given order. */
export async function kitsOf(tx: Executor, rows: Array<{ id: number; kitSplit: boolean }>) {
  const kits = new Map<number, Kit | null>(rows.map((row) => [row.id, null]));
  if (rows.length === 0) {
    return kits;
  }
  const result = await tx.execute<{ kit_id: string; sku: string; quantity: number }>(sql`
    SELECT pc.kit_id, p.sku, pc.quantity FROM product_components pc JOIN products p ON p.id = pc.component_id
     WHERE pc.kit_id = ANY(${sql.param(rows.map((row) => row.id))}::bigint[])
     ORDER BY pc.kit_id, pc.position`);
  const split = new Map(rows.map((row) => [row.id, row.kitSplit]));
  for (const row of result.rows) {
    const id = Number(row.kit_id);
    const kit = kits.get(id) ?? { components: [], allow_split: split.get(id) ?? false };
    kit.components.push({ sku: row.sku, quantity: row.quantity });
    kits.set(id, kit);
  }
  return kits;
}

const componentError = (i: number, field: 'sku' | 'quantity', detail: string): FieldError => ({
  in: 'body',
  pointer: `/kit/components/${i}/${field}`,
  detail,
});

/**
 * Makes the product a kit of these components (or a plain product again with null). Refused with
 * field errors, before anything is written: unknown or repeated SKUs, the kit itself, a kit that
 * already contains this one, and stock held by the product itself.
 */
export async function writeKit(
  tx: Executor,
  product: { id: number; sku: string },
  kit: KitInput | null,
): Promise<boolean> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${kitLockNamespace}, 0)`);
  await tx.execute(sql`DELETE FROM product_components WHERE kit_id = ${product.id}`);
  if (kit === null) {
    return false;
  }
  const skus = kit.components.map((component) => component.sku.trim());
  const found = await tx.execute<{ id: string; sku: string; contains_kit: boolean }>(sql`
    WITH RECURSIVE below(root, id, depth) AS (
      SELECT p.id, p.id, 0 FROM products p WHERE p.sku = ANY(${sql.param(skus)}::text[])
      UNION ALL
      SELECT below.root, pc.component_id, below.depth + 1
        FROM below JOIN product_components pc ON pc.kit_id = below.id
       WHERE below.depth < 32)
    SELECT p.id, p.sku, EXISTS (SELECT 1 FROM below WHERE below.root = p.id AND below.id = ${product.id}) AS contains_kit
      FROM products p WHERE p.sku = ANY(${sql.param(skus)}::text[])`);
  const bySku = new Map(found.rows.map((row) => [row.sku, row]));
  const errors = skus.flatMap((sku, i): FieldError[] => {
    const row = bySku.get(sku);
    if (sku === product.sku) {
      return [componentError(i, 'sku', `a kit cannot contain itself ("${sku}")`)];
    }
    if (!row) {
      return [componentError(i, 'sku', `"${sku}" is not a known SKU`)];
    }
    if (row.contains_kit) {
      return [componentError(i, 'sku', `"${sku}" contains "${product.sku}": a kit cannot contain itself`)];
    }
    return skus.indexOf(sku) < i ? [componentError(i, 'sku', `"${sku}" is listed twice`)] : [];
  });
  const stocked = await tx.execute<{ location: string }>(sql`
    SELECT loc.code AS location FROM inventory_levels l JOIN locations loc ON loc.id = l.location_id
     WHERE l.product_id = ${product.id} AND (l.on_hand > 0 OR l.reserved > 0) LIMIT 1`);
  const at = stocked.rows[0]?.location;
  if (at !== undefined) {
    errors.push({
      in: 'body',
      pointer: '/kit',
      detail: `"${product.sku}" has stock of its own at ${at}; a kit holds none: move or adjust it to zero first`,
    });
  }
  if (errors.length > 0) {
    throw invalid(errors);
  }
  await tx.execute(sql`
    INSERT INTO product_components (kit_id, component_id, quantity, position)
    SELECT ${product.id}, c.id, c.quantity, c.position
      FROM unnest(${sql.param(skus.map((sku) => Number(bySku.get(sku)?.id)))}::bigint[],
                  ${sql.param(kit.components.map((component) => component.quantity))}::int[],
                  ${sql.param(skus.map((_, i) => i))}::int[]) AS c(id, quantity, position)`);
  return kit.allow_split ?? false;
}

/**
 * SQL for the leaf components of the kits among these products, nested kits multiplied out: rows of
 * (kit_id, component_id, quantity) where quantity is the units of the component in one kit.
 */
export const kitPartsSelect = (productIds: SQL) => sql`
  WITH RECURSIVE parts(kit_id, component_id, quantity, depth) AS (
    SELECT pc.kit_id, pc.component_id, pc.quantity, 0 FROM product_components pc WHERE pc.kit_id = ANY(${productIds})
    UNION ALL
    SELECT parts.kit_id, pc.component_id, parts.quantity * pc.quantity, parts.depth + 1
      FROM parts JOIN product_components pc ON pc.kit_id = parts.component_id
     WHERE parts.depth < 32)
  SELECT kit_id, component_id, sum(quantity)::int AS quantity FROM parts
   WHERE NOT EXISTS (SELECT 1 FROM product_components leaf WHERE leaf.kit_id = parts.component_id)
   GROUP BY kit_id, component_id`;

/** What one kit is made of, leaf products only, and whether it may ship from more than one location. */
export interface KitMakeup {
  split: boolean;
  parts: Array<{ productId: number; sku: string; quantity: number }>;
}

/** A product as capture and promising read it: a kit carries its makeup. */
export interface ProductWithKit extends ProductFacts {
  kit?: KitMakeup;
}

export interface ProductWithKitRow {
  id: number;
  sku: string;
  active: boolean;
  weight_grams: number | null;
  tags: string[];
  kit_split: boolean;
  parts: Array<{ id: number; quantity: number }> | null;
}

/**
 * SQL for one jsonb array: the products with these SKUs and the leaf components of the kits among
 * them, each kit with its parts. Embed it as a scalar subquery; read it with `productsWithKits`.
 */
export const productsWithKitsSelect = (skus: SQLWrapper) => sql`
  WITH kits AS (${kitPartsSelect(sql`ARRAY(SELECT id FROM products WHERE sku = ANY(${skus}::text[]))`)})
  SELECT coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'sku', p.sku, 'active', p.active,
                                               'weight_grams', p.weight_grams, 'tags', p.tags,
                                               'kit_split', p.kit_split, 'parts', k.parts)), '[]')
    FROM products p
    LEFT JOIN (SELECT kit_id, jsonb_agg(jsonb_build_object('id', component_id, 'quantity', quantity)
                                        ORDER BY component_id) AS parts
                 FROM kits GROUP BY kit_id) k ON k.kit_id = p.id
   WHERE p.sku = ANY(${skus}::text[]) OR p.id IN (SELECT component_id FROM kits)`;

/** The rows of `productsWithKitsSelect` by SKU, each kit with its leaf components by SKU. */
export function productsWithKits(rows: ProductWithKitRow[]): Map<string, ProductWithKit> {
  const skuOf = new Map(rows.map((product) => [Number(product.id), product.sku]));
  return new Map(
    rows.map((product) => [
      product.sku,
      {
        id: Number(product.id),
        sku: product.sku,
        active: product.active,
        weightGrams: product.weight_grams ?? 0,
        tags: product.tags,
        ...(product.parts
          ? {
              kit: {
                split: product.kit_split,
                parts: product.parts.map((part) => ({
                  productId: Number(part.id),
                  sku: skuOf.get(Number(part.id)) ?? '',
                  quantity: part.quantity,
                })),
              },
            }
          : {}),
      },
    ]),
  );
}

/** The products with these SKUs and the leaf components of the kits among them, by SKU. */
export async function productsWithKitsBySku(
  tx: Executor,
  skus: string[],
): Promise<Map<string, ProductWithKit>> {
  const result = await tx.execute<{ products: ProductWithKitRow[] }>(
    sql`SELECT (${productsWithKitsSelect(sql.param([...new Set(skus)]))}) AS products`,
  );
  return productsWithKits(result.rows[0]?.products ?? []);
}

/** The first component of a kit that is not active (a kit whose parts cannot all be sold). */
export const inactivePartOf = (product: ProductWithKit, products: ReadonlyMap<string, ProductWithKit>) =>
  product.kit?.parts.find((part) => !products.get(part.sku)?.active);

/** The kits that contain any of these products, directly or through another kit. */
export async function kitsContaining(tx: Executor, productIds: number[]): Promise<number[]> {
  if (productIds.length === 0) {
    return [];
  }
  const result = await tx.execute<{ id: string }>(sql`
    WITH RECURSIVE up(id) AS (
      SELECT kit_id FROM product_components WHERE component_id = ANY(${sql.param(productIds)}::bigint[])
      UNION
      SELECT pc.kit_id FROM product_components pc JOIN up ON pc.component_id = up.id)
    SELECT id FROM up`);
  return result.rows.map((row) => Number(row.id));
}

/** Which of these products are kits. */
export async function kitsAmong(tx: Executor, productIds: number[]): Promise<Set<number>> {
  if (productIds.length === 0) {
    return new Set();
  }
  const result = await tx.execute<{ kit_id: string }>(sql`
    SELECT DISTINCT kit_id FROM product_components WHERE kit_id = ANY(${sql.param(productIds)}::bigint[])`);
  return new Set(result.rows.map((row) => Number(row.kit_id)));
}
