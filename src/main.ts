import type { Logger } from 'pino';
import { buildApp } from './app.js';
import { systemClock } from './clock.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { createDatabase, type Db } from './db/client.js';
import { type EmbeddedServer, startEmbeddedPostgres } from './db/embedded.js';
import { runMigrations } from './db/migrate.js';
import { purgeExpiredIdempotencyKeys } from './http/idempotency.js';
import { createLogger } from './logger.js';
import { createApiKeyService } from './modules/api-keys/index.js';
import { releaseExpiredReservations } from './modules/orders/index.js';
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

/** The database: DATABASE_URL's, else an embedded PostgreSQL in the data folder; migrated either way. */
async function openDatabase(config: Config, log: Logger) {
  let embedded: EmbeddedServer | undefined;
  let databaseUrl = config.databaseUrl;
  if (databaseUrl === undefined) {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, log });
    databaseUrl = embedded.url;
    log.info({ dataDir: config.dataDir, port: new URL(databaseUrl).port }, 'embedded PostgreSQL is running');
  }
  await runMigrations(databaseUrl);
  const database = createDatabase({
    url: databaseUrl,
    poolSize: config.databasePoolSize,
    statementTimeoutMs: config.statementTimeoutMs,
    log,
  });
  return { ...database, embedded };
}

/** The bootstrap key from ORDO_BOOTSTRAP_API_KEY, or on a new embedded database a first admin key, logged once. */
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
        'created the first admin API key; it is shown only this once, so store it now (or set ORDO_BOOTSTRAP_API_KEY)',
      );
    }
  }
}

/** The in-process workers; each claims its work in the database, so any number of replicas can run them. */
function startWorkers(services: Services, db: Db, config: Config, log: Logger) {
  const workers = [
    startPeriodic('idempotency-purge', 10 * 60_000, () => purgeExpiredIdempotencyKeys(db), log),
    startPeriodic('reservation-expiry', 30_000, () => releaseExpiredReservations(db, systemClock), log),
    // Feeds nudge the allocator at once; this pass catches stock freed any other way.
    startPeriodic('backorders', 5_000, () => services.backorders.run(), log),
    // Commits nudge the releaser at once; this pass releases orders whose edit window ran out.
    startPeriodic('release', 1_000, () => services.releaser.run(), log),
    startPeriodic('webhook-retention', 10 * 60_000, () => services.webhooks.purgeFinished(), log),
    // Numbers committed events and fans them out to webhook subscriptions (one process at a time).
    startPeriodic('event-sequencer', config.eventSequencerIntervalMs, () => services.events.sequence(), log),
  ];
  const dispatcher = services.dispatcher.start();
  services.events.onNumbered(() => dispatcher.nudge());
  return [...workers, dispatcher];
}

async function main() {
  const config = readConfig();
  const log = createLogger(config);
  const { pool, db, embedded } = await openDatabase(config, log);
  await ensureAdminKey(db, config, log, embedded !== undefined);
  const app = await buildApp({ db, pool, config, clock: systemClock, log });
  const workers = startWorkers(app.services, db, config, log);
  await app.listen({ host: config.host, port: config.port });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    try {
      await app.close();
      await app.drained();
      await Promise.all(workers.map((worker) => worker.stop()));
      // Runs nudged by the last requests finish before the pool closes under them.
      await Promise.all([app.services.releaser.idle(), app.services.backorders.idle()]);
      await pool.end();
      await embedded?.stop();
      log.info('stopped');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => void shutdown(signal));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`ordo: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
