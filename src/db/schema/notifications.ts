import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { channels } from './catalog.js';
import { orders } from './orders.js';

export const notificationDeliveries = ['event', 'smtp'] as const;
export type NotificationDelivery = (typeof notificationDeliveries)[number];

/**
 * `requested`: handed to the merchant's messaging system as a `notification.requested` event (final
 * for delivery `event`); with delivery `smtp` Ordo sends it: `pending` until `sent`, or `failed` once
 * every attempt failed.
 */
export const notificationStatuses = ['requested', 'pending', 'sent', 'failed'] as const;
export type NotificationStatus = (typeof notificationStatuses)[number];

/** The SMTP server of a channel, without its password (kept apart, never served). */
export interface SmtpServer {
  host: string;
  port: number;
  /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  /** Refuse to send unless the server upgrades the connection with STARTTLS. */
  require_tls: boolean;
  user: string | null;
}

/** How a channel's customers hear from the merchant; a channel without a row gets the defaults. */
export const notificationSettings = pgTable('notification_settings', {
  channelId: bigint('channel_id', { mode: 'number' })
    .primaryKey()
    .references(() => channels.id, { onDelete: 'cascade' }),
  delivery: text('delivery', { enum: notificationDeliveries }).notNull().default('event'),
  fromAddress: text('from_address'),
  fromName: text('from_name'),
  replyTo: text('reply_to'),
  defaultLocale: text('default_locale').notNull().default('en'),
  smtp: jsonb('smtp').$type<SmtpServer>(),
  /** Write-only: used to log in to the SMTP server, never returned by the API. */
  smtpPassword: text('smtp_password'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A channel's own wording of a template in a locale; the built-in English ones apply otherwise. */
export const notificationTemplates = pgTable(
  'notification_templates',
  {
    channelId: bigint('channel_id', { mode: 'number' })
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    template: text('template').notNull(),
    locale: text('locale').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.template, t.locale] })],
);

/**
 * One customer notification: what Ordo decided the customer should hear, at most once per order,
 * milestone and `subject` (the shipment, return or refund it is about, or the promised date); with
 * delivery `smtp` also the outbox the sender claims from.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    channelId: bigint('channel_id', { mode: 'number' })
      .notNull()
      .references(() => channels.id),
    milestone: text('milestone').notNull(),
    /** What makes a milestone happen more than once: a shipment, return or refund id, a date; '' otherwise. */
    subject: text('subject').notNull().default(''),
    template: text('template').notNull(),
    locale: text('locale').notNull(),
    recipientEmail: text('recipient_email').notNull(),
    recipientName: text('recipient_name'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    statusLink: text('status_link'),
    delivery: text('delivery', { enum: notificationDeliveries }).notNull(),
    status: text('status', { enum: notificationStatuses }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    /** A claim: the sender that set `claim` owns the notification until `locked_until`. */
    claim: uuid('claim'),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    lastError: text('last_error'),
    messageId: text('message_id'),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('notifications_milestone_key').on(t.orderId, t.milestone, t.subject),
    check('notifications_attempts_check', sql`${t.attempts} >= 0`),
    // What the sender claims from: only pending rows, by due time.
    index('notifications_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('notifications_list_idx').on(t.createdAt, t.id),
    index('notifications_channel_idx').on(t.channelId, t.createdAt, t.id),
  ],
);

/** How far the notifications worker has read the event feed: one row, locked while a pass runs. */
export const notificationCursor = pgTable('notification_cursor', {
  id: integer('id').primaryKey(),
  position: bigint('position', { mode: 'number' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
