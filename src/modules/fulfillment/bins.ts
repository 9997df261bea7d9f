import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { binPlacements, products } from '../../db/schema/index.js';
import { inTransaction } from '../../db/transaction.js';
import { bodyError, type FieldError, invalid } from '../../errors.js';
import { productIdsBySku } from '../catalog/index.js';
import { locationByCode } from './pick-list-store.js';
import type { ReplaceBins } from './pick-lists.schemas.js';

/** Replaces where a location's products sit, all or nothing: every bad placement is listed. */
export const replaceBins = (db: Db, code: string, input: ReplaceBins) =>
  inTransaction(db, async (tx) => {
    const location = await locationByCode(tx, code);
    const ids = await productIdsBySku(
      tx,
      input.placements.map((p) => p.sku),
    );
    const errors: FieldError[] = [];
    const seen = new Set<string>();
    input.placements.forEach((placement, i) => {
      if (!ids.has(placement.sku)) {
        errors.push(bodyError(`/placements/${i}/sku`, `${placement.sku} is not a product`));
      } else if (seen.has(placement.sku)) {
        errors.push(
          bodyError(`/placements/${i}/sku`, `${placement.sku} is placed twice; one bin per product`),
        );
      }
      seen.add(placement.sku);
    });
    if (errors.length > 0) {
      throw invalid(errors, 'Some placements are invalid; nothing was changed');
    }
    await tx.delete(binPlacements).where(eq(binPlacements.locationId, location.id));
    if (input.placements.length > 0) {
      await tx.insert(binPlacements).values(
        input.placements.map((p) => ({
          locationId: location.id,
          productId: ids.get(p.sku) ?? 0,
          zone: p.zone,
          aisle: p.aisle,
          bin: p.bin,
          walkSequence: p.walk_sequence,
        })),
      );
    }
    return { location: location.code, placements: input.placements };
  });

/** Where a location's products sit, in walk order. */
export async function bins(db: Db, code: string) {
  const location = await locationByCode(db, code);
  const rows = await db
    .select({
      sku: products.sku,
      zone: binPlacements.zone,
      aisle: binPlacements.aisle,
      bin: binPlacements.bin,
      walk_sequence: binPlacements.walkSequence,
    })
    .from(binPlacements)
    .innerJoin(products, eq(products.id, binPlacements.productId))
    .where(eq(binPlacements.locationId, location.id))
    .orderBy(asc(binPlacements.walkSequence), asc(products.sku));
  return { location: location.code, placements: rows };
}
