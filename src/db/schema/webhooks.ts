import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { channels } from './catalog.js';
import { events } from './events.js';

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

/** One event to one subscription: the outbox the dispatcher claims from. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    subscriptionId: uuid('subscription_id')
      .notNull()
      .references(() => webhookSubscriptions.id, { onDelete: 'cascade' }),
    eventSequence: bigint('event_sequence', { mode: 'number' })
      .notNull()
      .references(() => events.sequence),
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

/** Every HTTP attempt of a delivery, with what the receiver answered. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    deliveryId: bigint('delivery_id', { mode: 'number' })
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
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
  (t) => [index('webhook_attempts_delivery_idx').on(t.deliveryId, t.id)],
);
