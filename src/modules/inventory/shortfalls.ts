import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { appendEvents } from '../events/index.js';
import type { FeedResult } from './inventory.schemas.js';

/**
 * A count or adjustment left fewer sellable units on the shelf than are reserved: the shelf is the
 * truth, so the change stands and an `inventory.shortfall` event names the holders (order lines) now
 * uncovered. Damaged units and units in quality control cover no reservation.
 */
export async function openShortfalls(
  tx: Executor,
  levels: Array<{ productId: number; locationId: number }>,
  reference: string,
): Promise<FeedResult['shortfalls']> {
  if (levels.length === 0) {
    return [];
  }
  const result = await tx.execute<{
    sku: string;
    location: string;
    on_hand: number;
    reserved: number;
    sellable: number;
    holders: string[];
  }>(sql`
    SELECT p.sku, loc.code AS location, l.on_hand, l.reserved, l.on_hand - l.damaged - l.quality_control AS sellable,
           coalesce(array_agg(DISTINCT 'order_line:' || r.order_line_id) FILTER (WHERE r.order_line_id IS NOT NULL), '{}') AS holders
      FROM inventory_levels l
      JOIN products p ON p.id = l.product_id
      JOIN locations loc ON loc.id = l.location_id
      LEFT JOIN reservations r ON r.product_id = l.product_id AND r.location_id = l.location_id AND r.status = 'active'
     WHERE (l.product_id, l.location_id) IN (
             SELECT * FROM unnest(${sql.param(levels.map((l) => l.productId))}::bigint[],
                                  ${sql.param(levels.map((l) => l.locationId))}::bigint[]))
       AND l.on_hand - l.damaged - l.quality_control < l.reserved
     GROUP BY p.sku, loc.code, l.on_hand, l.reserved, l.damaged, l.quality_control
     ORDER BY p.sku, loc.code`);
  const shortfalls = result.rows.map(({ sellable, ...row }) => ({
    ...row,
    short_by: row.reserved - sellable,
  }));
  await appendEvents(
    tx,
    shortfalls.map((shortfall) => ({
      type: 'inventory.shortfall',
      resourceType: 'inventory_level',
      resourceId: `${shortfall.sku}:${shortfall.location}`,
      data: { ...shortfall, reference },
    })),
  );
  return shortfalls;
}
