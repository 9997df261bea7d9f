import type { Executor } from '../../db/client.js';
import { bodyError, type FieldError } from '../../errors.js';
import { kitsAmong, locationIdsByCode, productIdsBySku } from '../catalog/index.js';

export interface FeedRow {
  sku: string;
  location: string;
}

/** Resolves every row's SKU and location, reporting each unknown one by index. */
export async function resolveRows<T extends FeedRow>(tx: Executor, rows: T[]) {
  const [productIds, locationIds] = await Promise.all([
    productIdsBySku(
      tx,
      rows.map((row) => row.sku),
    ),
    locationIdsByCode(
      tx,
      rows.map((row) => row.location),
    ),
  ]);
  const kits = await kitsAmong(tx, [...productIds.values()]);
  const errors: FieldError[] = [];
  const resolved = rows.map((row, i) => {
    const productId = productIds.get(row.sku);
    const locationId = locationIds.get(row.location);
    if (productId === undefined) {
      errors.push(bodyError(`/items/${i}/sku`, `"${row.sku}" is not a known SKU`));
    } else if (kits.has(productId)) {
      errors.push(
        bodyError(`/items/${i}/sku`, `"${row.sku}" is a kit: it holds no stock; stock its components`),
      );
    }
    if (locationId === undefined) {
      errors.push(bodyError(`/items/${i}/location`, `"${row.location}" is not a known location`));
    }
    return { ...row, productId: productId ?? 0, locationId: locationId ?? 0 };
  });
  return { resolved, errors };
}
