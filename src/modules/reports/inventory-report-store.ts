import { type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import type { ReportContext } from './report-context-store.js';
import { hours } from './report-numbers.js';
import type { InventoryReport } from './snapshot-reports.schemas.js';

type Tables = Pick<InventoryReport, 'by_location' | 'stock_outs' | 'below_reorder_point'>;

/** Channel `c` may sell from location `loc`: the location serves it (no channel list: every channel). */
const serves = sql`(NOT EXISTS (SELECT 1 FROM location_channels lc WHERE lc.location_id = loc.id)
                    OR EXISTS (SELECT 1 FROM location_channels lc WHERE lc.location_id = loc.id AND lc.channel_id = c.id))`;

/**
 * Active locations in the report's scope (`loc`): with a channel, those that serve it; with a location,
 * that one.
 */
function locations(ctx: ReportContext): SQL {
  return sql`loc.active
    ${ctx.location === null ? sql`` : sql`AND loc.id = ${ctx.location.id}`}
    ${ctx.channel === null ? sql`` : sql`AND EXISTS (SELECT 1 FROM channels c WHERE c.id = ${ctx.channel.id} AND ${serves})`}`;
}

/**
 * Active products' levels with nothing available to an active channel their location serves:
 * on_hand − unsellable (damaged, quality control) − reserved − safety stock ≤ 0, the safety stock being the channel's override for the level,
 * else the level's own, else the channel's default (as availability computes it).
 */
async function stockOuts(tx: Executor, ctx: ReportContext): Promise<Tables['stock_outs']> {
  const safety = sql`coalesce(o.quantity, l.safety_stock, c.default_safety_stock)`;
  const { rows } = await tx.execute<Tables['stock_outs'][number]>(sql`
    SELECT p.sku, loc.code AS location, c.code AS channel, l.on_hand, l.reserved,
           l.damaged + l.quality_control AS unsellable, ${safety} AS safety_stock
      FROM inventory_levels l
      JOIN products p ON p.id = l.product_id AND p.active
      JOIN locations loc ON loc.id = l.location_id
      JOIN channels c ON c.active AND ${serves} ${ctx.channel === null ? sql`` : sql`AND c.id = ${ctx.channel.id}`}
      LEFT JOIN safety_stock_overrides o
        ON o.product_id = l.product_id AND o.location_id = l.location_id AND o.channel_id = c.id
     WHERE ${locations(ctx)} AND l.on_hand - l.damaged - l.quality_control - l.reserved - ${safety} <= 0
     ORDER BY loc.code, p.sku, c.code`);
  return rows;
}

/** Active products' levels with fewer units on hand than their reorder point, largest shortfall first. */
async function belowReorderPoint(tx: Executor, ctx: ReportContext): Promise<Tables['below_reorder_point']> {
  const { rows } = await tx.execute<Tables['below_reorder_point'][number]>(sql`
    SELECT p.sku, loc.code AS location, l.on_hand, l.reorder_point, l.reorder_point - l.on_hand AS shortfall
      FROM inventory_levels l
      JOIN products p ON p.id = l.product_id AND p.active
      JOIN locations loc ON loc.id = l.location_id
     WHERE ${locations(ctx)} AND l.reorder_point IS NOT NULL AND l.on_hand < l.reorder_point
     ORDER BY l.reorder_point - l.on_hand DESC, loc.code, p.sku`);
  return rows;
}

/** Each location in scope: its levels (active products) and its last feed. */
async function locationRows(tx: Executor, ctx: ReportContext) {
  const { rows } = await tx.execute<{
    location: string;
    sku_locations: number;
    last_feed_at: string | null;
    feed_age: number | null;
  }>(sql`
    SELECT loc.code AS location,
           (SELECT count(*) FROM inventory_levels l JOIN products p ON p.id = l.product_id AND p.active
             WHERE l.location_id = loc.id)::int AS sku_locations,
           to_char(f.last_feed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_feed_at,
           extract(epoch FROM ${ctx.now.toISOString()}::timestamptz - f.last_feed_at)::float8 AS feed_age
      FROM locations loc
      LEFT JOIN location_feeds f ON f.location_id = loc.id
     WHERE ${locations(ctx)}
     ORDER BY loc.code`);
  return rows;
}

/** Stock-outs, levels under their reorder point, and per location those counts and its last feed. */
export async function inventoryReport(tx: Executor, ctx: ReportContext): Promise<Tables> {
  const outs = await stockOuts(tx, ctx);
  const below = await belowReorderPoint(tx, ctx);
  const outLevels = new Map<string, Set<string>>();
  for (const row of outs) {
    outLevels.set(row.location, (outLevels.get(row.location) ?? new Set()).add(row.sku));
  }
  const belowCount = new Map<string, number>();
  for (const row of below) {
    belowCount.set(row.location, (belowCount.get(row.location) ?? 0) + 1);
  }
  return {
    by_location: (await locationRows(tx, ctx)).map((row) => ({
      location: row.location,
      sku_locations: row.sku_locations,
      stock_outs: outLevels.get(row.location)?.size ?? 0,
      below_reorder_point: belowCount.get(row.location) ?? 0,
      last_feed_at: row.last_feed_at,
      hours_since_feed: hours(row.feed_age === null ? null : Math.max(0, row.feed_age)),
    })),
    stock_outs: outs,
    below_reorder_point: below,
  };
}
