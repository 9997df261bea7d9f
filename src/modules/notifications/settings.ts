import type { Executor } from '../../db/client.js';
import type { SmtpServer } from '../../db/schema/notifications.js';
import { inTransaction } from '../../db/transaction.js';
import { AppError, bodyError, type FieldError, invalid, notFound } from '../../errors.js';
import type { Caller } from '../../http/caller.js';
import { channelIdsByCode } from '../catalog/index.js';
import type { NotificationDeps } from './deps.js';
import { canonicalLocale } from './locales.js';
import type { PutSettings, SettingsView } from './notifications.schemas.js';
import { readSettings, type SettingsRow, writeSettings } from './settings-store.js';
import { smtpHostProblem } from './smtp-host.js';
import { smtpGiven } from './smtp-input.js';

export type SettingsDeps = Pick<NotificationDeps, 'db' | 'clock' | 'config'>;

/** The channel's id; 404 for an unknown channel, and for one a channel-bound key may not see. */
export async function visibleChannel(db: Executor, code: string, caller: Caller): Promise<number> {
  if (caller.channel !== null && caller.channel !== code) {
    throw notFound(`Channel ${code}`);
  }
  const id = (await channelIdsByCode(db, [code])).get(code);
  if (id === undefined) {
    throw notFound(`Channel ${code}`);
  }
  return id;
}

export function presentSettings(code: string, row: SettingsRow | undefined): SettingsView {
  return {
    channel: code,
    delivery: row?.delivery ?? 'event',
    from: row?.from_address ?? null,
    from_name: row?.from_name ?? null,
    reply_to: row?.reply_to ?? null,
    default_locale: row?.default_locale ?? 'en',
    smtp: row?.smtp ? { ...row.smtp, password_set: row.smtp_password !== null } : null,
    updated_at: row ? new Date(row.updated_at).toISOString() : null,
  };
}

export async function getSettings(deps: SettingsDeps, code: string, caller: Caller): Promise<SettingsView> {
  const channelId = await visibleChannel(deps.db, code, caller);
  return presentSettings(code, await readSettings(deps.db, channelId));
}

/** Checks what the schema cannot: the fields smtp delivery needs, the locale, the SMTP host and login. */
async function checkSettings(
  deps: SettingsDeps,
  input: PutSettings,
  smtp: SmtpServer | null,
  password: string | null,
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  if (input.default_locale !== undefined && canonicalLocale(input.default_locale) === undefined) {
    errors.push(bodyError('/default_locale', 'must be a BCP 47 language tag such as en or fr-CA'));
  }
  if (input.delivery === 'smtp' && input.from === undefined) {
    errors.push(bodyError('/from', 'is required with delivery smtp: the address the e-mails come from'));
  }
  if (input.delivery === 'smtp' && input.smtp === undefined) {
    errors.push(bodyError('/smtp', 'is required with delivery smtp: the server Ordo sends through'));
  }
  if (smtp) {
    const at = input.smtp?.url === undefined ? '/smtp/host' : '/smtp/url';
    const refused = await smtpHostProblem(smtp.host, smtp.port, deps.config.webhookAllowPrivate);
    if (refused) {
      errors.push(bodyError(at, refused.replace(/^is not a valid URL$/, 'is not a valid host')));
    }
    if (password !== null && !smtp.user) {
      errors.push(
        bodyError(input.smtp?.url === undefined ? '/smtp/user' : at, 'needs a user with a password'),
      );
    }
    if (smtp.user && password === null) {
      errors.push(bodyError('/smtp/password', 'is required with a user (none is stored)'));
    }
    if (smtp.secure && smtp.require_tls) {
      errors.push(bodyError('/smtp/require_tls', 'applies to STARTTLS only; secure already means TLS'));
    }
  }
  return errors;
}

/** Replaces the channel's notification settings; a password left out is kept, null removes it. */
export async function putSettings(
  deps: SettingsDeps,
  code: string,
  input: PutSettings,
  caller: Caller,
): Promise<SettingsView> {
  const channelId = await visibleChannel(deps.db, code, caller);
  const given = input.smtp ? smtpGiven(input.smtp) : undefined;
  if (Array.isArray(given)) {
    throw invalid(given, 'The notification settings are not usable');
  }
  const smtp = given?.server ?? null;
  const stored = await readSettings(deps.db, channelId);
  // Left out, the stored password stays, as long as it is for the same user.
  const kept = stored?.smtp?.user === (smtp?.user ?? null) ? (stored?.smtp_password ?? null) : null;
  const password = given ? (given.password === undefined ? kept : given.password) : null;
  const errors = await checkSettings(deps, input, smtp, password);
  if (errors.length > 0) {
    throw invalid(errors, 'The notification settings are not usable');
  }
  return inTransaction(deps.db, async (tx) => {
    await writeSettings(
      tx,
      channelId,
      {
        delivery: input.delivery,
        from_address: input.from ?? null,
        from_name: input.from_name ?? null,
        reply_to: input.reply_to ?? null,
        default_locale: canonicalLocale(input.default_locale ?? 'en') ?? 'en',
        smtp,
        smtp_password: smtp ? password : null,
      },
      deps.clock.now(),
    );
    const row = await readSettings(tx, channelId);
    if (!row) {
      throw new AppError('internal', 'Notification settings vanished after writing');
    }
    return presentSettings(code, row);
  });
}
