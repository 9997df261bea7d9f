import { sql } from 'drizzle-orm';
import {
  bigint,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { apiKeys } from './auth.js';

/** Versions of the exception alert rules; the newest is in force (like the fraud and routing rules). */
export const alertRuleSets = pgTable('alert_rule_sets', {
  version: integer('version').primaryKey(),
  rules: jsonb('rules').$type<Array<Record<string, unknown>>>().notNull(),
  createdBy: uuid('created_by').references(() => apiKeys.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const alertStatuses = ['open', 'acknowledged', 'resolved'] as const;
export const alertStatus = pgEnum('alert_status', alertStatuses);

/**
 * An exception someone should look at: a rule's condition holding for one subject (an order, a
 * shipment, a SKU-location…). At most one alert per rule and subject is not resolved, across every
 * process: the partial unique index decides which of two evaluators raises it.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** The rule's id within the rule set (stable across versions). */
    rule: text('rule').notNull(),
    kind: text('kind').notNull(),
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    /** The channel the subject belongs to, when it belongs to one. */
    channel: text('channel'),
    status: alertStatus('status').notNull().default('open'),
    summary: text('summary').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull(),
    ruleVersion: integer('rule_version').notNull(),
    raisedAt: timestamp('raised_at', { withTimezone: true }).notNull().defaultNow(),
    /** The last evaluation that found the condition still holding. */
    seenAt: timestamp('seen_at', { withTimezone: true }).notNull().defaultNow(),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
    acknowledgedBy: uuid('acknowledged_by').references(() => apiKeys.id),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('alerts_one_unresolved_idx')
      .on(t.rule, t.subjectType, t.subjectId)
      .where(sql`${t.status} <> 'resolved'`),
  ],
);
