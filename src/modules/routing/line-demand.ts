import type { Demand } from '../allocation/index.js';
import type { ProductWithKit } from '../catalog/index.js';

/**
 * The stock the lines need, as capture asks for it: a line's own product, or each component of a kit,
 * grouped into whole kits unless the kit may split.
 */
export function lineDemand(
  lines: ReadonlyArray<{ sku: string; quantity: number }>,
  products: readonly ProductWithKit[],
): Demand[] {
  const bySku = new Map(products.map((p) => [p.sku, p]));
  let nextKey = lines.length;
  return lines.flatMap((line, i): Demand[] => {
    const product = bySku.get(line.sku);
    const kit = product?.kit;
    if (!kit) {
      return [{ key: i, productId: product?.id ?? 0, quantity: line.quantity }];
    }
    return kit.parts.map((part) => ({
      key: nextKey++,
      productId: part.productId,
      quantity: line.quantity * part.quantity,
      ...(kit.split ? {} : { kit: { key: i, per: part.quantity } }),
    }));
  });
}
