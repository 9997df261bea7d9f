import type { FastifyInstance } from 'fastify';
import type { Pool, QueryConfig } from 'pg';
import type { Registry } from 'prom-client';
import Type from 'typebox';
import { sqlState } from '../db/pg-errors.js';
import type { ReplicaHealth } from '../db/read-replica.js';
import { withDeadline } from '../deadline.js';
import { AppError } from '../errors.js';

export interface SystemRoutesOptions {
  pool: Pool;
  metrics: Registry;
  /** Journal time of the newest committed migration; readiness requires it to be applied. */
  latestMigrationMillis: number;
  /** How long readiness waits for the database (a connection and the answer) before saying not ready. */
  readinessTimeoutMs?: number;
  /** The read replica's last check, when DATABASE_READ_URL is set. */
  replicaHealth?: () => ReplicaHealth;
}

/** Well under the timeout of an orchestrator's probe, well over a healthy database's answer. */
const defaultReadinessTimeoutMs = 2000;

const notAnswering = 'the database did not answer in time';

/**
 * The newest applied migration's journal time. Bounded as a whole: a paused or unreachable server
 * would otherwise hold the probe for as long as it is paused (a query waits for its answer) or for the
 * pool's connect timeout. The query gives up on its own too, so an abandoned one does not linger.
 */
async function appliedMigrationMillis(pool: Pool, timeoutMs: number): Promise<number> {
  // pg honours a per-query `query_timeout`; its types only know the pool-wide one.
  const config: QueryConfig & { query_timeout: number } = {
    text: 'SELECT max(created_at)::text AS applied FROM drizzle.__drizzle_migrations',
    query_timeout: timeoutMs,
  };
  const query = pool.query<{ applied: string | null }>(config);
  // The query may still fail after the deadline answered the probe.
  query.catch(() => {});
  const result = await withDeadline(query, timeoutMs, notAnswering);
  return Number(result.rows[0]?.applied ?? 0);
}

/** Ready when the database answers in time and has every migration applied; else a 503 saying which. */
async function checkReadiness(pool: Pool, latestMigrationMillis: number, timeoutMs: number) {
  let applied: number;
  try {
    applied = await appliedMigrationMillis(pool, timeoutMs);
  } catch (err) {
    if (sqlState(err) === '42P01') {
      throw new AppError('service_unavailable', 'The database has not been migrated', {
        retryAfterSeconds: 5,
      });
    }
    const detail =
      err instanceof Error && err.message === notAnswering
        ? 'The database is not answering'
        : 'The database is not reachable';
    throw new AppError('service_unavailable', detail, { retryAfterSeconds: 5, cause: err });
  }
  if (applied < latestMigrationMillis) {
    throw new AppError('service_unavailable', 'The database is missing migrations', {
      retryAfterSeconds: 5,
    });
  }
  return { status: 'ready' as const, database: 'reachable' as const, migrations: 'current' as const };
}

const HealthSchema = Type.Object(
  { status: Type.Literal('ok') },
  { description: 'The process is up', examples: [{ status: 'ok' }] },
);

const ReadySchema = Type.Object(
  {
    status: Type.Literal('ready'),
    database: Type.Literal('reachable'),
    migrations: Type.Literal('current'),
    read_replica: Type.Optional(
      Type.Object(
        {
          status: Type.Union([Type.Literal('ok'), Type.Literal('lagging'), Type.Literal('unreachable')]),
          lag_ms: Type.Union([Type.Integer(), Type.Null()]),
          reads_from: Type.Union([Type.Literal('replica'), Type.Literal('primary')]),
        },
        {
          description:
            'Only with DATABASE_READ_URL. A lagging or unreachable replica does not make Ordo unready: its reads go to the primary (`reads_from`)',
        },
      ),
    ),
  },
  {
    description: 'The database answers and has every migration applied',
    examples: [
      { status: 'ready', database: 'reachable', migrations: 'current' },
      {
        status: 'ready',
        database: 'reachable',
        migrations: 'current',
        read_replica: { status: 'lagging', lag_ms: 12_400, reads_from: 'primary' },
      },
    ],
  },
);

/** What readiness says of the read replica. */
const replicaReadiness = (health: ReplicaHealth) => ({
  status: health.status,
  lag_ms: health.lagMs,
  reads_from: health.status === 'ok' ? ('replica' as const) : ('primary' as const),
});

export async function systemRoutes(
  app: FastifyInstance,
  {
    pool,
    metrics,
    latestMigrationMillis,
    readinessTimeoutMs = defaultReadinessTimeoutMs,
    replicaHealth,
  }: SystemRoutesOptions,
) {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'getHealth',
        tags: ['System'],
        summary: 'Liveness: the process is running',
        response: { 200: HealthSchema },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'getReadiness',
        tags: ['System'],
        summary: 'Readiness: the database is reachable and migrated',
        response: { 200: ReadySchema },
      },
    },
    async () => ({
      ...(await checkReadiness(pool, latestMigrationMillis, readinessTimeoutMs)),
      ...(replicaHealth ? { read_replica: replicaReadiness(replicaHealth()) } : {}),
    }),
  );

  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'getMetrics',
        tags: ['System'],
        summary:
          'Prometheus metrics: HTTP, process and business (orders, holds, alerts, webhooks, late shipments)',
        description:
          'Request counts and latency histograms by route and process metrics, plus business gauges read from the database at scrape time (the same on every replica): `ordo_orders{channel,status}`, `ordo_holds_open{queue}`, `ordo_holds_oldest_age_seconds{queue}`, `ordo_alerts_open{rule,status}`, `ordo_shipments_late{location}`, `ordo_webhook_deliveries{status}`, `ordo_webhook_backlog`, `ordo_webhook_backlog_oldest_age_seconds`, `ordo_events_unnumbered`. `ordo_business_metrics_up` is 0 when the database did not answer within `ORDO_METRICS_TIMEOUT_MS`; the other metrics are served all the same.',
        produces: ['text/plain'],
        response: {
          200: {
            description: 'Prometheus text exposition format',
            content: {
              'text/plain': {
                schema: {
                  type: 'string',
                  examples: ['ordo_http_requests_total{method="GET",route="/healthz",status="200"} 3'],
                },
              },
            },
          },
        },
      },
    },
    async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()),
  );
}
