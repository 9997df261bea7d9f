import { and, desc, eq, inArray, lt, ne, type SQL, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
import { alerts } from '../../db/schema/index.js';
import { notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { decodeCursor, type Page, toPage } from '../../http/pagination.js';
import { appendEvents, type NewEvent } from '../events/index.js';
import type { AlertKind, SubjectType } from './alert-rules.js';
import type { Alert, AlertListQuery } from './alerts.schemas.js';

/** The SQL of the alerts table: presenting, listing, locking and the evaluator's writes. */

export type AlertRow = typeof alerts.$inferSelect;

const iso = (at: Date | null) => (at === null ? null : at.toISOString());

export const presentAlert = (row: AlertRow): Alert => ({
  id: row.id,
  rule: row.rule,
  kind: row.kind as AlertKind,
  subject_type: row.subjectType as SubjectType,
  subject_id: row.subjectId,
  channel: row.channel,
  status: row.status,
  summary: row.summary,
  details: row.details,
  rule_version: row.ruleVersion,
  raised_at: row.raisedAt.toISOString(),
  seen_at: row.seenAt.toISOString(),
  acknowledged_at: iso(row.acknowledgedAt),
  acknowledged_by: row.acknowledgedBy,
  resolved_at: iso(row.resolvedAt),
});

/** The event of an alert's change, carrying the alert as it is now. */
export const alertEvent = (
  type: 'alert.raised' | 'alert.acknowledged' | 'alert.resolved',
  row: AlertRow,
): NewEvent => ({
  type,
  resourceType: 'alert',
  resourceId: String(row.id),
  channel: row.channel,
  data: presentAlert(row),
});

/** A channel-bound key sees only its channel's alerts (not those of channel-less subjects either). */
const visibleTo = (caller: Caller): SQL | undefined =>
  caller.channel === null ? undefined : eq(alerts.channel, caller.channel);

/** The alert, locked when `lock`; one the caller may not see does not exist. */
export async function findAlert(tx: Executor, id: number, caller: Caller, lock = false): Promise<AlertRow> {
  const query = tx
    .select()
    .from(alerts)
    .where(and(eq(alerts.id, id), visibleTo(caller)));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) {
    throw notFound(`Alert ${id}`);
  }
  return row;
}

/** Alerts newest first, by the query's filters. */
export async function listAlerts(db: Db, query: AlertListQuery, caller: Caller): Promise<Page<Alert>> {
  const after = decodeCursor(query.cursor, ['number']);
  if (caller.channel !== null && query.channel !== undefined && query.channel !== caller.channel) {
    return { data: [], next_cursor: null };
  }
  const rows = await db
    .select()
    .from(alerts)
    .where(
      and(
        visibleTo(caller),
        query.channel === undefined ? undefined : eq(alerts.channel, query.channel),
        query.rule === undefined ? undefined : eq(alerts.rule, query.rule),
        query.kind === undefined ? undefined : eq(alerts.kind, query.kind),
        query.status === undefined ? undefined : eq(alerts.status, query.status),
        query.subject_type === undefined ? undefined : eq(alerts.subjectType, query.subject_type),
        query.subject_id === undefined ? undefined : eq(alerts.subjectId, query.subject_id),
        after ? lt(alerts.id, Number(after[0])) : undefined,
      ),
    )
    .orderBy(desc(alerts.id))
    .limit(query.limit + 1);
  return toPage(rows, query.limit, (row) => [row.id], presentAlert);
}

/** Marks alerts acknowledged by the caller's key and appends `alert.acknowledged` for each. */
export async function recordAcknowledged(tx: Executor, id: number, keyId: string, now: Date) {
  const [row] = await tx
    .update(alerts)
    .set({ status: 'acknowledged', acknowledgedAt: now, acknowledgedBy: keyId })
    .where(eq(alerts.id, id))
    .returning();
  if (!row) {
    throw notFound(`Alert ${id}`);
  }
  await appendEvents(tx, [alertEvent('alert.acknowledged', row)]);
  return row;
}

/**
 * Claims up to `limit` unresolved alerts of a rule, least recently seen first, with SKIP LOCKED: an
 * evaluator in another process checks the others (or none) at the same moment. Only alerts of the
 * rule's current kind (those of an earlier kind are retired, and their subject ids need not even parse
 * as this kind's), and none raised under a rule set newer than `version`: a pass that read the rules
 * just before a save leaves those to the passes that read the save.
 */
export async function claimUnresolved(
  tx: Executor,
  rule: { id: string; kind: AlertKind },
  version: number,
  limit: number,
) {
  const { rows } = await tx.execute<{ id: string; subject_id: string }>(sql`
    SELECT id, subject_id FROM alerts
     WHERE rule = ${rule.id} AND status <> 'resolved' AND kind = ${rule.kind} AND rule_version <= ${version}
     ORDER BY seen_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED`);
  return rows.map((row) => ({ id: Number(row.id), subjectId: row.subject_id }));
}

/** Resolves the alerts still unresolved among `ids` and appends `alert.resolved` for each one it resolved. */
export async function resolveAlerts(tx: Executor, ids: number[], now: Date): Promise<number> {
  if (ids.length === 0) {
    return 0;
  }
  const rows = await tx
    .update(alerts)
    .set({ status: 'resolved', resolvedAt: now })
    .where(and(inArray(alerts.id, ids), ne(alerts.status, 'resolved')))
    .returning();
  await appendEvents(
    tx,
    rows.map((row) => alertEvent('alert.resolved', row)),
  );
  return rows.length;
}

/** Records that the alerts' conditions still held at `now`. */
export async function touchAlerts(tx: Executor, ids: number[], now: Date): Promise<void> {
  if (ids.length > 0) {
    await tx
      .update(alerts)
      .set({ seenAt: now })
      .where(and(inArray(alerts.id, ids), ne(alerts.status, 'resolved')));
  }
}

/**
 * Resolves up to `limit` unresolved alerts whose rule is no longer in force in rule set `version`:
 * removed, disabled, or now of another kind. `inForce` pairs each enabled rule's id with its kind.
 * Alerts raised under a newer version than `version` are left alone (their rule may be new).
 */
export async function retireAlerts(
  tx: Executor,
  inForce: Array<{ id: string; kind: string }>,
  version: number,
  now: Date,
  limit: number,
): Promise<number> {
  const ids = sql.param(inForce.map((rule) => rule.id));
  const kinds = sql.param(inForce.map((rule) => rule.kind));
  const { rows } = await tx.execute<{ id: string }>(sql`
    SELECT a.id FROM alerts a
     WHERE a.status <> 'resolved' AND a.rule_version <= ${version}
       AND NOT EXISTS (SELECT 1 FROM unnest(${ids}::text[], ${kinds}::text[]) AS f(rule, kind)
                        WHERE f.rule = a.rule AND f.kind = a.kind)
     ORDER BY a.id LIMIT ${limit} FOR UPDATE SKIP LOCKED`);
  return resolveAlerts(
    tx,
    rows.map((row) => Number(row.id)),
    now,
  );
}

export interface NewAlert {
  rule: string;
  kind: AlertKind;
  subjectType: SubjectType;
  subjectId: string;
  channel: string | null;
  summary: string;
  details: Record<string, unknown>;
  ruleVersion: number;
}

/**
 * Inserts the alerts, in subject order (so two evaluators inserting the same subjects wait on each
 * other instead of deadlocking); the partial unique index keeps one unresolved alert per rule and
 * subject, so a subject another process raised a moment ago is skipped. `alert.raised` is appended for
 * the rows actually inserted only.
 */
export async function raiseAlerts(tx: Executor, batch: NewAlert[], now: Date): Promise<number> {
  if (batch.length === 0) {
    return 0;
  }
  const sorted = [...batch].sort((a, b) =>
    a.subjectId < b.subjectId ? -1 : a.subjectId > b.subjectId ? 1 : 0,
  );
  const inserted = await tx
    .insert(alerts)
    .values(sorted.map((alert) => ({ ...alert, raisedAt: now, seenAt: now })))
    .onConflictDoNothing()
    .returning();
  await appendEvents(
    tx,
    inserted.map((row) => alertEvent('alert.raised', row)),
  );
  return inserted.length;
}
