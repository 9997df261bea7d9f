import path from 'node:path';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  host: string;
  port: number;
  /** Set: use this PostgreSQL server. Unset: run the embedded one in `dataDir`. */
  databaseUrl: string | undefined;
  /** Set: migrations run here (PostgreSQL itself) when DATABASE_URL is a pooler in transaction mode. */
  databaseMigrationUrl: string | undefined;
  /** Set: lists, reports and the event feed read from this replica while it keeps up. */
  databaseReadUrl: string | undefined;
  /** Replication lag above which reads go back to the primary. */
  replicaMaxLagMs: number;
  /** How often each process measures the replica's lag. */
  replicaCheckIntervalMs: number;
  dataDir: string;
  /** 0 picks a free port at every start. */
  embeddedPgPort: number;
  /** Connections of the event sequencer and the webhook dispatcher, apart from the requests'. */
  outboxPoolSize: number;
  databasePoolSize: number;
  statementTimeoutMs: number;
  /** How long a /metrics scrape waits for the business metrics read from the database. */
  metricsTimeoutMs: number;
  bootstrapApiKey: string | undefined;
  logLevel: LogLevel;
  logPretty: boolean;
  bodyLimitBytes: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Time a client has to send a request's headers; a slow one is answered 408 and disconnected. */
  headersTimeoutMs: number;
  /** Mean event-loop delay above which API requests are refused with 503 (0: never). */
  maxEventLoopDelayMs: number;
  /** Queries waiting for a database connection at which API writes get 503, reads at half (0: never). */
  maxDatabaseWaiting: number;
  /** List requests served at once; more get 503 (0: no bound). */
  maxConcurrentLists: number;
  shutdownTimeoutMs: number;
  rateLimitMax: number;
  rateLimitWindowMs: number;
  idempotencyTtlHours: number;
  /** Lets webhook URLs point at private, loopback and link-local addresses (development, tests). */
  webhookAllowPrivate: boolean;
  /** The whole time one delivery attempt may take, connection included. */
  webhookTimeoutMs: number;
  /** Delivery attempts one process runs at once. */
  webhookConcurrency: number;
  /** Attempts under way at once for one subscription, over all processes: a slow receiver takes no more. */
  webhookConcurrencyPerSubscription: number;
  /** Seconds to wait after each failed attempt; one attempt more than there are entries. */
  webhookRetrySchedule: number[];
  /** A subscription whose deliveries have failed without a success for this long is disabled. */
  webhookDisableAfterHours: number;
  /**
   * Weeks of deliveries and their attempts are dropped once they ended this many days ago, unless a
   * delivery of the week is still pending.
   */
  webhookRetentionDays: number;
  /** Months of events are dropped once they ended this many days ago; at least webhookRetentionDays. */
  eventRetentionDays: number;
  /** How often each process numbers new events (and fans them out to subscriptions). */
  eventSequencerIntervalMs: number;
  /** How often each process evaluates the exception alert rules. */
  alertsIntervalMs: number;
  /** Where Shopify Admin API calls go instead of `https://<shop domain>` (a local fake in tests). */
  shopifyAdminOrigin: string | undefined;
  /** How often each process turns availability changes into Shopify stock pushes and sends them. */
  shopifyIntervalMs: number;
  /** Where customers reach this service (status links); unset: http://HOST:PORT. */
  publicUrl: string | undefined;
  /** Signs status links; unset: a secret the service makes once and keeps in its database. */
  statusLinkSecret: string | undefined;
  /** Days a status link stays good after the order's last delivery (or its cancellation). */
  statusLinkDays: number;
  /** Order lookups (POST /v1/track/lookup) per client address and window. */
  trackLookupRateLimit: number;
  /** Views of status links per client address and window (the JSON and the page each). */
  trackRateLimit: number;
  trackRateLimitWindowMs: number;
  /** Fastify's `trustProxy`: whose X-Forwarded-For to believe for the client's address (false: nobody's). */
  trustProxy: boolean | string[];
  /** How often each process turns new events into customer notifications and sends due e-mails. */
  notificationsIntervalMs: number;
  /** Seconds to wait after each failed SMTP attempt; one attempt more than there are entries. */
  notificationRetrySchedule: number[];
  /** The whole time one SMTP attempt may take (connecting, greeting, each command). */
  smtpTimeoutMs: number;
}

/** A bad setting: main prints `message` as the one line the operator sees, then exits. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

/** E-mail retries: 1 min, 5 min, 30 min, 2 h, 6 h (about 8.5 hours before it is marked failed). */
export const defaultNotificationRetrySchedule = [60, 300, 1800, 7200, 21_600];

/** The Standard Webhooks example schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h (about 3 days). */
export const defaultRetrySchedule = [5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400];

