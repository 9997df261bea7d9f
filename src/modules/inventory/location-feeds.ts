import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';

/**
 * Records that a feed (adjustment or count) reported these locations' stock at `at`, in the feed's
 * transaction: the `feed_stale` alert rule watches how long ago each location last did. Locations are
 * written in id order, so concurrent feeds over the same locations queue instead of deadlocking.
 */
export async function recordLocationFeeds(
  tx: Executor,
  locationIds: readonly number[],
  reference: string,
  at: Date,
): Promise<void> {
  const ids = [...new Set(locationIds)].sort((a, b) => a - b);
  if (ids.length === 0) {
    return;
  }
  await tx.execute(sql`
    INSERT INTO location_feeds (location_id, last_feed_at, last_reference)
    SELECT id, ${at.toISOString()}::timestamptz, ${reference} FROM unnest(${sql.param(ids)}::bigint[]) AS id
    ON CONFLICT (location_id) DO UPDATE
      SET last_feed_at = excluded.last_feed_at, last_reference = excluded.last_reference`);
}
