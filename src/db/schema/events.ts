import { sql } from 'drizzle-orm';
import {
  bigint,
  customType,
  index,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * Who caused an event: an API key (its id and name), a channel connector, or Ordo itself (`system`,
 * named by the worker: release, backorders, expiry, alerts…), with the request it came in on.
 */
export interface EventActor {
  type: 'api_key' | 'connector' | 'system';
  id: string | null;
  name: string;
  request_id: string | null;
}

/** PostgreSQL's 64-bit transaction id, as `pg_current_xact_id()` returns it. */
const xid8 = customType<{ data: string }>({ dataType: () => 'xid8' });

/**
 * Feed positions, handed out by the sequencer (src/modules/events/sequencer.ts) one pass at a time,
 * so a position assigned later is always higher than every position already visible.
 */
export const eventPositions = pgSequence('event_positions');

/**
 * The outbox: every state change appends its domain event here in the same transaction.
 * `sequence` is the insert order (assigned before commit, so transactions can expose it out of
 * order); `position` is the commit-safe order the feed and webhooks use, published as `sequence`.
 * `id` is what subscribers deduplicate by.
 *
 * Partitioned by month of `occurred_at` (the database's `now()` at the inserting transaction's start)
 * by migration 0024, which drizzle cannot declare: a partition per month, `events_legacy` for the rows
 * from before it, `events_default` as a safety net. src/modules/events/partitions.ts creates months
 * ahead and drops whole months past ORDO_EVENT_RETENTION_DAYS. A key of a partitioned table includes
 * the partition key, hence the primary key (sequence, occurred_at) and a position index that is not
 * unique: both numbers come from one sequence each, so they are unique all the same.
 */
export const events = pgTable(
  'events',
  {
    sequence: bigint('sequence', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    id: uuid('id').notNull().defaultRandom(),
    type: text('type').notNull(),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id').notNull(),
    /** The channel the event concerns, when it concerns one; channel-bound keys see only theirs. */
    channel: text('channel'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
    /** The inserting transaction: the sequencer numbers an event only once no older transaction runs. */
    xid: xid8('xid').notNull().default(sql`pg_current_xact_id()`),
    /** Null until the sequencer numbers the event; only numbered events are in the feed. */
    position: bigint('position', { mode: 'number' }),
    actor: jsonb('actor')
      .$type<EventActor>()
      .notNull()
      .default(sql`'{"type":"system","id":null,"name":"unknown","request_id":null}'::jsonb`),
  },
  (t) => [
    primaryKey({ columns: [t.sequence, t.occurredAt] }),
    // What the sequencer scans: small, since events are numbered within a fraction of a second.
    index('events_unnumbered_idx').on(t.sequence).where(sql`${t.position} IS NULL`),
    // Partial: an insert (position still null) does not touch it; the feed and max(position) read it.
    index('events_position_idx').on(t.position).where(sql`${t.position} IS NOT NULL`),
    // An order's timeline: the events of the order and of its shipments, returns and refunds.
    index('events_timeline_idx')
      .on(t.resourceId, t.sequence)
      .where(sql`${t.resourceType} IN ('order', 'shipment', 'return', 'refund')`),
  ],
);