const logLevels: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads and validates the whole configuration once; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const read = reader(env);
  const bootstrapApiKey = read.string('ORDO_BOOTSTRAP_API_KEY');
  if (bootstrapApiKey !== undefined && !/^[\x21-\x7e]{24,256}$/.test(bootstrapApiKey)) {
    throw new ConfigError(
      'ORDO_BOOTSTRAP_API_KEY must be 24 to 256 printable characters without spaces (use a long random secret)',
    );
  }
  const publicUrl = read.string('ORDO_PUBLIC_URL')?.replace(/\/+$/, '');
  if (publicUrl !== undefined && !/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(publicUrl)) {
    throw new ConfigError(
      `ORDO_PUBLIC_URL must be an http:// or https:// URL without query or fragment (got "${publicUrl}")`,
    );
  }
  const statusLinkSecret = read.string('ORDO_STATUS_LINK_SECRET');
  if (statusLinkSecret !== undefined && statusLinkSecret.length < 32) {
    throw new ConfigError(
      'ORDO_STATUS_LINK_SECRET must be at least 32 characters (use a long random secret)',
    );
  }
  const requestTimeoutMs = read.int('ORDO_REQUEST_TIMEOUT_MS', 30_000, 1000, 600_000);
  const headersTimeoutMs = read.int('ORDO_HEADERS_TIMEOUT_MS', 10_000, 1000, 600_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(
      `ORDO_HEADERS_TIMEOUT_MS must not exceed ORDO_REQUEST_TIMEOUT_MS (${headersTimeoutMs} > ${requestTimeoutMs})`,
    );
  }
  return {
    host: read.string('HOST') ?? '127.0.0.1',
    port: read.int('PORT', 3000, 0, 65535),
    ...database(read),
    metricsTimeoutMs: read.int('ORDO_METRICS_TIMEOUT_MS', 5000, 100, 60_000),
    bootstrapApiKey,
    logLevel: read.oneOf('LOG_LEVEL', logLevels, 'info'),
    logPretty: read.bool('LOG_PRETTY', false),
    bodyLimitBytes: read.int('ORDO_BODY_LIMIT_BYTES', 1_048_576, 1024, 1_073_741_824),
    requestTimeoutMs,
    keepAliveTimeoutMs: read.int('ORDO_KEEP_ALIVE_TIMEOUT_MS', 72_000, 1000, 600_000),
    headersTimeoutMs,
    maxEventLoopDelayMs: read.int('ORDO_MAX_EVENT_LOOP_DELAY_MS', 1000, 0, 60_000),
    maxDatabaseWaiting: read.int('ORDO_MAX_DATABASE_WAITING', 64, 0, 100_000),
    maxConcurrentLists: read.int('ORDO_MAX_CONCURRENT_LISTS', 8, 0, 10_000),
    shutdownTimeoutMs: read.int('ORDO_SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    rateLimitMax: read.int('ORDO_RATE_LIMIT_MAX', 6000, 1, 100_000_000),
    rateLimitWindowMs: read.int('ORDO_RATE_LIMIT_WINDOW_MS', 60_000, 1000, 86_400_000),
    idempotencyTtlHours: read.int('ORDO_IDEMPOTENCY_TTL_HOURS', 24, 1, 720),
    webhookAllowPrivate: read.bool('ORDO_WEBHOOK_ALLOW_PRIVATE', false),
    webhookTimeoutMs: read.int('ORDO_WEBHOOK_TIMEOUT_MS', 15_000, 100, 120_000),
    webhookConcurrency: read.int('ORDO_WEBHOOK_CONCURRENCY', 64, 1, 1000),
    webhookConcurrencyPerSubscription: read.int('ORDO_WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION', 16, 1, 1000),
    webhookRetrySchedule: read.seconds('ORDO_WEBHOOK_RETRY_SCHEDULE', defaultRetrySchedule),
    webhookDisableAfterHours: read.int('ORDO_WEBHOOK_DISABLE_AFTER_HOURS', 120, 1, 8760),
    ...retention(read),
    eventSequencerIntervalMs: read.int('ORDO_EVENT_SEQUENCER_INTERVAL_MS', 100, 10, 60_000),
    alertsIntervalMs: read.int('ORDO_ALERTS_INTERVAL_MS', 30_000, 50, 3_600_000),
    shopifyAdminOrigin: read.string('ORDO_SHOPIFY_ADMIN_ORIGIN'),
    shopifyIntervalMs: read.int('ORDO_SHOPIFY_INTERVAL_MS', 1000, 50, 3_600_000),
    publicUrl,
    statusLinkSecret,
    statusLinkDays: read.int('ORDO_STATUS_LINK_DAYS', 90, 1, 3650),
    trackLookupRateLimit: read.int('ORDO_TRACK_LOOKUP_RATE_LIMIT', 20, 1, 1_000_000),
    trackRateLimit: read.int('ORDO_TRACK_RATE_LIMIT', 1200, 1, 1_000_000),
    trackRateLimitWindowMs: read.int('ORDO_TRACK_RATE_LIMIT_WINDOW_MS', 60_000, 1000, 86_400_000),
    trustProxy: trustProxyOf(read.string('ORDO_TRUST_PROXY')),
    notificationsIntervalMs: read.int('ORDO_NOTIFICATIONS_INTERVAL_MS', 1000, 50, 3_600_000),
    notificationRetrySchedule: read.seconds(
      'ORDO_NOTIFICATION_RETRY_SCHEDULE',
      defaultNotificationRetrySchedule,
    ),
    smtpTimeoutMs: read.int('ORDO_SMTP_TIMEOUT_MS', 15_000, 100, 120_000),
  };
}

