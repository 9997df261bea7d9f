/**
 * `npm run bench:reports`: every report over a million orders, over HTTP, against a real PostgreSQL.
 *
 * Starts an embedded PostgreSQL (or uses BENCH_DATABASE_URL's server), migrates a fresh database,
 * generates BENCH_ORDERS orders (default 1,000,000) with their lines, shipments, reservations,
 * returns, refunds and holds in SQL (bench/reports-data.ts), starts Ordo as its own process and times
 * each report BENCH_RUNS times (default 5, after one warm-up) for windows of BENCH_WINDOWS days
 * (default 90 and 365, ending today in America/New_York). Writes bench/REPORTS-RESULTS.md.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { request } from 'undici';
import { runMigrations } from '../src/db/migrate.js';
import { apiKey, benchDatabase, log, percentile, root, startOrdo } from './harness.js';
import { generateReportData } from './reports-data.js';

const orders = Number(process.env.BENCH_ORDERS ?? 1_000_000);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const windows = (process.env.BENCH_WINDOWS ?? '90,365').split(',').map(Number);
const reports = ['orders', 'fulfillment', 'backlog', 'inventory', 'returns', 'holds'];
const timeZone = 'America/New_York';

interface Timing {
  report: string;
  days: number;
  p50: number;
  max: number;
  bytes: number;
  csvMs: number;
}

const today = () =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(),
  );

async function timed(url: string, accept = 'application/json') {
  const started = performance.now();
  const res = await request(url, { headers: { authorization: `Bearer ${apiKey}`, accept } });
  const body = await res.body.text();
  const ms = performance.now() - started;
  if (res.statusCode !== 200) {
    throw new Error(`${url} -> ${res.statusCode}: ${body.slice(0, 500)}`);
  }
  return { ms, bytes: Buffer.byteLength(body) };
}

async function measure(base: string): Promise<Timing[]> {
  const to = today();
  const timings: Timing[] = [];
  for (const days of windows) {
    const from = new Date(Date.parse(`${to}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
    for (const report of reports) {
      const url = `${base}/v1/reports/${report}?from=${from}&to=${to}&time_zone=${encodeURIComponent(timeZone)}`;
      await timed(url); // warm-up
      const samples: number[] = [];
      let bytes = 0;
      for (let i = 0; i < runs; i++) {
        const result = await timed(url);
        samples.push(result.ms);
        bytes = result.bytes;
      }
      samples.sort((a, b) => a - b);
      const csv: number[] = [];
      for (let i = 0; i < runs; i++) {
        csv.push((await timed(url, 'text/csv')).ms);
      }
      const csvMs = percentile(
        csv.sort((a, b) => a - b),
        50,
      );
      const timing = { report, days, p50: percentile(samples, 50), max: samples.at(-1) ?? 0, bytes, csvMs };
      log(
        `${report.padEnd(12)} ${String(days).padStart(3)} days: p50 ${timing.p50.toFixed(0)} ms, max ${timing.max.toFixed(0)} ms, ${(bytes / 1024).toFixed(0)} KiB (CSV ${csvMs.toFixed(0)} ms)`,
      );
      timings.push(timing);
    }
  }
  return timings;
}

function resultsPage(input: {
  timings: Timing[];
  counts: Record<string, number>;
  generationSeconds: number;
  postgresVersion: string;
  load: { before: number[]; after: number[] };
}) {
  const cpus = os.cpus();
  const rows = input.timings.map(
    (t) =>
      `| ${t.report} | ${t.days} | ${t.p50.toFixed(0)} | ${t.max.toFixed(0)} | ${(t.bytes / 1024).toFixed(0)} | ${t.csvMs.toFixed(0)} |`,
  );
  const slowest = Math.max(...input.timings.map((t) => t.max));
  return `# Reports benchmark

\`BENCH_ORDERS=${orders} BENCH_RUNS=${runs} BENCH_WINDOWS=${windows.join(',')} npm run bench:reports\`, run on
${new Date().toISOString().slice(0, 10)}: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB,
${os.type()} ${os.release()}, Node ${process.version}, PostgreSQL ${input.postgresVersion} (embedded, default settings).

Data generated in SQL in ${input.generationSeconds.toFixed(0)} s (indexes built after the load):
${Object.entries(input.counts)
  .map(([table, count]) => `${table} ${count.toLocaleString('en-US')}`)
  .join(', ')}.

Each report over HTTP (JSON, \`time_zone=${timeZone}\`, window ending today), ${runs} runs after a warm-up,
one at a time; milliseconds from request to the last byte. The slowest run of all: **${slowest.toFixed(0)} ms**.
Load average (1, 5, 15 min) when the timing started: ${input.load.before.map((l) => l.toFixed(2)).join(', ')}; when it
ended: ${input.load.after.map((l) => l.toFixed(2)).join(', ')} (on ${cpus.length} cores: above ${cpus.length}, other work was
competing for the CPU and the figures are that much slower).

| Report | Days | p50 ms | max ms | JSON KiB | CSV p50 ms |
| --- | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}
`;
}

/**
 * Waits (up to 3 minutes) until the 1-minute load average is under 1: the load leaves PostgreSQL's
 * background work (autovacuum's analyses, the writer) running for a while, and those seconds would be
 * timed as the reports'.
 */
async function settle() {
  const until = Date.now() + 180_000;
  while (os.loadavg()[0] >= 1 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
  log(`load average ${os.loadavg()[0].toFixed(2)}: timing`);
}

async function main() {
  const database = await benchDatabase('ordo_bench_reports');
  let ordo: Awaited<ReturnType<typeof startOrdo>> | undefined;
  try {
    await runMigrations(database.url);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    log(`generating ${orders.toLocaleString('en-US')} orders…`);
    const started = Date.now();
    const counts = await generateReportData(client, { orders, log });
    const generationSeconds = (Date.now() - started) / 1000;
    await client.end();
    log(`generated in ${generationSeconds.toFixed(0)} s: ${JSON.stringify(counts)}`);
    ordo = await startOrdo(database.url);
    await settle();
    const before = os.loadavg();
    const timings = await measure(ordo.base);
    const load = { before, after: os.loadavg() };
    const page = resultsPage({
      timings,
      counts,
      generationSeconds,
      postgresVersion: database.postgresVersion,
      load,
    });
    await writeFile(path.join(root, 'bench', 'REPORTS-RESULTS.md'), page);
    log('wrote bench/REPORTS-RESULTS.md');
  } finally {
    await ordo?.stop();
    await database.stop();
  }
}

await main();
