import { eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { channels, locations, products } from '../../db/schema/index.js';

/**
 * Batch lookups of catalog ids by their public keys, for modules that take SKUs and codes in
 * requests. Missing keys are simply absent from the maps.
 */
export async function productIdsBySku(tx: Executor, skus: readonly string[]): Promise<Map<string, number>> {
  const unique = [...new Set(skus)];
  if (unique.length === 0) {
    return new Map();
  }
  const rows = await tx
    .select({ id: products.id, sku: products.sku })
    .from(products)
    .where(inArray(products.sku, unique));
  return new Map(rows.map((row) => [row.sku, row.id]));
}

export async function locationIdsByCode(
  tx: Executor,
  codes: readonly string[],
): Promise<Map<string, number>> {
  const unique = [...new Set(codes)];
  if (unique.length === 0) {
    return new Map();
  }
  const rows = await tx
    .select({ id: locations.id, code: locations.code })
    .from(locations)
    .where(inArray(locations.code, unique));
  return new Map(rows.map((row) => [row.code, row.id]));
}

export async function channelIdsByCode(tx: Executor, codes: readonly string[]): Promise<Map<string, number>> {
  const unique = [...new Set(codes)];
  if (unique.length === 0) {
    return new Map();
  }
  const rows = await tx
    .select({ id: channels.id, code: channels.code })
    .from(channels)
    .where(inArray(channels.code, unique));
  return new Map(rows.map((row) => [row.code, row.id]));
}

export interface ProductFacts {
  id: number;
  sku: string;
  active: boolean;
  weightGrams: number;
  tags: string[];
}

/** What order handling needs of products, by SKU. */
export async function productFactsBySku(
  tx: Executor,
  skus: readonly string[],
): Promise<Map<string, ProductFacts>> {
  const unique = [...new Set(skus)];
  if (unique.length === 0) {
    return new Map();
  }
  const rows = await tx
    .select({
      id: products.id,
      sku: products.sku,
      active: products.active,
      weightGrams: products.weightGrams,
      tags: products.tags,
    })
    .from(products)
    .where(inArray(products.sku, unique));
  return new Map(rows.map((row) => [row.sku, { ...row, weightGrams: row.weightGrams ?? 0 }]));
}

export async function channelByCode(tx: Executor, code: string) {
  const [row] = await tx.select().from(channels).where(eq(channels.code, code));
  return row;
}
