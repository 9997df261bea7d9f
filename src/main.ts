import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { systemClock } from './clock.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { createDatabase, type Db } from './db/client.js';
import { type EmbeddedServer, startEmbeddedPostgres } from './db/embedded.js';
import { runMigrations } from './db/migrate.js';
import { closeWhenDone } from './db/pool-close.js';
import { createReadReplica, type ReadReplica } from './db/read-replica.js';
import { routedDatabase } from './db/read-routing.js';
import { purgeExpiredIdempotencyKeys } from './http/idempotency.js';
import { createLogger } from './logger.js';
import { createApiKeyService } from './modules/api-keys/index.js';
import { releaseExpiredReservations } from './modules/orders/index.js';
import { drainOnClose } from './process/http-drain.js';
import { databaseUrlError, listenError, StartupError } from './process/startup-error.js';
import { firstStopSignal } from './process/stop-signals.js';
import type { Services } from './services.js';
import { startPeriodic } from './workers/periodic.js';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ordo: invalid configuration: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/**
 * What a start has brought up, to take down again: `steps` run newest first, on a failed start and on
 * a stop alike, so requests drain before the workers stop, and both before the pool and the database.
 */
interface Started {
  steps: Array<() => Promise<unknown>>;
  embedded?: EmbeddedServer;
}

/** The database: DATABASE_URL's, else an embedded PostgreSQL in the data folder; migrated either way. */
async function openDatabase(config: Config, log: Logger, started: Started) {
  let databaseUrl = config.databaseUrl;
  if (databaseUrl === undefined) {
    const embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.embeddedPgPort,
      log,
      detached: true,
    });
    started.embedded = embedded;
    started.steps.push(() => embedded.stop());
    databaseUrl = embedded.url;
    log.info({ dataDir: config.dataDir, port: new URL(databaseUrl).port }, 'embedded PostgreSQL is running');
  }
  // Migrations hold a session-level lock: behind a pooler in transaction mode they need PostgreSQL itself.
  const migrationUrl = config.databaseUrl === undefined ? undefined : config.databaseMigrationUrl;
  try {
    await runMigrations(migrationUrl ?? databaseUrl);
  } catch (err) {
    throw config.databaseUrl === undefined
      ? err
      : migrationUrl === undefined
        ? databaseUrlError(err, config.databaseUrl)
        : databaseUrlError(err, migrationUrl, 'DATABASE_MIGRATION_URL');
  }
  const url = databaseUrl;
  const open = (poolSize: number) => {
    const opened = createDatabase({ url, poolSize, statementTimeoutMs: config.statementTimeoutMs, log });
    started.steps.push(closeWhenDone(opened.pool));
    return opened;
  };
  const database = open(config.databasePoolSize);
  // The event sequencer's and the webhook dispatcher's own connections (ServiceDeps.outboxDb).
  const outbox = open(config.outboxPoolSize);
  if (config.databaseReadUrl === undefined) {
    return { ...database, outboxDb: outbox.db, replica: undefined };
  }
  const replica = createReadReplica({
    url: config.databaseReadUrl,
    poolSize: config.databasePoolSize,
    statementTimeoutMs: config.statementTimeoutMs,
    maxLagMs: config.replicaMaxLagMs,
    primary: database,
    log,
  });
  started.steps.push(closeWhenDone(replica.pool));
  // Reads use the replica once a check finds it keeping up; until then, and whenever it falls behind, the primary.
  await replica.check();
  return { pool: database.pool, db: routedDatabase(database.db, replica), outboxDb: outbox.db, replica };
}

/**
 * The bootstrap key from ORDO_BOOTSTRAP_API_KEY, or on a new embedded database a first admin key,
 * logged once. Runs once Ordo listens, so that a start that fails (a port taken) creates no key.
 */
async function ensureAdminKey(db: Db, config: Config, log: Logger, embedded: boolean) {
  const apiKeys = createApiKeyService({ db });
  if (config.bootstrapApiKey !== undefined) {
    const outcome = await apiKeys.ensureBootstrapKey(config.bootstrapApiKey);
    log.info({ outcome }, 'bootstrap admin API key from ORDO_BOOTSTRAP_API_KEY is in place');
  } else if (embedded) {
    const secret = await apiKeys.createFirstAdminKey();
    if (secret !== undefined) {
      log.warn(
        { apiKey: secret },
        'created the first admin API key; it is shown only this once, so store it now. Lost it? Start once with ORDO_BOOTSTRAP_API_KEY=<a long random secret> to add an admin key with that secret',
      );
    }
  }
}

