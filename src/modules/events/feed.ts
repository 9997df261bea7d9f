import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { EventDeps } from './deps.js';
import { type EventRow, eventColumns, presentEvent } from './event-store.js';
import type { FeedPage } from './events.schemas.js';

/** How often a long-poll checks for new events numbered by another process. */
const feedPollMs = 200;

export interface FeedRequest {
  after: number;
  limit: number;
  /** How long an empty page waits for an event; 0 answers at once. */
  waitSeconds: number;
}

export interface FeedReader {
  /** The event types the caller may read. */
  types: readonly string[];
  /** Set for a channel-bound key: only that channel's events. */
  channel: string | null;
}

/**
 * The highest position numbered, or `after` when none is higher. Asked with `after`, the statement has a
 * parameter and is prepared once per connection: planned afresh, it would cost more than it runs, as
 * every month of events is a partition to plan for.
 */
async function head(db: Db, after: number): Promise<number> {
  const result = await db.execute<{ head: string | null }>(
    sql`SELECT max(position) AS head FROM events WHERE position > ${after}`,
  );
  return Number(result.rows[0]?.head ?? after);
}

async function readOnce(db: Db, after: number, limit: number, reader: FeedReader): Promise<FeedPage> {
  const upTo = await head(db, after);
  if (upTo <= after || reader.types.length === 0) {
    return { data: [], next_after: Math.max(after, upTo), has_more: false };
  }
  const result = await db.execute<EventRow>(sql`
    SELECT ${eventColumns(sql.raw('e'))} FROM events e
     WHERE e.position > ${after} AND e.position <= ${upTo}
       AND e.type = ANY(${sql.param(reader.types)}::text[])
       ${reader.channel === null ? sql`` : sql`AND e.channel = ${reader.channel}`}
     ORDER BY e.position
     LIMIT ${limit + 1}`);
  const more = result.rows.length > limit;
  const rows = result.rows.slice(0, limit);
  const last = rows.at(-1);
  return {
    data: rows.map(presentEvent),
    // Without more rows, every event up to `upTo` has been examined.
    next_after: more && last ? Number(last.position) : upTo,
    has_more: more,
  };
}

/**
 * A page of the feed after `after`. With `waitSeconds`, an empty page waits (until an event arrives,
 * the time is up or `signal` aborts) instead of answering at once.
 */
export async function readFeed(
  { db, numbered }: Pick<EventDeps, 'db' | 'numbered'>,
  request: FeedRequest,
  reader: FeedReader,
  signal: AbortSignal,
): Promise<FeedPage> {
  const deadline = performance.now() + request.waitSeconds * 1000;
  let page = await readOnce(db, request.after, request.limit, reader);
  let seen = page.next_after;
  while (page.data.length === 0 && !signal.aborted && performance.now() < deadline) {
    await numbered.pause(Math.min(feedPollMs, deadline - performance.now()), signal);
    if (signal.aborted || (await head(db, seen)) <= seen) {
      continue;
    }
    page = await readOnce(db, page.next_after, request.limit, reader);
    seen = page.next_after;
  }
  return page;
}
