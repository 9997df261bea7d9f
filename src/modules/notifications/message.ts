import { builtinTemplates, placeholdersOf, type TemplateId, type TemplateText } from './builtin-templates.js';
import { localeFallbacks } from './locales.js';
import { renderTemplate } from './template-text.js';

/** The wording a notification is sent in, and the message it makes. Pure: no database, no network. */

export interface ChosenTemplate extends TemplateText {
  source: 'channel' | 'builtin';
  resolved_locale: string;
  updated_at: string | null;
}

type Wording = TemplateText & { locale: string; updated_at: Date | string };

/** The channel's wording in the first locale of the fallback chain that has one, else the built-in English. */
export function chooseTemplate(
  template: TemplateId,
  wordings: readonly Wording[],
  locale: string,
  channelDefault: string,
): ChosenTemplate {
  const byLocale = new Map(wordings.map((w) => [w.locale.toLowerCase(), w]));
  for (const candidate of localeFallbacks(locale, channelDefault)) {
    const found = byLocale.get(candidate.toLowerCase());
    if (found) {
      return {
        subject: found.subject,
        text: found.text,
        html: found.html,
        source: 'channel',
        resolved_locale: found.locale,
        updated_at: new Date(found.updated_at).toISOString(),
      };
    }
  }
  return { ...builtinTemplates[template], source: 'builtin', resolved_locale: 'en', updated_at: null };
}

/** What a notification carries, as `notification.requested` tells it. */
export interface NotificationContent {
  template: TemplateId;
  locale: string;
  channel: string;
  recipient: { email: string; name: string | null };
  status_link: string | null;
  data: Record<string, unknown>;
}

type Data = {
  order?: { number?: number; currency?: string; total?: number; promised_delivery_date?: string | null };
  items?: Array<{ sku: string; name: string | null; quantity: number }>;
  shipment?: {
    number?: string;
    carrier?: string | null;
    tracking_number?: string | null;
    tracking_url?: string | null;
  };
  promise?: { previous_promised_delivery_date?: string | null; promised_delivery_date?: string | null };
  return?: { number?: string };
  refund?: { amount?: number; currency?: string | null };
};

function money(amount: number | undefined, currency: string | null | undefined, locale: string): string {
  if (amount === undefined || !currency) {
    return amount === undefined ? '' : String(amount);
  }
  try {
    const digits =
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2;
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amount / 10 ** digits);
  } catch {
    return `${(amount / 100).toFixed(2)} ${currency}`;
  }
}

function day(value: string | null | undefined, locale: string): string {
  if (!value) {
    return '';
  }
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(
      new Date(`${value}T00:00:00Z`),
    );
  } catch {
    return value;
  }
}

/** The value of every placeholder, as text (HTML escaping happens when rendering). */
export function placeholderValues(content: NotificationContent): Record<string, string> {
  const data = content.data as Data;
  const locale = content.locale;
  const items = (data.items ?? [])
    .map((item) => `${item.quantity} × ${item.name ? `${item.name} (${item.sku})` : item.sku}`)
    .join('\n');
  const promised = data.promise ? data.promise.promised_delivery_date : data.order?.promised_delivery_date;
  return {
    customer_name: content.recipient.name ?? content.recipient.email,
    customer_email: content.recipient.email,
    order_number: String(data.order?.number ?? ''),
    status_link: content.status_link ?? '',
    channel: content.channel,
    items,
    total: money(data.order?.total, data.order?.currency, locale),
    promised_delivery_date: day(promised, locale),
    previous_promised_delivery_date: day(data.promise?.previous_promised_delivery_date, locale),
    carrier: data.shipment?.carrier ?? '',
    tracking_number: data.shipment?.tracking_number ?? '',
    tracking_url: data.shipment?.tracking_url ?? '',
    shipment_number: data.shipment?.number ?? '',
    return_number: data.return?.number ?? '',
    refund_amount: money(data.refund?.amount, data.refund?.currency ?? data.order?.currency, locale),
  };
}

/** The e-mail of a notification in the chosen wording: values in HTML are escaped, the subject is one line. */
export function renderMessage(content: NotificationContent, wording: TemplateText) {
  const allowed = new Set(placeholdersOf[content.template]);
  const values = Object.fromEntries(
    Object.entries(placeholderValues(content)).filter(([name]) => allowed.has(name)),
  );
  return {
    subject: renderTemplate(wording.subject, values)
      .replace(/[\r\n]+/g, ' ')
      .trim(),
    text: renderTemplate(wording.text, values),
    html: wording.html === null ? null : renderTemplate(wording.html, values, { html: true }),
  };
}
