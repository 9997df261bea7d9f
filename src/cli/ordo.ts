#!/usr/bin/env -S node --import tsx
import { parseArgs } from 'node:util';
import { type ImportKind, maxBatch, runImport } from './bulk-import.js';
import { runExport } from './export.js';
import { formatOf } from './rows.js';

/**
 * `ordo import products|stock|orders FILE …` and `ordo export orders …` (usage below) against a running
 * Ordo: `ORDO_URL` (default http://127.0.0.1:3000) and `ORDO_API_KEY` from the
 * environment. Exit code 0 when every row was imported, 2 when some went to the errors file, 1 when
 * the import stopped (run it again with `--resume`).
 */

const usage = `usage: ordo import products|stock|orders FILE [--format csv|jsonl] [--errors FILE] [--resume] [--batch N]
       ordo export orders [--out FILE] [--format jsonl|csv] [--channel C] [--status S] [--placed-from T] [--placed-to T]`;

const exportFilters = ['channel', 'status', 'placed-from', 'placed-to'] as const;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      errors: { type: 'string' },
      resume: { type: 'boolean', default: false },
      batch: { type: 'string' },
      out: { type: 'string' },
      channel: { type: 'string' },
      status: { type: 'string' },
      'placed-from': { type: 'string' },
      'placed-to': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      `${usage}\n(ORDO_URL, default http://127.0.0.1:3000, and ORDO_API_KEY from the environment)\n`,
    );
    return 0;
  }
  const [command, kind, file] = positionals;
  const apiKey = process.env.ORDO_API_KEY;
  if (!apiKey) {
    process.stderr.write('ORDO_API_KEY is not set: export ORDO_API_KEY=<an API key> (see `ordo --help`)\n');
    return 1;
  }
  const url = process.env.ORDO_URL ?? 'http://127.0.0.1:3000';
  const timeoutMs = Number(process.env.ORDO_TIMEOUT_MS ?? 120_000);
  if (command === 'export' && kind === 'orders') {
    const format = values.format ?? (values.out && /\.csv$/i.test(values.out) ? 'csv' : 'jsonl');
    if (format !== 'csv' && format !== 'jsonl') {
      throw new Error(`unknown format ${format} (jsonl or csv)`);
    }
    const filters = Object.fromEntries(
      exportFilters.flatMap((name) =>
        values[name] === undefined ? [] : [[name.replace('-', '_'), String(values[name])]],
      ),
    );
    const result = await runExport({ url, apiKey, timeoutMs, format, out: values.out, filters });
    process.stderr.write(`${JSON.stringify(result)}\n`);
    return 0;
  }
  if (
    command !== 'import' ||
    (kind !== 'products' && kind !== 'stock' && kind !== 'orders') ||
    file === undefined
  ) {
    process.stderr.write(`${usage}\n`);
    return 1;
  }
  const format = formatOf(file, values.format);
  if (kind === 'orders' && format !== 'jsonl') {
    process.stderr.write(
      'ordo: orders are imported from JSONL: one order a line, as POST /v1/orders takes it\n',
    );
    return 1;
  }
  const limit = maxBatch[kind as ImportKind];
  const batchSize = Math.min(limit, Math.max(1, Number(values.batch ?? limit) || limit));
  const result = await runImport({
    kind,
    file,
    format,
    errorsFile: values.errors ?? `${file}.errors.jsonl`,
    resume: values.resume ?? false,
    batchSize,
    url,
    apiKey,
    timeoutMs,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result.failed > 0 ? 2 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`ordo: ${(err as Error).message}\n${usage}\n`);
    process.exitCode = 1;
  },
);