/** The in-process workers; each claims its work in the database, so any number of replicas can run them. */
function startWorkers(services: Services, db: Db, config: Config, log: Logger, replica?: ReadReplica) {
  const workers = [
    ...(replica
      ? [startPeriodic('read-replica-check', config.replicaCheckIntervalMs, replica.check, log)]
      : []),
    startPeriodic('idempotency-purge', 10 * 60_000, () => purgeExpiredIdempotencyKeys(db), log),
    startPeriodic('reservation-expiry', 30_000, () => releaseExpiredReservations(db, systemClock), log),
    // Feeds nudge the allocator at once; this pass catches stock freed any other way.
    startPeriodic('backorders', 5_000, () => services.backorders.run(), log),
    // Commits nudge the releaser at once; this pass releases orders whose edit window ran out.
    startPeriodic('release', 1_000, () => services.releaser.run(), log),
    // Exchanges are created right after their return commits; this pass creates any a crash left owed.
    startPeriodic('exchanges', 15_000, () => services.returns.redriveExchanges(), log),
    // Partitions of events and webhook deliveries: made ahead, dropped whole past their retention. One
    // process at a time per table family (an advisory lock); the others find nothing left to do. At start
    // too: processes that never live ten minutes still keep the partitions ahead.
    startPeriodic(
      'partitions',
      10 * 60_000,
      async () => ({
        events: await services.events.maintainPartitions(),
        webhooks: await services.webhooks.maintainPartitions(),
      }),
      log,
      { immediately: true },
    ),
    // Evaluates the exception alert rules; replicas may overlap (one unresolved alert per rule and subject).
    startPeriodic('alerts', config.alertsIntervalMs, () => services.alerts.evaluate(), log),
    startPeriodic('shopify-stock', config.shopifyIntervalMs, () => services.connectors.syncStock(), log),
    startPeriodic(
      'shopify-fulfilments',
      config.shopifyIntervalMs,
      () => services.connectors.syncFulfilments(),
      log,
    ),
    // Customer notifications from the numbered feed (one process per batch: the cursor row is locked)...
    startPeriodic('notifications', config.notificationsIntervalMs, () => services.notifications.tick(), log),
    // ...and their e-mails, apart, so a hanging SMTP server never holds the requests back.
    startPeriodic(
      'notification-sender',
      config.notificationsIntervalMs,
      () => services.notifications.sendDue(),
      log,
    ),
    // Numbers committed events and fans them out to webhook subscriptions (one process at a time).
    startPeriodic('event-sequencer', config.eventSequencerIntervalMs, () => services.events.sequence(), log),
  ];
  const dispatcher = services.dispatcher.start();
  services.events.onNumbered(() => dispatcher.nudge());
  return [...workers, dispatcher];
}

/** Brings Ordo up, recording in `started` how to take each piece down again. */
async function start(config: Config, log: Logger, started: Started): Promise<void> {
  const { pool, db, outboxDb, replica } = await openDatabase(config, log, started);
  const app = await buildApp({
    db,
    outboxDb,
    pool,
    config,
    clock: systemClock,
    log,
    ...(replica ? { replica } : {}),
  });
  await app.services.statusLinks.ready();
  const drain = drainOnClose(app.server);
  const workers = startWorkers(app.services, db, config, log, replica);
  started.steps.push(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    // Runs nudged by the last requests finish before the pool closes under them.
    await Promise.all([app.services.releaser.idle(), app.services.backorders.idle()]);
  });
  started.steps.push(async () => {
    drain.closing();
    await app.close();
    await app.drained();
  });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    throw listenError(err, config.host, config.port);
  }
  await ensureAdminKey(db, config, log, started.embedded !== undefined);
  log.info({ pid: process.pid, dataDir: started.embedded ? config.dataDir : undefined }, 'started');
}

async function takeDown(started: Started): Promise<void> {
  for (const step of [...started.steps].reverse()) {
    await step();
  }
}

/** One line saying what went wrong and what to do, then exit 1, after taking down what had started. */
async function failStart(err: unknown, started: Started, log: Logger): Promise<never> {
  log.debug({ err }, 'start failed');
  await takeDown(started).catch((cleanupErr: unknown) => log.debug({ err: cleanupErr }, 'clean-up failed'));
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`ordo: ${err instanceof StartupError ? message : `failed to start: ${message}`}\n`);
  process.exit(1);
}

/**
 * Past the shutdown timeout, the requests still running are given up on; the embedded PostgreSQL is
 * still stopped, so that nothing of this Ordo is left running.
 */
function forceExitAfter(timeoutMs: number, started: Started, log: Logger): void {
  const force = setTimeout(() => {
    log.error({ timeoutMs }, 'shutdown took too long; stopping the database and exiting');
    void (started.embedded?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
  }, timeoutMs);
  force.unref();
}

async function main() {
  const config = readConfig();
  const log = createLogger(config);
  const stopSignal = firstStopSignal();
  const started: Started = { steps: [] };
  void stopSignal.then((signal) => {
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    forceExitAfter(config.shutdownTimeoutMs, started, log);
  });
  try {
    await start(config, log, started);
  } catch (err) {
    await failStart(err, started, log);
  }
  await stopSignal;
  try {
    await takeDown(started);
    log.info('stopped');
    process.exit(0);
  } catch (err) {
    log.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`ordo: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