/** Where the data is: the servers, their pools and the embedded server's folder. */
function database(read: ReturnType<typeof reader>) {
  return {
    databaseUrl: read.postgresUrl('DATABASE_URL'),
    databaseMigrationUrl: read.postgresUrl('DATABASE_MIGRATION_URL'),
    databaseReadUrl: read.postgresUrl('DATABASE_READ_URL'),
    replicaMaxLagMs: read.int('ORDO_REPLICA_MAX_LAG_MS', 5000, 0, 3_600_000),
    replicaCheckIntervalMs: read.int('ORDO_REPLICA_CHECK_INTERVAL_MS', 1000, 50, 600_000),
    dataDir: path.resolve(read.string('ORDO_DATA_DIR') ?? '.ordo-data'),
    embeddedPgPort: read.int('ORDO_EMBEDDED_PG_PORT', 0, 0, 65535),
    databasePoolSize: read.int('DATABASE_POOL_SIZE', 10, 1, 1000),
    outboxPoolSize: read.int('ORDO_OUTBOX_POOL_SIZE', 4, 1, 100),
    statementTimeoutMs: read.int('DATABASE_STATEMENT_TIMEOUT_MS', 15_000, 100, 3_600_000),
  };
}

/**
 * How long webhook deliveries and events are kept. A delivery has no foreign key to its event (both
 * tables are partitioned), so events must be kept at least as long (docs/operations.md).
 */
function retention(read: ReturnType<typeof reader>) {
  const webhookRetentionDays = read.int('ORDO_WEBHOOK_RETENTION_DAYS', 30, 1, 3650);
  const eventRetentionDays = read.int('ORDO_EVENT_RETENTION_DAYS', 365, 1, 36_500);
  if (eventRetentionDays < webhookRetentionDays) {
    throw new ConfigError(
      `ORDO_EVENT_RETENTION_DAYS must be at least ORDO_WEBHOOK_RETENTION_DAYS (${eventRetentionDays} < ${webhookRetentionDays}): a delivery's log shows its event`,
    );
  }
  return { webhookRetentionDays, eventRetentionDays };
}

/**
 * ORDO_TRUST_PROXY: unset or `false` trusts no proxy (the client is the connection's peer); `true` every
 * one; otherwise a comma-separated list of the proxies' addresses or CIDR ranges.
 */
function trustProxyOf(raw: string | undefined): Config['trustProxy'] {
  if (raw === undefined || raw.toLowerCase() === 'false') {
    return false;
  }
  if (raw.toLowerCase() === 'true') {
    return true;
  }
  const ranges = raw.split(',').map((part) => part.trim());
  if (ranges.some((part) => !/^[0-9A-Fa-f:.]+(\/\d{1,3})?$/.test(part))) {
    throw new ConfigError(
      `ORDO_TRUST_PROXY must be true, false or comma-separated proxy addresses/CIDR ranges (got "${raw}")`,
    );
  }
  return ranges;
}

function reader(env: Env) {
  const string = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  return {
    string,
    postgresUrl(name: string): string | undefined {
      const url = string(name);
      if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) {
        throw new ConfigError(`${name} must be a postgres:// or postgresql:// connection URL`);
      }
      return url;
    },
    int(name: string, fallback: number, min: number, max: number): number {
      const raw = string(name);
      if (raw === undefined) {
        return fallback;
      }
      const value = Number(raw);
      if (!/^-?\d+$/.test(raw) || value < min || value > max) {
        throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      }
      return value;
    },
    bool(name: string, fallback: boolean): boolean {
      const raw = string(name)?.toLowerCase();
      if (raw === undefined) {
        return fallback;
      }
      if (raw === 'true' || raw === '1') {
        return true;
      }
      if (raw === 'false' || raw === '0') {
        return false;
      }
      throw new ConfigError(`${name} must be true or false (got "${raw}")`);
    },
    /** A comma-separated list of 1 to 50 delays in seconds (decimals allowed), each at most a week. */
    seconds(name: string, fallback: number[]): number[] {
      const raw = string(name);
      if (raw === undefined) {
        return fallback;
      }
      const parts = raw.split(',').map((part) => part.trim());
      const values = parts.map(Number);
      if (
        parts.length > 50 ||
        parts.some((part) => !/^\d+(\.\d+)?$/.test(part)) ||
        values.some((value) => value > 604_800)
      ) {
        throw new ConfigError(
          `${name} must be 1 to 50 comma-separated delays in seconds, each at most 604800 (got "${raw}")`,
        );
      }
      return values;
    },
    oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
      const raw = string(name);
      if (raw === undefined) {
        return fallback;
      }
      if (!(allowed as readonly string[]).includes(raw)) {
        throw new ConfigError(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      }
      return raw as T;
    },
  };
}
