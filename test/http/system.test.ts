import net from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/client.js';
import { createTestApp, createTestDatabase, type TestApp } from '../helpers/app.js';
import { expectProblem } from '../helpers/problems.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('system routes', () => {
  it('reports liveness without a key', async () => {
    const res = await t.request({ method: 'GET', url: '/healthz', key: null });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('reports readiness when the database is reachable and migrated', async () => {
    const res = await t.request({ method: 'GET', url: '/readyz', key: null });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', database: 'reachable', migrations: 'current' });
  });

  it('is not ready on a database without migrations', async () => {
    const empty = await createTestDatabase({ template: null });
    const log = pino({ level: 'silent' });
    const { db, pool } = createDatabase({ url: empty.url, poolSize: 2, statementTimeoutMs: 5000, log });
    const app = await buildApp({ db, pool, config: loadConfig({}), clock: { now: () => new Date() }, log });
    try {
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      const problem = expectProblem(res, 503, 'service_unavailable', { instance: '/readyz' });
      expect(problem.detail).toMatch(/migrat/);
    } finally {
      await app.close();
      await pool.end();
      await empty.drop();
    }
  });

  it('is not ready when the database is unreachable', async () => {
    const log = pino({ level: 'silent' });
    const { db, pool } = createDatabase({
      url: 'postgresql://nobody:secret@127.0.0.1:1/none',
      poolSize: 1,
      statementTimeoutMs: 1000,
      log,
    });
    const app = await buildApp({ db, pool, config: loadConfig({}), clock: { now: () => new Date() }, log });
    try {
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json().detail).toMatch(/not reachable/);
    } finally {
      await app.close();
      await pool.end();
    }
  });

  it('is not ready, without waiting for it, when the database does not answer', async () => {
    // A server that takes the connection and never answers, as a paused PostgreSQL does. The pool
    // would wait 10 s to connect and the statement timeout is a minute: readiness gives up first.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const log = pino({ level: 'silent' });
    const { db, pool } = createDatabase({
      url: `postgresql://nobody:secret@127.0.0.1:${port}/none`,
      poolSize: 1,
      statementTimeoutMs: 60_000,
      log,
    });
    const app = await buildApp({ db, pool, config: loadConfig({}), clock: { now: () => new Date() }, log });
    try {
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      const problem = expectProblem(res, 503, 'service_unavailable', { instance: '/readyz' });
      expect(problem.detail).toMatch(/not answering/);
      expect(res.headers['retry-after']).toBe('5');
    } finally {
      await app.close();
      for (const socket of sockets) {
        socket.destroy();
      }
      silent.close();
      await pool.end();
    }
  });

  it('exposes Prometheus metrics with request counts and latency by route template', async () => {
    await t.request({ method: 'GET', url: '/v1/channels/nope' });
    await t.request({ method: 'GET', url: '/v1/channels/nope' });
    const res = await t.request({ method: 'GET', url: '/metrics', key: null });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain(
      'ordo_http_requests_total{method="GET",route="/v1/channels/:code",status="404"} 2',
    );
    expect(res.body).toMatch(
      /ordo_http_request_duration_seconds_bucket\{le="0.1",method="GET",route="\/v1\/channels\/:code",status="404"\} \d/,
    );
    expect(res.body).toContain('process_cpu_user_seconds_total');
  });
});
