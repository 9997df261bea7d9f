/** Shopify money strings ("54.70") to integer minor units by the currency's exponent. Pure. */

/** A delivery Ordo cannot read at all: it goes to the connector's inbox with this reason. */
export class UnreadableDelivery extends Error {}

const exponents = new Map<string, number>();

/** Digits after the decimal point in `currency` (JPY 0, USD 2, KWD 3), from the ICU data Node ships. */
export function currencyExponent(currency: string): number {
  const known = exponents.get(currency);
  if (known !== undefined) {
    return known;
  }
  let digits: number | undefined;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits;
  } catch {
    digits = undefined;
  }
  if (digits === undefined || !/^[A-Z]{3}$/.test(currency)) {
    throw new UnreadableDelivery(`"${currency}" is not an ISO 4217 currency`);
  }
  exponents.set(currency, digits);
  return digits;
}

const decimal = /^(\d{1,15})(?:\.(\d{1,12}))?$/;

/**
 * "25.00" in USD -> 2500; "1500" in JPY -> 1500. Exact (no floating point); a value with more
 * significant decimals than the currency has, or that is not a plain non-negative decimal, is unreadable.
 */
export function toMinor(value: unknown, currency: string, field: string): number {
  const text = typeof value === 'number' ? String(value) : value;
  const match = typeof text === 'string' ? decimal.exec(text.trim()) : null;
  if (!match) {
    throw new UnreadableDelivery(`${field}: ${JSON.stringify(value)} is not an amount`);
  }
  const exponent = currencyExponent(currency);
  const [, whole = '0', fraction = ''] = match;
  const extra = fraction.slice(exponent);
  if (/[1-9]/.test(extra)) {
    throw new UnreadableDelivery(`${field}: ${text} has more decimals than ${currency} allows`);
  }
  return Number(whole + fraction.slice(0, exponent).padEnd(exponent, '0'));
}
