import { type SQL, sql } from 'drizzle-orm';
import type { Clock } from '../../clock.js';
import type { Executor } from '../../db/client.js';
import { localDate } from '../promising/index.js';
import type { LocationMeta } from './location-directory.js';

/** SQL of `location_daily_usage`: what each location took on its local day, against its capacity. */

/** Orders and units each location took on a day: [location id, day, orders, units]. */
export type UsageRow = [number, string, number, number];

/**
 * Counts a plan against its locations' daily capacity. The upsert only counts a location that still
 * has room when it runs (under the row's lock), so `RETURNING` fewer rows than `locations` means a
 * concurrent order took the room first.
 */
export interface UsageWrite {
  sql: SQL;
  locations: number;
}

/** Orders and units per location for the days any location's "today" can be, for capacity. */
export const usageSelect = (clock: Clock): SQL => sql`
  SELECT coalesce(json_agg(json_build_array(location_id, day, orders, units)), '[]')
    FROM location_daily_usage
   WHERE day BETWEEN ${clock.now()}::date - 1 AND ${clock.now()}::date + 1`;

export async function readUsage(tx: Executor, clock: Clock): Promise<UsageRow[]> {
  const result = await tx.execute<{ usage: UsageRow[] }>(sql`SELECT (${usageSelect(clock)}) AS usage`);
  return result.rows[0]?.usage ?? [];
}

/** Counts one order and its units at each shipment's location on that location's local day. */
export function usageWrite(
  now: Date,
  shipments: Array<{ meta: LocationMeta | undefined; locationId: number; units: number }>,
): UsageWrite | undefined {
  const counted = shipments.filter((s) => s.meta?.capacityOrders != null || s.meta?.capacityUnits != null);
  if (counted.length === 0) {
    return undefined;
  }
  const days = counted.map((s) => localDate(now, s.meta?.timeZone ?? 'UTC'));
  const room = sql`(SELECT coalesce(capacity_orders_per_day, 2147483647) AS orders,
                           coalesce(capacity_units_per_day, 2147483647) AS units
                      FROM locations WHERE id = excluded.location_id)`;
  return {
    locations: counted.length,
    sql: sql`
      INSERT INTO location_daily_usage (location_id, day, orders, units)
      SELECT u.l, u.d, 1, u.n
        FROM unnest(${sql.param(counted.map((s) => s.locationId))}::bigint[], ${sql.param(days)}::date[],
                    ${sql.param(counted.map((s) => s.units))}::int[]) AS u(l, d, n)
        JOIN locations loc ON loc.id = u.l
       WHERE coalesce(loc.capacity_orders_per_day, 1) >= 1 AND u.n <= coalesce(loc.capacity_units_per_day, u.n)
      ON CONFLICT (location_id, day) DO UPDATE
        SET orders = location_daily_usage.orders + 1, units = location_daily_usage.units + excluded.units
        WHERE location_daily_usage.orders + 1 <= (SELECT orders FROM ${room} r)
          AND location_daily_usage.units + excluded.units <= (SELECT units FROM ${room} r)
      RETURNING location_id`,
  };
}
