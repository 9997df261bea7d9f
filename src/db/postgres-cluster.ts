import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { StartupError } from '../process/startup-error.js';
import type { ServerUser } from './server-user.js';

export interface ClusterOptions {
  initdb: string;
  /** Where the cluster lives, `<data folder>/pg`. */
  clusterDir: string;
  /** The `postgres` superuser's password. */
  password: string;
  /** Set when running as root: the user the server runs as, who owns the cluster. */
  user: ServerUser | undefined;
  log: Logger;
}

const stagingPrefix = (clusterDir: string) => `${path.basename(clusterDir)}.initdb-`;

/**
 * Creates the cluster unless it exists. initdb works in a staging folder beside it, renamed into place
 * once complete: a failed or interrupted initdb never leaves a half-made cluster that the next start
 * would take for a real one. Staging folders of an earlier, interrupted start are removed.
 */
export async function ensureCluster(options: ClusterOptions): Promise<void> {
  const { clusterDir, log } = options;
  const parent = path.dirname(clusterDir);
  for (const entry of await readdir(parent)) {
    if (entry.startsWith(stagingPrefix(clusterDir))) {
      await rm(path.join(parent, entry), { recursive: true, force: true });
    }
  }
  if (existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    return;
  }
  if (existsSync(clusterDir)) {
    // An empty folder is what a failed initdb of an earlier Ordo version left.
    await rmdir(clusterDir).catch(() => {
      throw new StartupError(
        `${clusterDir} is not a PostgreSQL cluster (it has no PG_VERSION); move it away, or set ORDO_DATA_DIR to another folder`,
      );
    });
  }
  log.info({ dir: clusterDir }, 'initialising the embedded PostgreSQL cluster');
  const staging = await mkdtemp(path.join(parent, stagingPrefix(clusterDir)));
  const passwordDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-initdb-'));
  try {
    const passwordFile = path.join(passwordDir, 'password');
    await writeFile(passwordFile, `${options.password}\n`, { mode: 0o600 });
    if (options.user) {
      for (const owned of [staging, passwordDir, passwordFile]) {
        await chown(owned, options.user.uid, options.user.gid);
      }
    }
    await runInitdb(options, staging, passwordFile);
    await rename(staging, clusterDir);
  } finally {
    await rm(staging, { recursive: true, force: true });
    await rm(passwordDir, { recursive: true, force: true });
  }
}

/** initdb: UTF-8 with the built-in C.UTF-8 locale, so the cluster is the same whatever locales the system has. */
function runInitdb({ initdb, user, clusterDir }: ClusterOptions, dir: string, passwordFile: string) {
  const args = [
    `--pgdata=${dir}`,
    '--username=postgres',
    `--pwfile=${passwordFile}`,
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C',
    '--locale-provider=builtin',
    '--builtin-locale=C.UTF-8',
    '--no-instructions',
  ];
  return new Promise<void>((resolve, reject) => {
    const child = spawn(initdb, args, {
      cwd: path.dirname(dir),
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) {
        resolve();
        return;
      }
      const lines = stderr.split('\n').filter((line) => line.trim() !== '');
      const reason = lines.find((line) => /error|fatal/i.test(line)) ?? lines.at(-1) ?? `exit code ${code}`;
      reject(new Error(`the embedded PostgreSQL could not create its cluster in ${clusterDir}: ${reason}`));
    });
  });
}
