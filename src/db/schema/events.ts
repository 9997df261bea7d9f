import { bigint, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The outbox: every state change appends its domain event here in the same transaction.
 * `sequence` orders the feed; `id` is what subscribers deduplicate by.
 */
export const events = pgTable(
  'events',
  {
    sequence: bigint('sequence', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    id: uuid('id').notNull().defaultRandom(),
    type: text('type').notNull(),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id').notNull(),
    /** The channel the event concerns, when it concerns one; channel-bound keys see only theirs. */
    channel: text('channel'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // No secondary indexes: every capture appends several events, and the feed reads by sequence.
);
