import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { channels } from './catalog.js';

/** Where events are pushed: a URL, the event types it wants and the secrets its requests are signed with. */
export const webhookSubscriptions = pgTable('webhook_subscriptions', {
  id: uuid('id').primaryKey().defaultRandom(),
  url: text('url').notNull(),
  /** Exact types (`order.created`), a family (`order.*`) or `*`. */
  eventTypes: text('event_types').array().notNull(),
  /** Set: only events of this channel. */
  channel: text('channel').references(() => channels.code),
  description: text('description'),
  active: boolean('active').notNull().default(true),
  /** The signing secret (`whsec_...`); it must be stored to sign, and is shown to clients only once. */
  secret: text('secret').notNull(),
  /** The secret before the last rotation, still signing until `previous_secret_expires_at`. */
  previousSecret: text('previous_secret'),
  previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true }),
  /** When deliveries started failing without a success since; cleared by a success. */
  failingSince: timestamp('failing_since', { withTimezone: true }),
  disabledAt: timestamp('disabled_at', { withTimezone: true }),
  disabledReason: text('disabled_reason'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const webhookDeliveryStatuses = ['pending', 'delivered', 'exhausted'] as const;

/**
 * One event to one subscription: the outbox the dispatcher claims from.
 *
 * Partitioned by week of `created_at` by migration 0024 (drizzle cannot declare it), together with
 * `webhook_attempts`: src/modules/webhooks/retention.ts creates weeks ahead and drops a week of both
 * tables once it is past ORDO_WEBHOOK_RETENTION_DAYS and holds no pending delivery. The primary key
 * includes the partition key; ids still come from one identity sequence.
 *
 * No foreign key to `events`: one would need the event's partition key and make every drop of an
 * event partition check this table under an exclusive lock. Instead `event_occurred_at` names the
 * event's partition (so the joins read one), event retention is at least webhook retention (config),
 * and an event partition is never dropped while a pending delivery points into it.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigint('id', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    subscriptionId: uuid('subscription_id')
      .notNull()
      .references(() => webhookSubscriptions.id, { onDelete: 'cascade' }),
    eventSequence: bigint('event_sequence', { mode: 'number' }).notNull(),
    /** The event's `occurred_at`: with `event_sequence`, the key of the event in its partition. */
    eventOccurredAt: timestamp('event_occurred_at', { withTimezone: true }).notNull(),
    /** `event` from the fan-out, `replay` from a replay request. */
    origin: text('origin', { enum: ['event', 'replay'] })
      .notNull()
      .default('event'),
    status: text('status', { enum: webhookDeliveryStatuses }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    /** A claim: the dispatcher that set `claim` owns the delivery until `locked_until`. */
    claim: uuid('claim'),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.createdAt] }),
    check('webhook_deliveries_attempts_check', sql`${t.attempts} >= 0`),
    // What the dispatcher claims from: only pending rows, by due time.
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('webhook_deliveries_subscription_idx').on(t.subscriptionId, t.id),
    // The fair claim: each subscription's pending rows by due time, and how many it has under way.
    index('webhook_deliveries_pending_subscription_idx')
      .on(t.subscriptionId, t.nextAttemptAt, t.id)
      .where(sql`${t.status} = 'pending'`),
    // The claims under way per subscription, counted on every claim: few rows, whatever the backlog.
    index('webhook_deliveries_claimed_idx')
      .on(t.subscriptionId, t.lockedUntil)
      .where(sql`${t.status} = 'pending' AND ${t.lockedUntil} IS NOT NULL`),
  ],
);

/**
 * Every HTTP attempt of a delivery, with what the receiver answered. Partitioned by its delivery's
 * `created_at` (migration 0024) with the same weeks as `webhook_deliveries`, so a week of attempts goes
 * with its week of deliveries. No foreign key to the delivery (it would block dropping a partition):
 * attempts are written only by the dispatcher holding the delivery's claim, and removing a
 * subscription deletes its deliveries' attempts in the same transaction.
 */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: bigint('id', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    deliveryId: bigint('delivery_id', { mode: 'number' }).notNull(),
    /** The delivery's `created_at`: the partition key, and the delivery's partition. */
    deliveryCreatedAt: timestamp('delivery_created_at', { withTimezone: true }).notNull(),
    attempt: integer('attempt').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    durationMs: integer('duration_ms').notNull(),
    /** The HTTP status; null when no response arrived (timeout, refused connection, refused URL). */
    status: integer('status'),
    error: text('error'),
    /** The first bytes of the response body. */
    responseExcerpt: text('response_excerpt'),
    success: boolean('success').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.deliveryCreatedAt] }),
    index('webhook_attempts_delivery_idx').on(t.deliveryId, t.id),
  ],
);
