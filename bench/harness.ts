/**
 * What every benchmark shares: a PostgreSQL to run against, Ordo as a process of its own on a free
 * port with a bootstrap key, and a small API client for seeding.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { Agent, request } from 'undici';
import { freePort, startThrowawayPostgres } from '../src/db/embedded.js';

export const root = path.resolve(import.meta.dirname, '..');
export const apiKey = `bench-${randomBytes(16).toString('hex')}`;
/** A suffix that keeps one run's codes and SKUs apart from another's on a shared server. */
export const run = randomBytes(3).toString('hex');
export const log = (line: string) => process.stdout.write(`${line}\n`);
const agent = new Agent({ connections: 128 });

export interface BenchDatabase {
  /** The server (any database), e.g. for pgbench. */
  serverUrl: string;
  /** A fresh database of this benchmark's own on it. */
  url: string;
  postgresVersion: string;
  stop(): Promise<void>;
}

/** BENCH_DATABASE_URL's server, else an embedded one; `name` is dropped and created afresh there. */
export async function benchDatabase(name: string): Promise<BenchDatabase> {
  let serverUrl = process.env.BENCH_DATABASE_URL;
  let stop = async () => {};
  if (!serverUrl) {
    const server = await startThrowawayPostgres({
      prefix: 'ordo-bench-',
      log: pino({ level: 'warn' }),
      // BENCH_PG_STATS=1: where PostgreSQL's time goes, per statement (see statementProfile).
      postgresFlags: process.env.BENCH_PG_STATS
        ? ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track_planning=on']
        : [],
    });
    serverUrl = server.url;
    stop = server.stop;
  }
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const postgresVersion = (await admin.query('SHOW server_version')).rows[0].server_version as string;
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { serverUrl, url: url.toString(), postgresVersion, stop };
}

export interface Ordo {
  base: string;
  child: ChildProcess;
  /** Sends SIGTERM and waits for the process to exit. */
  stop(): Promise<void>;
}

/** Starts Ordo on `databaseUrl` and waits until it is ready. BENCH_NODE_ARGS passes flags to its node (e.g. --cpu-prof). */
export async function startOrdo(databaseUrl: string, env: Record<string, string> = {}): Promise<Ordo> {
  const port = await freePort();
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      ORDO_BOOTSTRAP_API_KEY: apiKey,
      LOG_LEVEL: 'warn',
      ORDO_RATE_LIMIT_MAX: '100000000',
      DATABASE_POOL_SIZE: process.env.BENCH_POOL_SIZE ?? '20',
      ...env,
    },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) {
        return { base, child, stop };
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGTERM');
  throw new Error('Ordo did not become ready');
}

/**
 * A webhook receiver on loopback: `answer` gets each request's body and headers once it is read and
 * returns the status to answer with.
 */
export function startReceiver(answer: (body: string, headers: http.IncomingHttpHeaders) => number) {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => res.writeHead(answer(Buffer.concat(chunks).toString('utf8'), req.headers)).end());
  });
  return new Promise<{ url: string; close: () => Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      resolve({
        url: `http://127.0.0.1:${address.port}/hooks`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    }),
  );
}

/** One API call with the bootstrap key; anything but 2xx throws with the answer. */
export async function api(base: string, method: string, url: string, body?: unknown) {
  const res = await request(`${base}${url}`, {
    method: method as 'GET',
    dispatcher: agent,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.body.json()) as Record<string, unknown>;
  if (res.statusCode >= 300) {
    throw new Error(`${method} ${url} -> ${res.statusCode}: ${JSON.stringify(json)}`);
  }
  return json;
}

/** Closes the API client's connections, so the benchmark's process can exit. */
export const closeApi = () => agent.close();

/** The p-th percentile of ascending `sorted`. */
export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/**
 * With BENCH_PG_STATS=1 (embedded server): the statements PostgreSQL spent the most time on since `reset`,
 * as a markdown table. Call with `reset` before a phase and without after it.
 */
export async function statementProfile(databaseUrl: string, { reset = false } = {}): Promise<string> {
  if (!process.env.BENCH_PG_STATS) {
    return '';
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    if (reset) {
      await client.query('SELECT pg_stat_statements_reset()');
      return '';
    }
    const { rows } = await client.query(`
      SELECT calls, round(total_exec_time)::int AS total_ms, round((total_exec_time / nullif(calls, 0))::numeric, 3) AS mean_ms,
             round(total_plan_time)::int AS plan_ms, rows,
             left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS query
        FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       ORDER BY total_exec_time DESC LIMIT 25`);
    const totals = await client.query(`
      SELECT sum(calls)::int AS calls, round(sum(total_exec_time))::int AS exec_ms
        FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`);
    const cell = (text: string) => text.replaceAll('|', '\\|');
    return [
      '| calls | total ms | mean ms | plan ms | rows | statement |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows.map(
        (r) =>
          `| ${r.calls} | ${r.total_ms} | ${r.mean_ms} | ${r.plan_ms} | ${r.rows} | \`${cell(r.query)}\` |`,
      ),
      `| ${totals.rows[0].calls} | ${totals.rows[0].exec_ms} | | | | all statements |`,
    ].join('\n');
  } finally {
    await client.end();
  }
}
