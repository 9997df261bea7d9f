import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('has defaults for everything', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      databaseUrl: undefined,
      embeddedPgPort: 0,
      bootstrapApiKey: undefined,
      logLevel: 'info',
      rateLimitMax: 6000,
      idempotencyTtlHours: 24,
    });
    expect(config.dataDir).toMatch(/\.ordo-data$/);
  });

  it('has webhook defaults: no private targets, 15 s timeout, the Standard Webhooks schedule', () => {
    expect(loadConfig({})).toMatchObject({
      webhookAllowPrivate: false,
      webhookTimeoutMs: 15_000,
      webhookRetrySchedule: [5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400],
    });
    expect(loadConfig({ ORDO_WEBHOOK_RETRY_SCHEDULE: '0.5, 2,10' }).webhookRetrySchedule).toEqual([
      0.5, 2, 10,
    ]);
  });

  it('keeps events a year and webhook deliveries a month, never events for less time than deliveries', () => {
    expect(loadConfig({})).toMatchObject({ eventRetentionDays: 365, webhookRetentionDays: 30 });
    expect(loadConfig({ ORDO_EVENT_RETENTION_DAYS: '30', ORDO_WEBHOOK_RETENTION_DAYS: '30' })).toMatchObject({
      eventRetentionDays: 30,
      webhookRetentionDays: 30,
    });
    expect(() => loadConfig({ ORDO_EVENT_RETENTION_DAYS: '20' })).toThrow(
      'ORDO_EVENT_RETENTION_DAYS must be at least ORDO_WEBHOOK_RETENTION_DAYS (20 < 30)',
    );
  });

  it('has customer notification defaults: a pass a second, 15 s SMTP timeouts, five retries over 8.5 hours', () => {
    expect(loadConfig({})).toMatchObject({
      notificationsIntervalMs: 1000,
      smtpTimeoutMs: 15_000,
      notificationRetrySchedule: [60, 300, 1800, 7200, 21_600],
    });
    expect(
      loadConfig({ ORDO_NOTIFICATIONS_INTERVAL_MS: '200', ORDO_NOTIFICATION_RETRY_SCHEDULE: '1,2' }),
    ).toMatchObject({ notificationsIntervalMs: 200, notificationRetrySchedule: [1, 2] });
    expect(() => loadConfig({ ORDO_SMTP_TIMEOUT_MS: '10' })).toThrow(ConfigError);
    expect(() => loadConfig({ ORDO_NOTIFICATIONS_INTERVAL_MS: 'soon' })).toThrow(
      /ORDO_NOTIFICATIONS_INTERVAL_MS/,
    );
  });

  it('bounds slow clients and sheds load by default, each bound adjustable and 0 turning a shedder off', () => {
    expect(loadConfig({})).toMatchObject({
      headersTimeoutMs: 10_000,
      maxEventLoopDelayMs: 1000,
      maxDatabaseWaiting: 64,
      maxConcurrentLists: 8,
    });
    expect(
      loadConfig({
        ORDO_REQUEST_TIMEOUT_MS: '60000',
        ORDO_HEADERS_TIMEOUT_MS: '60000',
        ORDO_MAX_EVENT_LOOP_DELAY_MS: '0',
        ORDO_MAX_DATABASE_WAITING: '0',
        ORDO_MAX_CONCURRENT_LISTS: '32',
      }),
    ).toMatchObject({
      headersTimeoutMs: 60_000,
      maxEventLoopDelayMs: 0,
      maxDatabaseWaiting: 0,
      maxConcurrentLists: 32,
    });
  });

  it('reads typed values', () => {
    const config = loadConfig({
      HOST: '0.0.0.0',
      PORT: '8080',
      DATABASE_URL: 'postgres://u:p@db:5432/ordo',
      LOG_PRETTY: 'true',
      LOG_LEVEL: 'debug',
      ORDO_BOOTSTRAP_API_KEY: 'a-long-enough-bootstrap-secret',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      databaseUrl: 'postgres://u:p@db:5432/ordo',
      logPretty: true,
      logLevel: 'debug',
      bootstrapApiKey: 'a-long-enough-bootstrap-secret',
    });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer from 0 to 65535 (got "abc")'],
    [{ PORT: '70000' }, 'PORT must be an integer from 0 to 65535 (got "70000")'],
    [{ DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE must be an integer from 1 to 1000 (got "0")'],
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ],
    [{ LOG_PRETTY: 'yes' }, 'LOG_PRETTY must be true or false (got "yes")'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must be a postgres:// or postgresql:// connection URL'],
    [{ ORDO_BOOTSTRAP_API_KEY: 'short' }, 'ORDO_BOOTSTRAP_API_KEY must be 24 to 256 printable characters'],
    [
      { ORDO_WEBHOOK_RETRY_SCHEDULE: '5,soon' },
      'ORDO_WEBHOOK_RETRY_SCHEDULE must be 1 to 50 comma-separated delays',
    ],
    [
      { ORDO_WEBHOOK_ALLOW_PRIVATE: 'maybe' },
      'ORDO_WEBHOOK_ALLOW_PRIVATE must be true or false (got "maybe")',
    ],
    [
      { ORDO_HEADERS_TIMEOUT_MS: '40000' },
      'ORDO_HEADERS_TIMEOUT_MS must not exceed ORDO_REQUEST_TIMEOUT_MS (40000 > 30000)',
    ],
    [{ ORDO_HEADERS_TIMEOUT_MS: '10' }, 'ORDO_HEADERS_TIMEOUT_MS must be an integer from 1000 to 600000'],
    [
      { ORDO_MAX_EVENT_LOOP_DELAY_MS: '-1' },
      'ORDO_MAX_EVENT_LOOP_DELAY_MS must be an integer from 0 to 60000',
    ],
    [{ ORDO_MAX_DATABASE_WAITING: 'many' }, 'ORDO_MAX_DATABASE_WAITING must be an integer from 0 to 100000'],
    [{ ORDO_MAX_CONCURRENT_LISTS: '1.5' }, 'ORDO_MAX_CONCURRENT_LISTS must be an integer from 0 to 10000'],
  ])('rejects %o with one clear line', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
