import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';

/**
 * The rows of an import file, streamed (bounded memory at any size): CSV with a header line, or JSONL
 * (one object a line). Each row keeps its 1-based number in the file's data rows, for the errors file
 * and `--resume`.
 */

export type Format = 'csv' | 'jsonl';
export type Row = Record<string, unknown>;

export const formatOf = (file: string, given?: string): Format => {
  const format = given ?? (/\.jsonl?$/i.test(file) ? 'jsonl' : 'csv');
  if (format !== 'csv' && format !== 'jsonl') {
    throw new Error(`unknown format ${format} (csv or jsonl)`);
  }
  return format;
};

/** Each row as an object, or the reason it could not be read. */
export async function* readRows(file: string, format: Format): AsyncGenerator<Row | { unreadable: string }> {
  if (format === 'csv') {
    const parser = createReadStream(file).pipe(
      parse({ columns: true, skip_empty_lines: true, trim: true, bom: true, relax_column_count: true }),
    );
    for await (const record of parser) {
      yield record as Row;
    }
    return;
  }
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() === '') {
      continue;
    }
    try {
      const value: unknown = JSON.parse(line);
      yield typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (value as Row)
        : { unreadable: 'the line is not a JSON object' };
    } catch {
      yield { unreadable: 'the line is not valid JSON' };
    }
  }
}

/** How many data rows the file has (a quick streaming pass, for the progress bar's ETA). */
export async function countRows(file: string, format: Format): Promise<number> {
  let rows = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() !== '') {
      rows++;
    }
  }
  // Approximate for CSV with quoted newlines; only the ETA uses it.
  return format === 'csv' ? Math.max(0, rows - 1) : rows;
}

const integer = (value: unknown) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const list = (value: unknown) =>
  typeof value === 'string'
    ? value
        .split(/[;|]/)
        .map((part) => part.trim())
        .filter(Boolean)
    : value;
const boolean = (value: unknown) => (value === 'true' ? true : value === 'false' ? false : value);

/** A stock row as the count feed takes it (CSV columns: sku, location, on_hand). */
export const stockItem = (row: Row) => ({
  sku: row.sku,
  location: row.location,
  on_hand: integer(row.on_hand),
});

/** A product as the bulk products endpoint takes it (CSV: sku, name, barcodes, tags as `a;b`, weight_grams, active). */
export function productItem(row: Row): Row {
  const product: Row = {};
  for (const [key, value] of Object.entries(row)) {
    if (value === '' || value === undefined) {
      continue;
    }
    product[key] =
      key === 'barcodes' || key === 'tags'
        ? list(value)
        : key === 'weight_grams'
          ? integer(value)
          : key === 'active'
            ? boolean(value)
            : value;
  }
  return product;
}
