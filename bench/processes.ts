/**
 * `npm run bench:processes`: two Ordo processes on one database behind a round-robin client.
 *
 * Starts an embedded PostgreSQL (or uses BENCH_DATABASE_URL's server) and Ordo on it, each process
 * running every worker (the alert evaluator every second, so two processes race), loads the catalog of
 * `npm run bench`, then:
 * 1. captures orders at concurrency 64 for BENCH_SECONDS against that one process, then starts a second
 *    and captures against both (autocannon gives its connections to the processes in turn);
 * 2. posts every external id twice at once, one copy to each process: exactly one order each;
 * 3. runs the flash sale (5,000 units, BENCH_FLASH_ORDERS orders) over both: nothing oversold;
 * 4. puts 200 levels under their reorder point: each alert raised once, with one `alert.raised` event.
 * Writes the `processes` section of bench/RESULTS.md.
 */
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { channels, flashSale, load, orderBody, type Phase, seed } from './capture-load.js';
import { api, benchDatabase, closeApi, log, root, run, startOrdo } from './harness.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const flashOrders = Number(process.env.BENCH_FLASH_ORDERS ?? 20_000);
const duplicates = 1000;
const reorderLevels = 200;

/** Sends each of `duplicates` new orders to both processes at once; counts the orders each id got. */
async function duplicateRace(bases: string[], catalog: { skus: string[]; kits: string[] }, query: pg.Client) {
  const ids: string[] = [];
  let sameAnswer = 0;
  for (let start = 0; start < duplicates; start += 32) {
    await Promise.all(
      Array.from({ length: Math.min(32, duplicates - start) }, async () => {
        const body = JSON.parse(orderBody(catalog)) as Record<string, unknown>;
        body.external_id = `twice-${run}-${ids.length}`;
        ids.push(String(body.external_id));
        const answers = await Promise.all(bases.map((base) => api(base, 'POST', '/v1/orders', body)));
        if (answers.every((answer) => answer.id === answers[0]?.id)) {
          sameAnswer++;
        }
      }),
    );
  }
  const { rows } = await query.query(
    `SELECT count(*)::int AS orders, count(DISTINCT external_id)::int AS ids
       FROM orders WHERE external_id = ANY($1::text[])`,
    [ids],
  );
  const outcome = { ids: ids.length, orders: rows[0].orders as number, sameAnswer };
  log(`duplicates: ${JSON.stringify(outcome)}`);
  return outcome;
}

/** Sets reorder points above stock on `reorderLevels` levels and waits for both evaluators to pass. */
async function alertRace(base: string, catalog: { skus: string[] }, query: pg.Client) {
  const levels = await query.query(
    `SELECT p.sku, loc.code AS location FROM inventory_levels l
       JOIN products p ON p.id = l.product_id JOIN locations loc ON loc.id = l.location_id
      WHERE p.sku = ANY($1::text[]) ORDER BY l.id LIMIT $2`,
    [catalog.skus, reorderLevels],
  );
  await api(base, 'PUT', '/v1/inventory/reorder-points', {
    items: levels.rows.map((row) => ({ ...row, reorder_point: 1_000_000_000 })),
  });
  // Both processes evaluate every second: a few seconds is several races.
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const { rows } = await query.query(`
    SELECT (SELECT count(*)::int FROM alerts WHERE rule = 'below-reorder-point') AS alerts,
           (SELECT count(*)::int FROM (SELECT 1 FROM alerts WHERE rule = 'below-reorder-point'
                                        GROUP BY subject_id HAVING count(*) > 1) d) AS duplicated,
           (SELECT count(*)::int FROM events WHERE type = 'alert.raised'
                                             AND data->>'rule' = 'below-reorder-point') AS raised_events`);
  const outcome = {
    levels: levels.rowCount ?? 0,
    alerts: rows[0].alerts as number,
    duplicated: rows[0].duplicated as number,
    raisedEvents: rows[0].raised_events as number,
  };
  log(`alerts: ${JSON.stringify(outcome)}`);
  return outcome;
}

