import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { type EmbeddedServer, startEmbeddedPostgres } from '../../src/db/embedded.js';
import { runMigrations } from '../../src/db/migrate.js';

/** A PostgreSQL server of the test's own, to stop, restart and pause while Ordo runs on it. */
export interface OwnPostgres {
  /** The migrated `ordo` database on it. */
  url: string;
  /** Stops the server (a fast shutdown: open sessions are ended with 57P01 admin_shutdown). */
  stop(): Promise<void>;
  /** Starts it again, on the same port and data. */
  start(): Promise<void>;
  /** Freezes the server (SIGSTOP to the postmaster and every process it started): nothing answers. */
  pause(): Promise<void>;
  /** Lets a paused server run on (SIGCONT). */
  resume(): void;
  /** Resumes, stops and deletes it. */
  close(): Promise<void>;
}

const log = pino({ level: 'silent' });
// A throwaway cluster: durability settings off, as in the suite's own server.
const postgresFlags = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];

/** The postmaster's pid: the first line of postmaster.pid. */
const postmasterPid = async (dataDir: string) =>
  Number((await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);

/** The processes the postmaster started: backends and the server's own workers. */
const childrenOf = async (pid: number) =>
  (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).split(' ').filter(Boolean).map(Number);

/** Sends `signal`, unless the process has exited meanwhile (a backend whose client left). */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ESRCH') {
      throw err;
    }
  }
}

/** Starts an embedded PostgreSQL in a temporary folder with a migrated `ordo` database. */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-fault-pg-'));
  let server: EmbeddedServer | undefined = await startEmbeddedPostgres({
    dataDir,
    port: 0,
    log,
    postgresFlags,
  });
  const url = server.url;
  const port = Number(new URL(url).port);
  await runMigrations(url);
  let paused: number[] = [];

  const own: OwnPostgres = {
    url,
    async stop() {
      await server?.stop();
      server = undefined;
    },
    async start() {
      server = await startEmbeddedPostgres({ dataDir, port, log, postgresFlags });
    },
    async pause() {
      // The postmaster first, so it starts no new process while the others are being stopped.
      const postmaster = await postmasterPid(dataDir);
      signal(postmaster, 'SIGSTOP');
      paused = [postmaster, ...(await childrenOf(postmaster))];
      for (const pid of paused.slice(1)) {
        signal(pid, 'SIGSTOP');
      }
    },
    resume() {
      for (const pid of paused.reverse()) {
        signal(pid, 'SIGCONT');
      }
      paused = [];
    },
    async close() {
      own.resume();
      await own.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return own;
}
