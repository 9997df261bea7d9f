import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { request } from 'undici';
import { progress } from './progress.js';

/**
 * `ordo export orders`: every order (matching the filters) page by page from `GET /v1/orders`, written
 * as JSONL (the orders as the API shows them) or CSV (one summary line per order). Memory holds one page.
 */

export interface ExportOptions {
  url: string;
  apiKey: string;
  timeoutMs: number;
  format: 'jsonl' | 'csv';
  /** A file, or standard output when undefined. */
  out: string | undefined;
  filters: Record<string, string>;
}

type Order = Record<string, unknown> & {
  customer?: { email?: string } | null;
  totals?: { total?: number } | null;
  lines?: unknown[];
};

const csvColumns = [
  'id',
  'number',
  'channel',
  'external_id',
  'status',
  'placed_at',
  'currency',
  'total',
  'customer_email',
  'lines',
];

const csvLine = (order: Order) =>
  stringify([
    [
      order.id,
      order.number,
      order.channel,
      order.external_id,
      order.status,
      order.placed_at,
      order.currency,
      order.totals?.total ?? '',
      order.customer?.email ?? '',
      order.lines?.length ?? 0,
    ],
  ]);

async function page(options: ExportOptions, cursor: string | null) {
  const query = new URLSearchParams({ ...options.filters, limit: '500', ...(cursor ? { cursor } : {}) });
  for (let attempt = 0; ; attempt++) {
    const response = await request(new URL(`/v1/orders?${query}`, options.url), {
      headers: { authorization: `Bearer ${options.apiKey}` },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    const body = (await response.body.json()) as {
      data?: Order[];
      next_cursor?: string | null;
      detail?: string;
    };
    if (response.statusCode < 300) {
      return { data: body.data ?? [], next: body.next_cursor ?? null };
    }
    if ((response.statusCode === 429 || response.statusCode >= 500) && attempt < 6) {
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
      continue;
    }
    throw new Error(`Ordo answered ${response.statusCode}: ${body.detail ?? ''}`);
  }
}

async function put(out: Writable, text: string) {
  if (!out.write(text)) {
    await once(out, 'drain');
  }
}

export async function runExport(options: ExportOptions): Promise<{ orders: number }> {
  const out: Writable = options.out ? createWriteStream(options.out) : process.stdout;
  const bar = progress('export orders', 0);
  let count = 0;
  if (options.format === 'csv') {
    await put(out, stringify([csvColumns]));
  }
  let cursor: string | null = null;
  do {
    const { data, next } = await page(options, cursor);
    for (const order of data) {
      await put(out, options.format === 'csv' ? csvLine(order) : `${JSON.stringify(order)}\n`);
    }
    count += data.length;
    bar.update(count);
    cursor = next;
  } while (cursor);
  bar.stop(count);
  if (options.out) {
    out.end();
    await once(out, 'finish');
  }
  return { orders: count };
}
