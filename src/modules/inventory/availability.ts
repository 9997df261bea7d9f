import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { kitPartsSelect } from '../catalog/index.js';
import { appendEvents } from '../events/index.js';

/**
 * Sellable units per (product, location, channel): on_hand - damaged - quality_control - reserved -
 * safety stock, never below 0, for active locations that serve the channel (a location with no
 * channel list serves all). Safety stock is the channel's override for the level, else the level's
 * own, else the channel default. Damaged units and units in quality control are never sellable.
 */
const sellable = (where: SQL) => sql`
  SELECT l.product_id, p.sku, c.code AS channel, loc.code AS location, l.location_id,
         l.on_hand, l.reserved, l.damaged, l.quality_control,
         coalesce(o.quantity, l.safety_stock, c.default_safety_stock) AS safety_stock,
         greatest(0, l.on_hand - l.damaged - l.quality_control - l.reserved
                     - coalesce(o.quantity, l.safety_stock, c.default_safety_stock)) AS available
    FROM inventory_levels l
    JOIN products p ON p.id = l.product_id
    JOIN locations loc ON loc.id = l.location_id AND loc.active
    JOIN channels c ON c.active
     AND (NOT EXISTS (SELECT 1 FROM location_channels lc WHERE lc.location_id = loc.id)
          OR EXISTS (SELECT 1 FROM location_channels lc WHERE lc.location_id = loc.id AND lc.channel_id = c.id))
    LEFT JOIN safety_stock_overrides o
      ON o.product_id = l.product_id AND o.location_id = l.location_id AND o.channel_id = c.id
   WHERE ${where}`;

/**
 * What a channel may sell of the kits among `kitIds`, in the columns of `sellable`: at each location
 * where every component has a level, the whole kits the components' sellable units make.
 */
const kitSellable = (kitIds: SQL, where: SQL) => sql`
  SELECT * FROM (
    WITH parts AS (SELECT x.*, count(*) OVER (PARTITION BY x.kit_id) AS parts FROM (${kitPartsSelect(kitIds)}) x)
    SELECT k.kit_id AS product_id, kp.sku, s.channel, s.location, s.location_id,
           min(s.on_hand / k.quantity)::int AS on_hand, 0 AS reserved, 0 AS damaged, 0 AS quality_control,
           0 AS safety_stock, min(s.available / k.quantity)::int AS available
      FROM parts k
      JOIN products kp ON kp.id = k.kit_id
      JOIN (${sellable(sql`l.product_id IN (SELECT component_id FROM parts) AND ${where}`)}) s ON s.product_id = k.component_id
     GROUP BY k.kit_id, kp.sku, s.channel, s.location, s.location_id
    HAVING count(*) = min(k.parts)) kits`;

const ofProducts = (productIds: number[], channelCode?: string) => {
  const ofChannel = channelCode === undefined ? sql`true` : sql`c.code = ${channelCode}`;
  const ids = sql`${sql.param(productIds)}::bigint[]`;
  return sql`${sellable(sql`l.product_id = ANY(${ids}) AND ${ofChannel}`)}
    UNION ALL ${kitSellable(ids, ofChannel)}`;
};

/**
 * The sellable units for one channel at these locations of the products with ids in `products` (both
 * ends included), as a query of (sku, location, available) to embed in the caller's statement: a catalog
 * of any size is copied in the database range by range, never row by row through memory (a channel
 * store's full stock push).
 */
export const channelStockSelect = (
  channelCode: string,
  locationCodes: string[],
  products: { from: number; to: number },
) => sql`
  SELECT sku, location, available
    FROM (${sellable(sql`c.code = ${channelCode} AND loc.code = ANY(${sql.param(locationCodes)}::text[])
                         AND l.product_id BETWEEN ${products.from} AND ${products.to}`)}
          UNION ALL
          ${kitSellable(
            sql`ARRAY(SELECT kit_id FROM product_components WHERE kit_id BETWEEN ${products.from} AND ${products.to})`,
            sql`c.code = ${channelCode} AND loc.code = ANY(${sql.param(locationCodes)}::text[])`,
          )}) s`;

