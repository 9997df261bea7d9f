import type { PickItem } from '../../db/schema/fulfillment.js';

/** A shipment line waiting to be picked, with its tote. */
export interface PickLine {
  shipmentId: string;
  shipmentLineId: number;
  tote: number;
  productId: number;
  sku: string;
  quantity: number;
}

export interface BinPlacement {
  zone: string;
  aisle: string;
  bin: string;
  walkSequence: number;
}

/**
 * The picker's walk: one item per product across every shipment of the batch, in walk sequence
 * (products without a placement last, by SKU), each saying which tote gets how many.
 */
export function pickItems(lines: PickLine[], bins: ReadonlyMap<number, BinPlacement>): PickItem[] {
  const byProduct = new Map<number, PickItem>();
  for (const line of lines) {
    if (line.quantity <= 0) {
      continue;
    }
    const place = bins.get(line.productId);
    const item = byProduct.get(line.productId) ?? {
      sku: line.sku,
      product_id: line.productId,
      zone: place?.zone ?? null,
      aisle: place?.aisle ?? null,
      bin: place?.bin ?? null,
      walk_sequence: place?.walkSequence ?? null,
      quantity: 0,
      picked: null,
      totes: [],
    };
    item.quantity += line.quantity;
    item.totes.push({
      tote: line.tote,
      shipment_id: line.shipmentId,
      shipment_line_id: line.shipmentLineId,
      quantity: line.quantity,
    });
    byProduct.set(line.productId, item);
  }
  return [...byProduct.values()].sort(
    (a, b) =>
      (a.walk_sequence ?? Number.MAX_SAFE_INTEGER) - (b.walk_sequence ?? Number.MAX_SAFE_INTEGER) ||
      a.sku.localeCompare(b.sku),
  );
}

/**
 * Splits a short pick across the item's totes: the totes listed last (the least urgent shipments)
 * go short first, so the most urgent parcels stay complete. Returns units missing per shipment line.
 */
export function shortfallByLine(item: PickItem, picked: number): Map<number, number> {
  let missing = Math.max(0, item.quantity - picked);
  const short = new Map<number, number>();
  for (const tote of [...item.totes].reverse()) {
    if (missing === 0) {
      break;
    }
    const take = Math.min(missing, tote.quantity);
    short.set(tote.shipment_line_id, take);
    missing -= take;
  }
  return short;
}
