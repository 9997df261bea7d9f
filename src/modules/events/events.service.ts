import { type SQL, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
import type { EventBody, FeedPage } from './events.schemas.js';
import { type FanOut, sequencePass } from './sequencer.js';

export interface NewEvent {
  type: string;
  resourceType: string;
  resourceId: string;
  channel?: string | null;
  data: Record<string, unknown>;
}

/**
 * The INSERT of a batch of events, to run alone or together with other writes (src/db/batch.ts). The
 * batch travels as one JSON document: cheaper to send than an array of JSON strings, which the driver
 * would have to escape one by one.
 */
export function eventsInsert(batch: NewEvent[]): SQL | undefined {
  if (batch.length === 0) {
    return undefined;
  }
  const rows = batch.map((e) => ({
    type: e.type,
    resource_type: e.resourceType,
    resource_id: e.resourceId,
    channel: e.channel ?? null,
    data: e.data,
  }));
  return sql`INSERT INTO events (type, resource_type, resource_id, channel, data)
    SELECT type, resource_type, resource_id, channel, data
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS e(type text, resource_type text, resource_id text, channel text, data jsonb)`;
}

/** Appends domain events inside the caller's transaction (the outbox): they commit with the change. */
export async function appendEvents(tx: Executor, batch: NewEvent[]): Promise<void> {
  const insert = eventsInsert(batch);
  if (insert) {
    await tx.execute(insert);
  }
}

export type EventRow = {
  id: string;
  type: string;
  position: string | number;
  occurred_at: string | Date;
  resource_type: string;
  resource_id: string;
  channel: string | null;
  data: Record<string, unknown>;
};

/** The columns an event is presented from, for queries that select events (the feed, deliveries). */
export const eventColumns = (alias: SQL) =>
  sql`${alias}.id, ${alias}.type, ${alias}.position, ${alias}.occurred_at, ${alias}.resource_type,
      ${alias}.resource_id, ${alias}.channel, ${alias}.data`;

export const presentEvent = (row: EventRow): EventBody => ({
  id: row.id,
  type: row.type,
  sequence: Number(row.position),
  occurred_at: new Date(row.occurred_at).toISOString(),
  resource_type: row.resource_type,
  resource_id: row.resource_id,
  channel: row.channel,
  data: row.data,
});

/** How often a long-poll checks for new events numbered by another process. */
const feedPollMs = 200;
const sequencerBatch = 1000;

export interface FeedReader {
  /** The event types the caller may read. */
  types: readonly string[];
  /** Set for a channel-bound key: only that channel's events. */
  channel: string | null;
}

export type EventService = ReturnType<typeof createEventService>;

export function createEventService({ db, fanOut }: { db: Db; fanOut?: FanOut }) {
  /** Long-polls waiting in this process, woken when this process's sequencer numbers events. */
  const waiters = new Set<() => void>();
  const numberedListeners: Array<() => void> = [];

  const wakeWaiters = () => {
    for (const wake of waiters) {
      wake();
    }
    waiters.clear();
  };

  async function head(): Promise<number> {
    const result = await db.execute<{ head: string | null }>(sql`SELECT max(position) AS head FROM events`);
    return Number(result.rows[0]?.head ?? 0);
  }

  async function readOnce(after: number, limit: number, reader: FeedReader): Promise<FeedPage> {
    const upTo = await head();
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

  /** Resolves after `ms`, when this process numbers events, or when `signal` aborts. */
  function pause(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  return {
    /**
     * A page of the feed after `after`. With `waitSeconds`, an empty page waits (until an event
     * arrives, the time is up or `signal` aborts) instead of answering at once.
     */
    async feed(
      query: { after: number; limit: number; waitSeconds: number },
      reader: FeedReader,
      signal: AbortSignal,
    ): Promise<FeedPage> {
      const deadline = performance.now() + query.waitSeconds * 1000;
      let page = await readOnce(query.after, query.limit, reader);
      let seen = page.next_after;
      while (page.data.length === 0 && !signal.aborted && performance.now() < deadline) {
        await pause(Math.min(feedPollMs, deadline - performance.now()), signal);
        if (signal.aborted || (await head()) <= seen) {
          continue;
        }
        page = await readOnce(page.next_after, query.limit, reader);
        seen = page.next_after;
      }
      return page;
    },

    /** Numbers (and fans out) every event that can be numbered now; returns how many were numbered. */
    async sequence(): Promise<number> {
      let total = 0;
      for (;;) {
        const pass = await sequencePass(db, fanOut, sequencerBatch);
        total += pass?.numbered ?? 0;
        if (!pass || pass.numbered < sequencerBatch) {
          break;
        }
      }
      if (total > 0) {
        wakeWaiters();
        for (const listener of numberedListeners) {
          listener();
        }
      }
      return total;
    },

    /** Calls `listener` after this process numbered events (the dispatcher claims at once). */
    onNumbered(listener: () => void): void {
      numberedListeners.push(listener);
    },
  };
}
