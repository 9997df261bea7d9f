// Numbers, money, times and ages for people.

export function money(minor, currency) {
  if (minor === null || minor === undefined) {
    return '—';
  }
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

export const time = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

/** "3 d 4 h", "2 h 5 min", "7 min" from milliseconds. */
export function duration(ms) {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) {
    return `${days} d ${hours} h`;
  }
  return hours > 0 ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
}

export const age = (iso, now = Date.now()) => duration(now - new Date(iso).getTime());

export const words = (code) => String(code ?? '').replaceAll('_', ' ');

/** One line of an address, the parts that are there. */
export const addressLine = (a) =>
  a
    ? [a.name, a.company, a.line1, a.line2, a.city, a.region, a.postal_code, a.country]
        .filter(Boolean)
        .join(', ')
    : '—';
