import { inTransaction } from '../../db/transaction.js';
import { bodyError, type FieldError, invalid, notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { placeholdersOf, type TemplateId, templateIds } from './builtin-templates.js';
import { canonicalLocale } from './locales.js';
import { chooseTemplate } from './message.js';
import type { PutTemplate, TemplateView } from './notifications.schemas.js';
import { type SettingsDeps, visibleChannel } from './settings.js';
import { channelTemplates, deleteTemplate, readSettings, writeTemplate } from './settings-store.js';
import { parseTemplate } from './template-text.js';

/** The canonical locale, or a 422 naming the path parameter. */
function localeOf(locale: string): string {
  const canonical = canonicalLocale(locale);
  if (canonical === undefined) {
    throw invalid([
      { in: 'params', pointer: '/locale', detail: 'must be a BCP 47 language tag such as fr-CA' },
    ]);
  }
  return canonical;
}

/** Every field whose syntax is wrong or that names a placeholder this template does not have. */
export function templateErrors(template: TemplateId, input: PutTemplate): FieldError[] {
  const allowed = new Set(placeholdersOf[template]);
  const errors: FieldError[] = [];
  for (const field of ['subject', 'text', 'html'] as const) {
    const source = input[field];
    if (source === undefined || source === null) {
      continue;
    }
    const parsed = parseTemplate(source);
    if ('problem' in parsed) {
      errors.push(bodyError(`/${field}`, parsed.problem.detail));
      continue;
    }
    const unknown = [...new Set(parsed.names.filter((name) => !allowed.has(name)))];
    if (unknown.length > 0) {
      errors.push(
        bodyError(
          `/${field}`,
          `names ${unknown.map((n) => `{{${n}}}`).join(', ')}, which ${template} does not have; it has ${[...allowed].map((n) => `{{${n}}}`).join(', ')}`,
        ),
      );
    }
  }
  return errors;
}

/** The wording a customer in `locale` gets for this template on this channel (the channel's own, or the built-in). */
export async function getTemplate(
  deps: SettingsDeps,
  code: string,
  template: TemplateId,
  locale: string,
  caller: Caller,
): Promise<TemplateView> {
  const channelId = await visibleChannel(deps.db, code, caller);
  const wanted = localeOf(locale);
  const [settings, rows] = [
    await readSettings(deps.db, channelId),
    await channelTemplates(deps.db, channelId, template),
  ];
  const chosen = chooseTemplate(template, rows, wanted, settings?.default_locale ?? 'en');
  return { template, locale: wanted, ...chosen, placeholders: [...placeholdersOf[template]] };
}

/** The channel's own templates, every template id and locale. */
export async function listTemplates(
  deps: SettingsDeps,
  code: string,
  caller: Caller,
): Promise<TemplateView[]> {
  const channelId = await visibleChannel(deps.db, code, caller);
  const rows = await channelTemplates(deps.db, channelId);
  return rows
    .filter((row) => (templateIds as readonly string[]).includes(row.template))
    .map((row) => {
      const template = row.template as TemplateId;
      return {
        template,
        locale: row.locale,
        source: 'channel' as const,
        resolved_locale: row.locale,
        subject: row.subject,
        text: row.text,
        html: row.html,
        placeholders: [...placeholdersOf[template]],
        updated_at: new Date(row.updated_at).toISOString(),
      };
    });
}

export async function putTemplate(
  deps: SettingsDeps,
  code: string,
  template: TemplateId,
  locale: string,
  input: PutTemplate,
  caller: Caller,
): Promise<TemplateView> {
  const channelId = await visibleChannel(deps.db, code, caller);
  const wanted = localeOf(locale);
  const errors = templateErrors(template, input);
  if (errors.length > 0) {
    throw invalid(errors, 'The template cannot be used');
  }
  await inTransaction(deps.db, (tx) =>
    writeTemplate(
      tx,
      channelId,
      { template, locale: wanted, subject: input.subject, text: input.text, html: input.html ?? null },
      deps.clock.now(),
    ),
  );
  return getTemplate(deps, code, template, wanted, caller);
}

export async function removeTemplate(
  deps: SettingsDeps,
  code: string,
  template: TemplateId,
  locale: string,
  caller: Caller,
): Promise<void> {
  const channelId = await visibleChannel(deps.db, code, caller);
  const wanted = localeOf(locale);
  const removed = await inTransaction(deps.db, (tx) => deleteTemplate(tx, channelId, template, wanted));
  if (!removed) {
    throw notFound(`Template ${template} in ${wanted} of channel ${code}`);
  }
}
