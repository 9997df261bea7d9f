import { type SQL, sql } from 'drizzle-orm';
import type { LevelDelta, SellableRow } from './sellable.js';

/**
 * A plan made on levels read without locks (`sellableSelect(…, { lock: false })`), checked under
 * their locks by the statement that writes it. Order capture plans this way so that the locks last one
 * statement and its commit, not a round trip through a busy event loop: on a flash sale's one SKU, that
 * lock is the queue every order waits in.
 */
export interface StockCheck {
  /**
   * Two CTEs for the writing statement. `stock` locks the products' levels (in the order every stock
   * change locks them; for update when the plan reserves, else for share) and reads them as they are
   * now; `stock_ok` is one row whose `ok` says the plan still holds. Writes to the levels must run only
   * when it does, and the statement must fail when not.
   */
  ctes: SQL;
  /**
   * The `inventory.availability_changed` rows the plan's deltas cause, computed in SQL from the locked
   * levels (what was read may be stale): type, resource_type, resource_id, channel, data, in order.
   */
  events: SQL | undefined;
}

/** One level as the plan read it. */
interface ReadLevel {
  id: number;
  /** on_hand - damaged - quality_control - reserved: the units no one holds. */
  free: number;
  /** The level's own safety stock (the channel's override or default may apply instead). */
  safety: number | null;
  /** What the plan reserves here, for the order's channel. */
  reserve: number;
  /** The safety stock the order's channel keeps at this level. */
  floor: number;
}

const free = (row: SellableRow) => row.onHand - row.unsellable - row.reserved;

/**
 * The check of a plan on `read` (every level of `productIds`, once per active channel) that reserves
 * `deltas` for channel `channelId`. The plan holds when the products still have exactly the levels
 * read, with the same own safety stock, and every level reserved from still has the units for it. A
 * plan that left demand unfilled (`short`) also needs no level to have gained units: else the stock
 * could fill more of the order now. The rows' per-channel safety stock and service come from settings
 * read with the levels (as a locking read, too, takes them from its snapshot).
 */
export function stockCheck(
  read: SellableRow[],
  productIds: number[],
  channelId: number,
  deltas: ReadonlyMap<number, LevelDelta>,
  short: boolean,
): StockCheck {
  if (productIds.length === 0) {
    return {
      ctes: sql`stock AS (SELECT NULL::bigint AS id, 0 AS free WHERE false), stock_ok AS (SELECT true AS ok)`,
      events: undefined,
    };
  }
  const levels = new Map<number, ReadLevel>();
  for (const row of read) {
    const level = levels.get(row.levelId) ?? {
      id: row.levelId,
      free: free(row),
      safety: row.levelSafetyStock,
      reserve: deltas.get(row.levelId)?.reserved ?? 0,
      floor: 0,
    };
    if (row.channelId === channelId) {
      level.floor = row.safetyStock;
    }
    levels.set(row.levelId, level);
  }
  const all = [...levels.values()];
  // A plan that reserves nothing (short stock, a review) only needs the levels not to change under it:
  // a share lock, which orders that sell nothing (a flash sale's after it sold out) take side by side.
  const mode = deltas.size === 0 ? sql`SHARE` : sql`UPDATE`;
  const ctes = sql`
    stock AS (
      SELECT id, on_hand - damaged - quality_control - reserved AS free, safety_stock
        FROM inventory_levels
       WHERE product_id = ANY(${sql.param(productIds)}::bigint[])
       ORDER BY product_id, location_id
         FOR ${mode}),
    stock_ok AS (
      SELECT count(*) = ${all.length}
             AND coalesce(bool_and(r.id IS NOT NULL
                                   AND k.safety_stock IS NOT DISTINCT FROM r.safety
                                   AND (r.reserve = 0 OR k.free - r.reserve - r.floor >= 0)
                                   ${short ? sql`AND k.free <= r.free` : sql``}), true) AS ok
        FROM stock k
        LEFT JOIN unnest(${sql.param(all.map((l) => l.id))}::bigint[], ${sql.param(all.map((l) => l.free))}::int[],
                         ${sql.param(all.map((l) => l.safety))}::int[], ${sql.param(all.map((l) => l.reserve))}::int[],
                         ${sql.param(all.map((l) => l.floor))}::int[]) AS r(id, free, safety, reserve, floor)
          ON r.id = k.id)`;
  return { ctes, events: deltas.size === 0 ? undefined : availabilityRows(read, deltas) };
}

/**
 * For every (SKU, channel) whose sellable total the deltas move, the new and the previous total, as
 * `availabilityEvents` computes them in JavaScript for a locking read: sellable is what a serving
 * level has free beyond the channel's safety stock, never below zero.
 */
function availabilityRows(read: SellableRow[], deltas: ReadonlyMap<number, LevelDelta>): SQL {
  const serving = read.filter((row) => row.serves && row.channel !== null);
  return sql`
    SELECT 'inventory.availability_changed' AS type, 'availability' AS resource_type,
           t.sku || ':' || t.channel AS resource_id, t.channel,
           jsonb_build_object('sku', t.sku, 'channel', t.channel, 'available', t.after, 'previous', t.before) AS data
      FROM (SELECT s.sku, s.channel, min(s.n) AS n,
                   sum(greatest(0, k.free - s.safety))::int AS before,
                   sum(greatest(0, k.free - s.reserve - s.safety))::int AS after
              FROM unnest(${sql.param(serving.map((r) => r.levelId))}::bigint[], ${sql.param(serving.map((r) => r.sku))}::text[],
                          ${sql.param(serving.map((r) => r.channel))}::text[], ${sql.param(serving.map((r) => r.safetyStock))}::int[],
                          ${sql.param(serving.map((r) => deltas.get(r.levelId)?.reserved ?? 0))}::int[])
                   WITH ORDINALITY AS s(level_id, sku, channel, safety, reserve, n)
              JOIN stock k ON k.id = s.level_id
             GROUP BY s.sku, s.channel) AS t
     WHERE t.before <> t.after
     ORDER BY t.n`;
}
