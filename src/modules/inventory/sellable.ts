import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import type { NewEvent } from '../events/index.js';

/** One inventory level as one channel sees it. */
export interface SellableRow {
  levelId: number;
  productId: number;
  sku: string;
  locationId: number;
  location: string;
  locationPriority: number;
  onHand: number;
  reserved: number;
  /** Units of on_hand that are damaged or in quality control: never sellable. */
  unsellable: number;
  /** Null when no channel is active: the level is still locked and listed. */
  channelId: number | null;
  channel: string | null;
  /** The safety stock that applies for the channel: its override, else the level's, else its default. */
  safetyStock: number;
  /** The level's own safety stock, if it has one. */
  levelSafetyStock: number | null;
  /** The location is active and serves the channel (no channel list means it serves all). */
  serves: boolean;
}

/**
 * Locks every level of these products with SELECT ... FOR UPDATE, in (product id, location id)
 * order like every other stock change, and returns each level once per active channel with the
 * safety stock that applies (the channel's override, else the level's, else the channel default).
 * One statement gives the engine both the lock and everything it needs to plan and to announce.
 * Order capture reads the same without locks (`sellableSelect`) and checks its plan under them in
 * the statement that writes the order (stock-check.ts).
 */
export async function lockSellable(tx: Executor, productIds: number[]): Promise<SellableRow[]> {
  if (productIds.length === 0) {
    return [];
  }
  const result = await tx.execute<{ sellable: Sellable }>(sellableSelect(productIds));
  return toSellableRows(result.rows[0]?.sellable);
}

/**
 * Locks every level of these products, in the order every stock change locks them, and reads nothing:
 * for a caller that only needs the stock to hold still (a backorder's promise, a receipt's queue).
 */
export async function lockLevels(tx: Executor, productIds: number[]): Promise<void> {
  if (productIds.length > 0) {
    await tx.execute(sql`
      SELECT 1 FROM inventory_levels WHERE product_id = ANY(${sql.param(productIds)}::bigint[])
       ORDER BY product_id, location_id FOR UPDATE`);
  }
}

/**
 * One row, one column `sellable`: the (locked) levels and the active channels as compact JSON, which
 * `toSellableRows` expands to level x channel in JavaScript, rather than sending every level once
 * per channel. With `lock: false`, the same read without locks (simulations).
 */
export const sellableSelect = (productIds: number[], options: { lock?: boolean } = {}) => sql`
  WITH levels AS (
         SELECT id, product_id, location_id, on_hand, reserved, safety_stock, damaged + quality_control AS unsellable
           FROM inventory_levels
          WHERE product_id = ANY(${sql.param(productIds)}::bigint[])
          ORDER BY product_id, location_id
          ${options.lock === false ? sql`` : sql`FOR UPDATE`})
  SELECT json_build_object(
           'levels', (SELECT coalesce(json_agg(json_build_array(
                        l.id, l.product_id, (SELECT sku FROM products WHERE id = l.product_id), l.location_id,
                        loc.code, loc.priority, loc.active, l.on_hand, l.reserved, l.safety_stock,
                        (SELECT json_object_agg(o.channel_id, o.quantity) FROM safety_stock_overrides o
                          WHERE o.product_id = l.product_id AND o.location_id = l.location_id),
                        (SELECT json_agg(lc.channel_id) FROM location_channels lc WHERE lc.location_id = l.location_id),
                        l.unsellable)), '[]')
                        FROM levels l JOIN locations loc ON loc.id = l.location_id),
           'channels', (SELECT coalesce(json_agg(json_build_array(c.id, c.code, c.default_safety_stock)), '[]')
                          FROM channels c WHERE c.active)) AS sellable`;

/** The `sellable` column: levels as [id, product, sku, location, code, priority, active, on hand,
 * reserved, safety stock, overrides by channel id, channel ids served, damaged + quality control],
 * channels as [id, code, default]. */
export interface Sellable {
  levels: Array<
    [
      number,
      number,
      string,
      number,
      string,
      number,
      boolean,
      number,
      number,
      number | null,
      Record<string, number> | null,
      number[] | null,
      number,
    ]
  >;
  channels: Array<[number, string, number]>;
}

/** Each level once per active channel (once with no channel when none is active). */
export function toSellableRows(sellable: Sellable | undefined): SellableRow[] {
  if (!sellable) {
    return [];
  }
  const channels: Array<[number, string, number] | undefined> =
    sellable.channels.length > 0 ? sellable.channels : [undefined];
  return sellable.levels.flatMap(
    ([
      levelId,
      productId,
      sku,
      locationId,
      location,
      priority,
      active,
      onHand,
      reserved,
      levelSafety,
      overrides,
      served,
      unsellable,
    ]) =>
      channels.map((channel) => ({
        levelId,
        productId,
        sku,
        locationId,
        location,
        locationPriority: priority,
        onHand,
        reserved,
        unsellable,
        channelId: channel?.[0] ?? null,
        channel: channel?.[1] ?? null,
        safetyStock: channel ? (overrides?.[channel[0]] ?? levelSafety ?? channel[2]) : 0,
        levelSafetyStock: levelSafety,
        // A location with no channel list serves every channel.
        serves: active && channel !== undefined && (served === null || served.includes(channel[0])),
      })),
  );
}

export interface LevelDelta {
  onHand: number;
  reserved: number;
}

/**
 * What a channel may sell from a level, after applying a pending change to it: damaged units and units
 * in quality control never count.
 */
export const sellableUnits = (row: SellableRow, delta: LevelDelta = { onHand: 0, reserved: 0 }) =>
  row.serves
    ? Math.max(
        0,
        row.onHand + delta.onHand - row.unsellable - row.reserved - delta.reserved - row.safetyStock,
      )
    : 0;

/**
 * The `inventory.availability_changed` events a change to some levels causes: for every (SKU,
 * channel) whose total sellable quantity moves, the new and the previous total.
 */
export function availabilityEvents(rows: SellableRow[], deltas: ReadonlyMap<number, LevelDelta>): NewEvent[] {
  const totals = new Map<string, { sku: string; channel: string; before: number; after: number }>();
  for (const row of rows) {
    if (row.channel === null) {
      continue;
    }
    const key = `${row.productId}:${row.channel}`;
    const total = totals.get(key) ?? { sku: row.sku, channel: row.channel, before: 0, after: 0 };
    total.before += sellableUnits(row);
    total.after += sellableUnits(row, deltas.get(row.levelId));
    totals.set(key, total);
  }
  return [...totals.values()]
    .filter((total) => total.before !== total.after)
    .map((total) => ({
      type: 'inventory.availability_changed',
      resourceType: 'availability',
      resourceId: `${total.sku}:${total.channel}`,
      channel: total.channel,
      data: { sku: total.sku, channel: total.channel, available: total.after, previous: total.before },
    }));
}
