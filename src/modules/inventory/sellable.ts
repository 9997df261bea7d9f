import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import type { NewEvent } from '../events/events.service.js';

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
  /** Null when no channel is active: the level is still locked and listed. */
  channelId: number | null;
  channel: string | null;
  safetyStock: number;
  /** The location is active and serves the channel (no channel list means it serves all). */
  serves: boolean;
}

/**
 * Locks every level of these products with SELECT ... FOR UPDATE, in (product id, location id)
 * order like every other stock change, and returns each level once per active channel with the
 * safety stock that applies (the channel's override, else the level's, else the channel default).
 * One statement gives the engine both the lock and everything it needs to plan and to announce;
 * order capture embeds it in its first statement (`sellableSelect`).
 */
export async function lockSellable(tx: Executor, productIds: number[]): Promise<SellableRow[]> {
  if (productIds.length === 0) {
    return [];
  }
  const result = await tx.execute<RawSellable>(sellableSelect(productIds));
  return result.rows.map(toSellableRow);
}

/** With `lock: false`, the same read without locks (simulations, promises). */
export const sellableSelect = (productIds: number[], options: { lock?: boolean } = {}) => sql`
  WITH restricted AS (SELECT location_id, array_agg(channel_id) AS channel_ids FROM location_channels GROUP BY location_id)
  SELECT l.id AS level_id, l.product_id, p.sku, l.location_id, loc.code AS location, loc.priority AS location_priority,
         l.on_hand, l.reserved, c.id AS channel_id, c.code AS channel,
         coalesce(o.quantity, l.safety_stock, c.default_safety_stock) AS safety_stock,
         loc.active AND c.id IS NOT NULL AND (r.location_id IS NULL OR c.id = ANY(r.channel_ids)) AS serves
    FROM (SELECT * FROM inventory_levels
           WHERE product_id = ANY(${sql.param(productIds)}::bigint[])
           ORDER BY product_id, location_id
           ${options.lock === false ? sql`` : sql`FOR UPDATE`}) l
    JOIN LATERAL (SELECT sku FROM products WHERE id = l.product_id OFFSET 0) p ON true
    JOIN locations loc ON loc.id = l.location_id
    LEFT JOIN restricted r ON r.location_id = loc.id
    LEFT JOIN channels c ON c.active
    LEFT JOIN safety_stock_overrides o ON o.product_id = l.product_id AND o.location_id = l.location_id AND o.channel_id = c.id`;

/** A row of `sellableSelect`, as pg returns it (bigints as strings) or as JSON (numbers). */
export type RawSellable = {
  level_id: string | number;
  product_id: string | number;
  sku: string;
  location_id: string | number;
  location: string;
  location_priority: number;
  on_hand: number;
  reserved: number;
  channel_id: string | number | null;
  channel: string | null;
  safety_stock: number | null;
  serves: boolean;
};

export const toSellableRow = (row: RawSellable): SellableRow => ({
  levelId: Number(row.level_id),
  productId: Number(row.product_id),
  sku: row.sku,
  locationId: Number(row.location_id),
  location: row.location,
  locationPriority: row.location_priority,
  onHand: row.on_hand,
  reserved: row.reserved,
  channelId: row.channel_id === null ? null : Number(row.channel_id),
  channel: row.channel,
  safetyStock: row.safety_stock ?? 0,
  serves: row.serves,
});

export interface LevelDelta {
  onHand: number;
  reserved: number;
}

/** What a channel may sell from a level, after applying a pending change to it. */
export const sellableUnits = (row: SellableRow, delta: LevelDelta = { onHand: 0, reserved: 0 }) =>
  row.serves ? Math.max(0, row.onHand + delta.onHand - row.reserved - delta.reserved - row.safetyStock) : 0;

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
