import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import type { NotificationDelivery, SmtpServer } from '../../db/schema/notifications.js';

/** The SQL of the channel settings and templates. */

export type SettingsRow = {
  delivery: NotificationDelivery;
  from_address: string | null;
  from_name: string | null;
  reply_to: string | null;
  default_locale: string;
  smtp: SmtpServer | null;
  smtp_password: string | null;
  updated_at: Date | string;
};

export async function readSettings(tx: Executor, channelId: number): Promise<SettingsRow | undefined> {
  const result = await tx.execute<SettingsRow>(sql`
    SELECT delivery, from_address, from_name, reply_to, default_locale, smtp, smtp_password, updated_at
      FROM notification_settings WHERE channel_id = ${channelId}`);
  return result.rows[0];
}

export async function writeSettings(
  tx: Executor,
  channelId: number,
  row: Omit<SettingsRow, 'updated_at'>,
  now: Date,
): Promise<void> {
  await tx.execute(sql`
    INSERT INTO notification_settings (channel_id, delivery, from_address, from_name, reply_to, default_locale,
                                       smtp, smtp_password, updated_at)
    VALUES (${channelId}, ${row.delivery}, ${row.from_address}, ${row.from_name}, ${row.reply_to},
            ${row.default_locale}, ${row.smtp === null ? null : JSON.stringify(row.smtp)}::jsonb,
            ${row.smtp_password}, ${now})
    ON CONFLICT (channel_id) DO UPDATE SET
      delivery = excluded.delivery, from_address = excluded.from_address, from_name = excluded.from_name,
      reply_to = excluded.reply_to, default_locale = excluded.default_locale, smtp = excluded.smtp,
      smtp_password = excluded.smtp_password, updated_at = excluded.updated_at`);
}

export type TemplateRow = {
  template: string;
  locale: string;
  subject: string;
  text: string;
  html: string | null;
  updated_at: Date | string;
};

/** The channel's own templates, of one template id or all of them. */
export async function channelTemplates(
  tx: Executor,
  channelId: number,
  template?: string,
): Promise<TemplateRow[]> {
  const result = await tx.execute<TemplateRow>(sql`
    SELECT template, locale, subject, text, html, updated_at FROM notification_templates
     WHERE channel_id = ${channelId} ${template === undefined ? sql`` : sql`AND template = ${template}`}
     ORDER BY template, locale`);
  return result.rows;
}

export async function writeTemplate(
  tx: Executor,
  channelId: number,
  row: Omit<TemplateRow, 'updated_at'>,
  now: Date,
): Promise<void> {
  await tx.execute(sql`
    INSERT INTO notification_templates (channel_id, template, locale, subject, text, html, updated_at)
    VALUES (${channelId}, ${row.template}, ${row.locale}, ${row.subject}, ${row.text}, ${row.html}, ${now})
    ON CONFLICT (channel_id, template, locale) DO UPDATE SET
      subject = excluded.subject, text = excluded.text, html = excluded.html, updated_at = excluded.updated_at`);
}

export async function deleteTemplate(
  tx: Executor,
  channelId: number,
  template: string,
  locale: string,
): Promise<boolean> {
  const result = await tx.execute(sql`
    DELETE FROM notification_templates
     WHERE channel_id = ${channelId} AND template = ${template} AND locale = ${locale}`);
  return (result.rowCount ?? 0) > 0;
}
