import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import pino from 'pino';
import { inject } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Clock } from '../../src/clock.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createDatabase, type Db } from '../../src/db/client.js';
import { createReadReplica, type ReadReplica } from '../../src/db/read-replica.js';
import { routedDatabase } from '../../src/db/read-routing.js';
import type { Scope } from '../../src/http/caller.js';
import { createApiKeyService, generateSecret } from '../../src/modules/api-keys/api-keys.service.js';
import { refuseSecondConnections } from './second-connection.js';

/** This worker's PostgreSQL server (global-setup.ts starts one per worker). */
function testServerUrl(): string {
  const urls = inject('serverUrls');
  const worker = Number(process.env.VITEST_POOL_ID ?? 1);
  const url = urls[(worker - 1) % urls.length];
  if (!url) {
    throw new Error('no test server: vitest.config.ts names test/helpers/global-setup.ts');
  }
  return url;
}

/** A database of this test file's own, cloned from the migrated template. */
export async function createTestDatabase(options: { template?: string | null } = {}): Promise<{
  url: string;
  drop: () => Promise<void>;
}> {
  const serverUrl = testServerUrl();
  const name = `ordo_test_${randomBytes(6).toString('hex')}`;
  const template = options.template === undefined ? inject('templateDatabase') : options.template;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  pool: pg.Pool;
  url: string;
  /** A bootstrap admin key's secret. */
  adminKey: string;
  /** The read replica, when `config.databaseReadUrl` is set. */
  replica: ReadReplica | undefined;
  /** Creates a key with these scopes (optionally bound to a channel) and returns its secret. */
  keyWith(scopes: Scope[], channel?: string): Promise<string>;
  /** `app.inject` with the admin key unless `key` says otherwise (null: no Authorization header). */
  request(options: InjectOptions & { key?: string | null }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function createTestApp(
  options: {
    config?: Partial<Config>;
    clock?: Clock;
    poolSize?: number;
    /** A migrated database to use (and `drop` on close) instead of a new one on the test server. */
    database?: { url: string; drop(): Promise<void> };
    /** The app's logger, for a test that reads what Ordo logs (default: silent unless TEST_LOG_LEVEL). */
    log?: pino.Logger;
  } = {},
): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  // Event-loop shedding off: building an app blocks the loop for seconds, and tests do heavy work in
  // the same process between requests; the load-shedding tests turn it on.
  const config: Config = {
    ...loadConfig({}),
    webhookAllowPrivate: true,
    maxEventLoopDelayMs: 0,
    ...options.config,
  };
  const log = options.log ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const { pool, db } = createDatabase({
    url: database.url,
    poolSize: options.poolSize ?? 10,
    statementTimeoutMs: config.statementTimeoutMs,
    log,
  });
  refuseSecondConnections(pool);
  // With DATABASE_READ_URL's setting, as main.ts: a checked replica and a routed database.
  const replica =
    config.databaseReadUrl === undefined
      ? undefined
      : createReadReplica({
          url: config.databaseReadUrl,
          poolSize: options.poolSize ?? 10,
          statementTimeoutMs: config.statementTimeoutMs,
          maxLagMs: config.replicaMaxLagMs,
          primary: { pool },
          log,
        });
  await replica?.check();
  const app = await buildApp({
    db: routedDatabase(db, replica),
    pool,
    config,
    clock: options.clock ?? { now: () => new Date() },
    log,
    ...(replica ? { replica } : {}),
  });
  await app.ready();
  // As main.ts does before anything signs a status link.
  await app.services.statusLinks.ready();
  const apiKeys = createApiKeyService({ db });
  const adminKey = generateSecret();
  await apiKeys.ensureBootstrapKey(adminKey);
  return {
    app,
    db,
    pool,
    url: database.url,
    adminKey,
    replica,
    async keyWith(scopes, channel) {
      return (await apiKeys.create({ name: `test ${scopes.join(' ')}`, scopes, channel: channel ?? null }))
        .secret;
    },
    request({ key, ...rest }) {
      const secret = key === undefined ? adminKey : key;
      return app.inject({
        ...rest,
        headers: { ...(secret === null ? {} : { authorization: `Bearer ${secret}` }), ...rest.headers },
      });
    },
    async close() {
      await app.close();
      await replica?.pool.end();
      await pool.end();
      await database.drop();
    },
  };
}
