import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { appendFile, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { sendOrders } from './order-import.js';
import { type Pending, post } from './ordo-client.js';
import { progress } from './progress.js';
import { countRows, type Format, productItem, type Row, readRows, stockItem } from './rows.js';

/**
 * `ordo import products|stock|orders FILE`: the file's rows in batches through the bulk endpoints of a
 * running Ordo (orders, which have none, through capture: see order-import.ts). Stock rows are counts (absolute on hand) sent with a reference made of the file's hash and the
 * batch number, so re-running the same file changes nothing; products are upserted as given. A row
 * Ordo refuses goes to the errors file with the reason and the batch is sent again without it. After
 * each batch the checkpoint file records the rows done: `--resume` continues from there.
 */

export type ImportKind = 'products' | 'stock' | 'orders';

export interface ImportOptions {
  kind: ImportKind;
  file: string;
  format: Format;
  errorsFile: string;
  resume: boolean;
  batchSize: number;
  url: string;
  apiKey: string;
  timeoutMs: number;
}

export interface ImportResult {
  rows: number;
  imported: number;
  failed: number;
  skipped: number;
}

const endpoints: Record<
  Exclude<ImportKind, 'orders'>,
  { path: string; field: string; item: (row: Row) => Row }
> = {
  products: { path: '/v1/products/bulk', field: 'products', item: productItem },
  stock: { path: '/v1/inventory/counts', field: 'items', item: stockItem },
};

/** Largest batch each endpoint takes (orders: rows between two checkpoints, captured one by one). */
export const maxBatch: Record<ImportKind, number> = { products: 5000, stock: 10_000, orders: 500 };

const checkpointOf = (file: string) => `${file}.ordo-import.json`;

async function fileHash(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex').slice(0, 24);
}

interface Sent {
  ok: boolean;
  /** Index in the batch -> reason, for rows Ordo refused. */
  refused: Map<number, string>;
}

/** One batch, retried on 429, 5xx and network errors (growing waits); refused rows are named by index. */
async function send(options: ImportOptions, path: string, body: object, field: string): Promise<Sent> {
  for (let attempt = 0; ; attempt++) {
    let answer: { status: number; json: unknown };
    try {
      answer = await post(options, path, body);
    } catch (err) {
      if (attempt >= 6) {
        throw new Error(`Ordo unreachable: ${(err as Error).message}`);
      }
      await sleep(500 * 2 ** attempt);
      continue;
    }
    if (answer.status < 300) {
      return { ok: true, refused: new Map() };
    }
    if ((answer.status === 429 || answer.status >= 500) && attempt < 6) {
      await sleep(500 * 2 ** attempt);
      continue;
    }
    const problem = answer.json as { detail?: string; errors?: Array<{ pointer?: string; detail?: string }> };
    const refused = new Map<number, string>();
    for (const error of problem?.errors ?? []) {
      const match = new RegExp(`^/${field}/(\\d+)(/.*)?$`).exec(error.pointer ?? '');
      if (match) {
        const index = Number(match[1]);
        const reason = `${match[2] ? `${match[2].slice(1)}: ` : ''}${error.detail ?? 'refused'}`;
        refused.set(index, refused.has(index) ? `${refused.get(index)}; ${reason}` : reason);
      }
    }
    if (answer.status === 422 && refused.size > 0) {
      return { ok: false, refused };
    }
    throw new Error(`Ordo answered ${answer.status}: ${problem?.detail ?? JSON.stringify(answer.json)}`);
  }
}

/** Sends one batch; refused rows go to the errors file and the rest is sent again. Returns rows failed. */
async function sendBatch(options: ImportOptions, batch: Pending[], reference: string): Promise<number> {
  if (options.kind === 'orders') {
    return sendOrders(options, batch);
  }
  const { path, field, item } = endpoints[options.kind];
  let rows = batch;
  let failed = 0;
  while (rows.length > 0) {
    const items = rows.map((pending) => item(pending.row));
    const body = options.kind === 'stock' ? { reference, items } : { [field]: items };
    const sent = await send(options, path, body, field);
    if (sent.ok) {
      return failed;
    }
    const lines = [...sent.refused].map(([index, reason]) => {
      const pending = rows[index] as Pending;
      return `${JSON.stringify({ row: pending.number, reason, data: pending.row })}\n`;
    });
    await appendFile(options.errorsFile, lines.join(''));
    failed += sent.refused.size;
    rows = rows.filter((_, index) => !sent.refused.has(index));
  }
  return failed;
}

export async function runImport(options: ImportOptions): Promise<ImportResult> {
  const hash = await fileHash(options.file);
  const checkpointFile = checkpointOf(options.file);
  let start = 0;
  if (options.resume && existsSync(checkpointFile)) {
    const saved = JSON.parse(await readFile(checkpointFile, 'utf8')) as {
      hash: string;
      rows: number;
      batch: number;
    };
    if (saved.hash !== hash) {
      throw new Error('the file changed since the interrupted import: --resume needs the same file');
    }
    start = saved.rows;
    options.batchSize = saved.batch;
  } else {
    await writeFile(options.errorsFile, '');
  }
  const total = await countRows(options.file, options.format);
  const bar = progress(`import ${options.kind}`, total);
  const result: ImportResult = { rows: 0, imported: 0, failed: 0, skipped: start };
  let batch: Pending[] = [];
  const flush = async () => {
    const number = Math.floor(Math.max(0, result.rows - 1) / options.batchSize);
    const failed = await sendBatch(options, batch, `import-${hash}-${options.batchSize}-${number}`);
    result.failed += failed;
    result.imported += batch.length - failed;
    batch = [];
    // Written aside, then renamed over the old one: a kill mid-write never leaves half a checkpoint.
    await writeFile(
      `${checkpointFile}.tmp`,
      JSON.stringify({ hash, rows: result.rows, batch: options.batchSize }),
    );
    await rename(`${checkpointFile}.tmp`, checkpointFile);
    bar.update(result.rows);
  };
  for await (const row of readRows(options.file, options.format)) {
    result.rows++;
    if (result.rows <= start) {
      continue;
    }
    if ('unreadable' in row) {
      await appendFile(
        options.errorsFile,
        `${JSON.stringify({ row: result.rows, reason: row.unreadable })}\n`,
      );
      result.failed++;
    } else {
      batch.push({ number: result.rows, row });
    }
    if (result.rows % options.batchSize === 0) {
      await flush();
    }
  }
  if (batch.length > 0 || result.rows % options.batchSize !== 0) {
    await flush();
  }
  bar.stop(result.rows);
  await rm(checkpointFile, { force: true });
  return result;
}
