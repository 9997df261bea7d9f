import { stringify } from 'csv-stringify/sync';
import Negotiator from 'negotiator';

/** Pure: which format a client accepts, and a report table as CSV. No database, no HTTP server. */

export type ReportFormat = 'json' | 'csv';

const mediaTypes: Record<string, ReportFormat> = { 'application/json': 'json', 'text/csv': 'csv' };

/**
 * The format the `Accept` header prefers (quality values, wildcards and specificity as RFC 9110 says):
 * JSON when it is absent, when it ranks JSON first or equal (`*\/*`), or when it accepts neither.
 */
export function negotiateFormat(accept: string | undefined): ReportFormat {
  if (accept === undefined || accept.trim() === '') {
    return 'json';
  }
  const best = new Negotiator({ headers: { accept } }).mediaType(Object.keys(mediaTypes));
  return best === undefined ? 'json' : (mediaTypes[best] ?? 'json');
}

export const csvContentType = 'text/csv; charset=utf-8; header=present';

/**
 * RFC 4180 CSV: a header row of `columns`, then one record per row, CRLF line ends, fields quoted when
 * they hold a comma, a quote or a line break (quotes doubled). null is an empty field; booleans are
 * `true`/`false`; numbers as JSON writes them.
 */
export function toCsv(columns: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): string {
  return stringify(
    rows.map((row) => columns.map((column) => row[column] ?? null)),
    {
      header: true,
      columns: [...columns],
      record_delimiter: 'windows',
      cast: { boolean: (value) => (value ? 'true' : 'false'), number: (value) => String(value) },
    },
  );
}
