/**
 * Reading event data for a summary, and the phrases summaries share. Pure. Event data is stored JSON
 * of whatever version wrote it, so every read tolerates a missing or odd field instead of throwing.
 */

export type Data = Readonly<Record<string, unknown>>;

export const record = (value: unknown): Data =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Data) : {};

export const list = (value: unknown): Data[] => (Array.isArray(value) ? value.map(record) : []);

/** The strings of an array field (`fields`, `locations`). */
export const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];

/** A string or number field as text; `fallback` when it is missing or empty. */
export function text(value: unknown, fallback = '?'): string {
  if (typeof value === 'string' && value.trim() !== '') {
    return value.trim();
  }
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : fallback;
}

export const count = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : 0;

/** `text` preceded by `prefix`, or nothing when the field is missing: for optional tails. */
export const tail = (prefix: string, value: unknown, suffix = ''): string => {
  const shown = text(value, '');
  return shown === '' ? '' : `${prefix}${shown}${suffix}`;
};

export const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

const fractionDigits = (currency: string): number => {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2
    );
  } catch {
    return 2;
  }
};

/** Minor units in the currency's own decimals: 4498 USD is `44.98 USD`, 500 JPY `500 JPY`. */
export function money(minor: unknown, currency: unknown): string {
  const code = text(currency, '');
  const digits = code === '' ? 2 : fractionDigits(code);
  const amount = (count(minor) / 10 ** digits).toFixed(digits);
  return code === '' ? amount : `${amount} ${code}`;
}

/** `2 × TSHIRT-BLK-M, 1 × MUG-1`: at most three, then how many more. */
export function units(lines: readonly Data[], quantityOf = (line: Data) => line.quantity): string {
  const shown = lines
    .filter((line) => count(quantityOf(line)) > 0)
    .map((line) => `${count(quantityOf(line))} × ${text(line.sku)}`);
  if (shown.length === 0) {
    return 'no units';
  }
  return shown.length <= 3
    ? shown.join(', ')
    : `${shown.slice(0, 3).join(', ')} and ${shown.length - 3} more`;
}

export const total = (lines: readonly Data[], quantityOf: (line: Data) => unknown): number =>
  lines.reduce((sum, line) => sum + count(quantityOf(line)), 0);

/** The sentence with a reason after a colon, when there is one. */
export const because = (sentence: string, reason: unknown): string => `${sentence}${tail(': ', reason)}`;

/** One event type's sentence, from the event's `data`. */
export type Summarize = (data: Data) => string;
