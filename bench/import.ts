/**
 * `ordo import stock` of 1,000,000 rows (100,000 SKUs x 10 locations, CSV) through a running Ordo on
 * an embedded PostgreSQL (or BENCH_DATABASE_URL), as a real CLI process. The products are imported
 * first with `ordo import products` (JSONL). Rows: BENCH_IMPORT_SKUS x 10 (default 100,000 x 10).
 * Writes bench/IMPORT-RESULTS.md.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { api, apiKey, benchDatabase, closeApi, log, root, run, startOrdo } from './harness.js';

const skus = Number(process.env.BENCH_IMPORT_SKUS ?? 100_000);
const locationCount = 10;

async function write(file: string, lines: Iterable<string>) {
  const out = createWriteStream(file);
  for (const line of lines) {
    if (!out.write(`${line}\n`)) {
      await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'finish');
}

function cli(base: string, args: string[]): Promise<{ seconds: number; out: string; peakRssMb: number }> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/ordo.ts', ...args], {
    cwd: root,
    env: { ...process.env, ORDO_URL: base, ORDO_API_KEY: apiKey },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  let peakRssMb = 0;
  const sampler = setInterval(async () => {
    try {
      const status = await import('node:fs/promises').then((fs) =>
        fs.readFile(`/proc/${child.pid}/status`, 'utf8'),
      );
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      peakRssMb = Math.max(peakRssMb, rss);
    } catch {
      // exited
    }
  }, 200);
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      clearInterval(sampler);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) {
        reject(new Error(`ordo ${args.join(' ')} exited ${code}: ${out}`));
      } else {
        resolve({ seconds, out: out.trim(), peakRssMb: Math.round(peakRssMb) });
      }
    }),
  );
}

async function main() {
  const db = await benchDatabase(`ordo_bench_import_${run}`);
  const ordo = await startOrdo(db.url);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ordo-bench-import-'));
  try {
    const locations: string[] = [];
    for (let i = 0; i < locationCount; i++) {
      const code = `IMP-${run}-${i}`;
      await api(ordo.base, 'POST', '/v1/locations', {
        code,
        name: code,
        kind: 'warehouse',
        address: {
          line1: '350 5th Ave',
          city: 'New York',
          region: 'NY',
          postal_code: '10118',
          country: 'US',
        },
      });
      locations.push(code);
    }
    const products = path.join(dir, 'products.jsonl');
    const stock = path.join(dir, 'stock.csv');
    const sku = (i: number) => `IMP-${run}-${i}`;
    await write(
      products,
      (function* () {
        for (let i = 0; i < skus; i++) {
          yield JSON.stringify({ sku: sku(i), name: `Import ${i}` });
        }
      })(),
    );
    await write(
      stock,
      (function* () {
        yield 'sku,location,on_hand';
        for (let i = 0; i < skus; i++) {
          for (const [j, location] of locations.entries()) {
            yield `${sku(i)},${location},${(i * 7 + j) % 50}`;
          }
        }
      })(),
    );
    log(`importing ${skus} products, then ${skus * locationCount} stock rows`);
    const productRun = await cli(ordo.base, ['import', 'products', products]);
    const stockRun = await cli(ordo.base, ['import', 'stock', stock]);
    const again = await cli(ordo.base, ['import', 'stock', stock]);
    const rate = (rows: number, seconds: number) => Math.round(rows / seconds).toLocaleString('en-US');
    const report = `# Bulk import benchmark

\`npm run bench:import\` (bench/import.ts): \`ordo import\` as a real process against a real Ordo process on
PostgreSQL ${db.postgresVersion}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), shared with other work.
Recorded ${new Date().toISOString()}.

| Run | Rows | Seconds | Rows/s | Peak CLI RSS |
| --- | ---: | ---: | ---: | ---: |
| \`import products\` (JSONL, batches of 5,000) | ${skus.toLocaleString('en-US')} | ${productRun.seconds.toFixed(1)} | ${rate(skus, productRun.seconds)} | ${productRun.peakRssMb} MB |
| \`import stock\` (CSV, ${locationCount} locations, batches of 10,000 counts) | ${(skus * locationCount).toLocaleString('en-US')} | ${stockRun.seconds.toFixed(1)} | ${rate(skus * locationCount, stockRun.seconds)} | ${stockRun.peakRssMb} MB |
| the same stock file again (every batch's reference already applied: nothing changes) | ${(skus * locationCount).toLocaleString('en-US')} | ${again.seconds.toFixed(1)} | ${rate(skus * locationCount, again.seconds)} | ${again.peakRssMb} MB |

Results: products ${productRun.out}; stock ${stockRun.out}; again ${again.out}.
The CLI streams the file (csv-parse, readline) and holds one batch at a time, so its memory does not grow with the file.
`;
    await writeFile(path.join(root, 'bench', 'IMPORT-RESULTS.md'), report);
    log(report);
  } finally {
    await ordo.stop();
    await closeApi();
    await db.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
