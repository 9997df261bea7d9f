import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import Type from 'typebox';
import { sqlState } from '../db/pg-errors.js';
import { AppError } from '../errors.js';

export interface SystemRoutesOptions {
  pool: Pool;
  metrics: Registry;
  /** Journal time of the newest committed migration; readiness requires it to be applied. */
  latestMigrationMillis: number;
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
  },
  {
    description: 'The database answers and has every migration applied',
    examples: [{ status: 'ready', database: 'reachable', migrations: 'current' }],
  },
);

export async function systemRoutes(
  app: FastifyInstance,
  { pool, metrics, latestMigrationMillis }: SystemRoutesOptions,
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
    async () => {
      let applied: number;
      try {
        const result = await pool.query<{ applied: string | null }>(
          'SELECT max(created_at)::text AS applied FROM drizzle.__drizzle_migrations',
        );
        applied = Number(result.rows[0]?.applied ?? 0);
      } catch (err) {
        if (sqlState(err) === '42P01') {
          throw new AppError('service_unavailable', 'The database has not been migrated', {
            retryAfterSeconds: 5,
          });
        }
        throw new AppError('service_unavailable', 'The database is not reachable', {
          retryAfterSeconds: 5,
          cause: err,
        });
      }
      if (applied < latestMigrationMillis) {
        throw new AppError('service_unavailable', 'The database is missing migrations', {
          retryAfterSeconds: 5,
        });
      }
      return { status: 'ready' as const, database: 'reachable' as const, migrations: 'current' as const };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'getMetrics',
        tags: ['System'],
        summary: 'Prometheus metrics: request counts and latency histograms by route, process metrics',
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
