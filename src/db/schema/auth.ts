import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { channels } from './catalog.js';

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    /** The first characters of the secret, shown so people can tell keys apart. */
    prefix: text('prefix').notNull(),
    /** SHA-256 of the secret; the secret itself is never stored. */
    secretHash: text('secret_hash').notNull().unique(),
    scopes: text('scopes').array().notNull(),
    /** A bound key creates and sees only this channel's data. */
    channelCode: text('channel_code').references(() => channels.code),
    /** Requests per rate-limit window; null uses the configured default. */
    rateLimit: integer('rate_limit'),
    /** A string keeps PostgreSQL's microseconds, so it can serve as an exact keyset cursor. */
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [check('api_keys_rate_limit_check', sql`${t.rateLimit} > 0`)],
);

/** Remembered POST responses, so a retried request replays instead of running twice. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    apiKeyId: uuid('api_key_id')
      .notNull()
      .references(() => apiKeys.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    /** in_flight until the first response is stored, then completed. */
    status: text('status', { enum: ['in_flight', 'completed'] }).notNull(),
    responseStatus: integer('response_status'),
    responseBody: text('response_body'),
    responseContentType: text('response_content_type'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** An in-flight claim older than this was abandoned (crash, timeout) and may be taken over. */
    lockedUntil: timestamp('locked_until', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.apiKeyId, t.key] }),
    index('idempotency_keys_expires_idx').on(t.expiresAt),
  ],
);
