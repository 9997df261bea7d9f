import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ReplicaHealth } from '../db/read-replica.js';

/** Prometheus metrics for one app: request counts and latency by route template, plus process metrics. */
export function registerMetrics(app: FastifyInstance): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'ordo_http_requests_total',
    help: 'HTTP requests by route template and status',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'ordo_http_request_duration_seconds',
    help: 'HTTP request latency by route template',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    // The template, not the path, so ids do not explode the label set.
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
  return registry;
}

/** The read replica's state as of its last check: whether reads use it, and how far behind it is. */
export function registerReplicaMetrics(registry: Registry, health: () => ReplicaHealth): void {
  new Gauge({
    name: 'ordo_read_replica_up',
    help: 'Reads go to the read replica (1), or back to the primary because it lags or cannot be reached (0)',
    registers: [registry],
    collect() {
      this.set(health().status === 'ok' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'ordo_read_replica_lag_seconds',
    help: 'Replication lag of the read replica at its last check (NaN when it could not be reached)',
    registers: [registry],
    collect() {
      const lag = health().lagMs;
      this.set(lag === null ? Number.NaN : lag / 1000);
    },
  });
}

/** Why order capture ran again: stock or a location's room moved under its plan, or a deadlock. */
export type CaptureRetry = 'stock_moved' | 'capacity_taken' | 'deadlock';

/**
 * Counts order capture's second and third tries by reason: contention on stock or capacity shows here
 * before it shows as latency.
 */
export function registerCaptureRetries(registry: Registry): (reason: CaptureRetry) => void {
  const retries = new Counter({
    name: 'ordo_capture_retries_total',
    help: 'Order captures tried again: stock or capacity moved under the plan, or a deadlock',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  return (reason) => retries.inc({ reason });
}
