import { sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
import type { TemplateId } from './builtin-templates.js';
import type { SettingsRow } from './settings-store.js';

/** The SQL of the e-mail outbox: claims, and what an attempt came to. */

/** A claimed notification with what its e-mail needs: its own columns and its channel's settings. */
export type SendJob = Omit<SettingsRow, 'delivery' | 'updated_at'> & {
  id: string;
  claim: string;
  attempts: number;
  channel_id: number;
  channel: string;
  order_id: string;
  order_number: number;
  template: TemplateId;
  locale: string;
  recipient_email: string;
  recipient_name: string | null;
  status_link: string | null;
  data: Record<string, unknown>;
};

/**
 * Claims up to `limit` due notifications in one statement (FOR UPDATE SKIP LOCKED, so processes never
 * claim the same one), each until `now + leaseMs`: the claims of a crashed process come back then.
 */
export async function claimDue(db: Db, now: Date, leaseMs: number, limit: number): Promise<SendJob[]> {
  const until = new Date(now.getTime() + leaseMs);
  const result = await db.execute<SendJob>(sql`
    WITH claimed AS (
      UPDATE notifications n SET claim = gen_random_uuid(), locked_until = ${until}
       WHERE n.id IN (
         SELECT n2.id FROM notifications n2
          WHERE n2.status = 'pending' AND n2.next_attempt_at <= ${now}
            AND (n2.locked_until IS NULL OR n2.locked_until <= ${now})
          ORDER BY n2.next_attempt_at, n2.id
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
      RETURNING n.*)
    SELECT c.id, c.claim, c.attempts, c.channel_id::int AS channel_id, ch.code AS channel, c.order_id,
           o.number::int AS order_number, c.template, c.locale, c.recipient_email, c.recipient_name,
           c.status_link, c.data, s.from_address, s.from_name, s.reply_to,
           coalesce(s.default_locale, 'en') AS default_locale, s.smtp, s.smtp_password
      FROM claimed c
      JOIN channels ch ON ch.id = c.channel_id
      JOIN orders o ON o.id = c.order_id
      LEFT JOIN notification_settings s ON s.channel_id = c.channel_id
     ORDER BY c.next_attempt_at, c.id`);
  return result.rows;
}

/** Marks the notification sent; false when the claim was lost (the lease ran out, another sender owns it). */
export async function markSent(
  tx: Executor,
  job: SendJob,
  messageId: string | null,
  now: Date,
): Promise<number | undefined> {
  const result = await tx.execute<{ attempts: number }>(sql`
    UPDATE notifications
       SET status = 'sent', attempts = attempts + 1, message_id = ${messageId}, sent_at = ${now},
           last_error = NULL, next_attempt_at = NULL, claim = NULL, locked_until = NULL, updated_at = ${now}
     WHERE id = ${job.id} AND claim = ${job.claim}
    RETURNING attempts`);
  return result.rows[0]?.attempts;
}

/**
 * Records a failed attempt: the next one after schedule[attempts] seconds (±20% jitter), or `failed`
 * past the schedule. Undefined when the claim was lost.
 */
export async function markFailed(
  tx: Executor,
  job: SendJob,
  error: string,
  schedule: readonly number[],
  now: Date,
): Promise<{ status: string; attempts: number } | undefined> {
  const result = await tx.execute<{ status: string; attempts: number }>(sql`
    UPDATE notifications
       SET attempts = attempts + 1, last_error = ${error}, claim = NULL, locked_until = NULL,
           updated_at = ${now},
           status = CASE WHEN attempts + 1 > ${schedule.length} THEN 'failed' ELSE 'pending' END,
           next_attempt_at = CASE WHEN attempts + 1 > ${schedule.length} THEN NULL
             ELSE ${now}::timestamptz + make_interval(secs =>
                    (${sql.param(schedule)}::float8[])[attempts + 1] * (0.8 + random() * 0.4)) END
     WHERE id = ${job.id} AND claim = ${job.claim}
    RETURNING status, attempts`);
  return result.rows[0];
}

/** Due again now with a fresh set of attempts: an operator's retry of a failed or waiting e-mail (not one being sent). */
export async function requeue(tx: Executor, id: string, now: Date): Promise<boolean> {
  const result = await tx.execute(sql`
    UPDATE notifications
       SET status = 'pending', next_attempt_at = ${now}, attempts = 0, claim = NULL, locked_until = NULL,
           updated_at = ${now}
     WHERE id = ${id} AND delivery = 'smtp'
       AND (status = 'failed' OR (status = 'pending' AND (locked_until IS NULL OR locked_until <= ${now})))`);
  return (result.rowCount ?? 0) > 0;
}