async function main() {
  const database = await benchDatabase('ordo_bench_processes');
  const env = { ORDO_ALERTS_INTERVAL_MS: '1000' };
  const first = await startOrdo(database.url, env);
  const processes = [first];
  const query = new pg.Client({ connectionString: database.url });
  await query.connect();
  try {
    const catalog = await seed(first.base);
    await load(first.base, 'warm-up', { connections: 16, duration: 3, body: () => orderBody(catalog) });
    const one = await load(first.base, 'one process, c=64', {
      connections: 64,
      duration: seconds,
      body: () => orderBody(catalog),
    });
    // The second process starts only now: the first phase is one process alone on the machine.
    const second = await startOrdo(database.url, env);
    processes.push(second);
    const bases = [first.base, second.base];
    await load(bases, 'warm-up', { connections: 16, duration: 3, body: () => orderBody(catalog) });
    const two = await load(bases, 'two processes, c=64', {
      connections: 64,
      duration: seconds,
      body: () => orderBody(catalog),
    });
    const twice = await duplicateRace(bases, catalog, query);
    const flash = await flashSale(bases, database.url, flashOrders);
    const alerts = await alertRace(first.base, catalog, query);
    await writeSection({ one, two, twice, flash, alerts, postgresVersion: database.postgresVersion });
  } finally {
    await query.end();
    await Promise.all(processes.map((ordo) => ordo.stop()));
    await closeApi();
    await database.stop();
  }
}

async function writeSection(results: {
  one: Phase;
  two: Phase;
  twice: Awaited<ReturnType<typeof duplicateRace>>;
  flash: Awaited<ReturnType<typeof flashSale>>;
  alerts: Awaited<ReturnType<typeof alertRace>>;
  postgresVersion: string;
}) {
  const { one, two, twice, flash, alerts } = results;
  const row = (p: Phase) =>
    `| ${p.name} | ${p.requests} | **${p.perSecond}** | ${p.p50} | ${p.p95} | ${p.p99} | ${p.shed} | ${p.non2xx - p.shed} |`;
  const section = `<!-- processes:start -->
## Two Ordo processes on one database

Recorded by \`npm run bench:processes\` (bench/processes.ts) on ${new Date().toISOString().slice(0, 10)}.

Command: \`npm run bench:processes\` (BENCH_SECONDS=${seconds}, BENCH_FLASH_ORDERS=${flashOrders})

Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, PostgreSQL ${results.postgresVersion}
(embedded, durable settings). One Ordo process, then two, with every worker running (alerts evaluated
every second by each), the load generator and PostgreSQL share the machine; the client hands its
connections to the processes in turn. The orders are those of the capture benchmark above (${channels.length} channels, 1-5 lines, kits), without its webhook subscriber.

| load | requests | orders/s | p50 | p95 | p99 | shed (503) | other non-2xx |
| --- | --- | --- | --- | --- | --- | --- | --- |
${row(one)}
${row(two)}
${row(flash)}

What must hold with two processes, checked after the load:

| guarantee | measured |
| --- | --- |
| no oversell: flash sale of 5,000 units | ${flash.reserved} reserved, ${flash.oversold} oversold, ${flash.allocatedOrders} orders allocated |
| one order per external id: ${twice.ids} ids, each posted to both processes at once | ${twice.orders} orders; both answers named the same order for ${twice.sameAnswer} of ${twice.ids} |
| no duplicate alerts: ${alerts.levels} levels under their reorder point, both evaluators racing | ${alerts.alerts} alerts, ${alerts.duplicated} duplicated, ${alerts.raisedEvents} \`alert.raised\` events |
<!-- processes:end -->`;
  const file = path.join(root, 'bench', 'RESULTS.md');
  const previous = await readFile(file, 'utf8').catch(() => '');
  const marked = /<!-- processes:start -->[\s\S]*<!-- processes:end -->/;
  await writeFile(
    file,
    marked.test(previous) ? previous.replace(marked, section) : `${previous.trimEnd()}\n\n${section}\n`,
  );
  log('wrote the processes section of bench/RESULTS.md');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
