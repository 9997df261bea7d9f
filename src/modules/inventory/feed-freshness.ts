import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';

/**
 * Whether a location's stock can be trusted to route and promise from: with a `max_feed_age_minutes`,
 * its last feed (adjustment or count) must be at most that old. Routing and promising both ask here,
 * so they agree on which locations are out.
 */

/** Why the location's feed is stale at `now` ("stale feed: ..."), or null when it may be used. */
export function staleFeed(
  maxAgeMinutes: number | null,
  lastFeedAt: Date | undefined,
  now: Date,
): string | null {
  if (maxAgeMinutes === null) {
    return null;
  }
  if (lastFeedAt === undefined) {
    return `stale feed: no stock feed has arrived, and feeds may be at most ${maxAgeMinutes} min old`;
  }
  const ageMinutes = (now.getTime() - lastFeedAt.getTime()) / 60_000;
  return ageMinutes > maxAgeMinutes
    ? `stale feed: the last stock feed arrived ${Math.floor(ageMinutes)} min ago (${lastFeedAt.toISOString()}), more than ${maxAgeMinutes} min`
    : null;
}

/** When each of these locations last had a feed; a location that never had one is absent. */
export async function lastFeedTimes(
  tx: Executor,
  locationIds: readonly number[],
): Promise<Map<number, Date>> {
  if (locationIds.length === 0) {
    return new Map();
  }
  const { rows } = await tx.execute<{ location_id: string; last_feed_at: string }>(sql`
    SELECT location_id, last_feed_at FROM location_feeds
     WHERE location_id = ANY(${sql.param([...locationIds])}::bigint[])`);
  return new Map(rows.map((row) => [Number(row.location_id), new Date(row.last_feed_at)]));
}