/** The lowest and highest id of a product with a stock level anywhere, or a kit; undefined when there is none. */
export async function stockedProducts(tx: Executor): Promise<{ first: number; last: number } | undefined> {
  const result = await tx.execute<{ first: string | null; last: string | null }>(
    sql`SELECT min(id) AS first, max(id) AS last
          FROM (SELECT min(product_id) AS id FROM inventory_levels UNION ALL SELECT max(product_id) FROM inventory_levels
                UNION ALL SELECT min(kit_id) FROM product_components UNION ALL SELECT max(kit_id) FROM product_components) ends`,
  );
  const row = result.rows[0];
  if (!row || row.first === null || row.last === null) {
    return undefined;
  }
  return { first: Number(row.first), last: Number(row.last) };
}

export interface LocationAvailability {
  productId: number;
  sku: string;
  channel: string;
  location: string;
  locationId: number;
  onHand: number;
  reserved: number;
  damaged: number;
  qualityControl: number;
  safetyStock: number;
  available: number;
}

/** Per-location sellable quantities of these products for one channel (or every channel). */
export async function locationAvailability(
  tx: Executor,
  productIds: number[],
  channelCode?: string,
): Promise<LocationAvailability[]> {
  if (productIds.length === 0) {
    return [];
  }
  const result = await tx.execute<{
    product_id: string;
    sku: string;
    channel: string;
    location: string;
    location_id: string;
    on_hand: number;
    reserved: number;
    damaged: number;
    quality_control: number;
    safety_stock: number;
    available: number;
  }>(sql`${ofProducts(productIds, channelCode)} ORDER BY product_id, channel, location_id`);
  return result.rows.map((row) => ({
    productId: Number(row.product_id),
    sku: row.sku,
    channel: row.channel,
    location: row.location,
    locationId: Number(row.location_id),
    onHand: row.on_hand,
    reserved: row.reserved,
    damaged: row.damaged,
    qualityControl: row.quality_control,
    safetyStock: row.safety_stock,
    available: row.available,
  }));
}

interface ChannelTotal {
  productId: number;
  sku: string;
  channel: string;
  available: number;
}

async function channelTotals(tx: Executor, productIds: number[]): Promise<Map<string, ChannelTotal>> {
  const result = await tx.execute<{
    product_id: string;
    sku: string;
    channel: string;
    available: string;
  }>(sql`
    SELECT product_id, sku, channel, sum(available) AS available
      FROM (${ofProducts(productIds)}) s
     GROUP BY product_id, sku, channel`);
  return new Map(
    result.rows.map((row) => [
      `${row.product_id}:${row.channel}`,
      {
        productId: Number(row.product_id),
        sku: row.sku,
        channel: row.channel,
        available: Number(row.available),
      },
    ]),
  );
}

/**
 * Runs `change` and appends an `inventory.availability_changed` event, in the same transaction, for
 * every (SKU, channel) whose sellable quantity it moved. Call it with the level rows already locked.
 */
export async function withAvailabilityEvents<T>(
  tx: Executor,
  productIds: number[],
  change: () => Promise<T>,
): Promise<T> {
  const ids = [...new Set(productIds)];
  if (ids.length === 0) {
    return change();
  }
  const before = await channelTotals(tx, ids);
  const result = await change();
  const after = await channelTotals(tx, ids);
  const keys = new Set([...before.keys(), ...after.keys()]);
  const moved = [...keys].flatMap((key) => {
    const previous = before.get(key);
    const current = after.get(key);
    const total = current ?? previous;
    if (!total || (previous?.available ?? 0) === (current?.available ?? 0)) {
      return [];
    }
    return [{ ...total, previous: previous?.available ?? 0, available: current?.available ?? 0 }];
  });
  await appendEvents(
    tx,
    moved.map((m) => ({
      type: 'inventory.availability_changed',
      resourceType: 'availability',
      resourceId: `${m.sku}:${m.channel}`,
      channel: m.channel,
      data: { sku: m.sku, channel: m.channel, available: m.available, previous: m.previous },
    })),
  );
  return result;
}
