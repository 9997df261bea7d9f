import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { AppError } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on routes that answer a page of a list (found by their `next_cursor`): they are bounded. */
    isList?: boolean;
  }
}

export interface LoadSheddingOptions {
  /** Mean event-loop delay (ms) over a sample above which API requests are refused; 0: never. */
  maxEventLoopDelayMs: number;
  /** Queries waiting for a database connection at which API writes are refused (reads at half); 0: never. */
  maxDatabaseWaiting: number;
  /** List requests one process serves at once; more are refused; 0: no bound. */
  maxConcurrentLists: number;
  /** What the database queue is read from (`pg.Pool`). */
  pool: { readonly waitingCount: number };
}

/** How often the event-loop delay is sampled: short enough to notice a burst within a second. */
const sampleIntervalMs = 250;

const overloaded = (why: string) =>
  new AppError('service_unavailable', `The server is overloaded (${why}); retry shortly`, {
    retryAfterSeconds: 1,
  });

/** A route whose 200 answer is a page (`data` + `next_cursor`). */
function answersPage(route: RouteOptions): boolean {
  const response = route.schema?.response as Record<string, { properties?: object }> | undefined;
  return (
    route.method === 'GET' &&
    response?.['200']?.properties !== undefined &&
    'next_cursor' in (response['200'].properties ?? {})
  );
}

/**
 * At most `max` list requests at once: a page of lists is the heaviest thing a client can ask for
 * (rows, then serializing them on the event loop), so a burst of them is refused at the door rather
 * than queued in front of everything else. A slot is freed when the response is done or the client
 * has gone.
 */
function boundLists(app: FastifyInstance, max: number): void {
  let running = 0;
  app.addHook('onRoute', (route) => {
    if (answersPage(route)) {
      route.config = { ...route.config, isList: true };
    }
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!request.routeOptions.config.isList) {
      return;
    }
    if (running >= max) {
      throw overloaded('too many lists in progress');
    }
    running += 1;
    reply.raw.once('close', () => {
      running -= 1;
    });
  });
}

/**
 * Refuses API requests with a 503 problem and `Retry-After: 1` before the process drowns, so the
 * requests it does take (and /healthz, /readyz and /metrics, which live outside this context) still
 * answer quickly: when too many lists are in progress, when too many queries already wait for a
 * database connection (reads are refused at half the queue that refuses writes, so reads cannot
 * starve order capture), and when the event loop lags (`@fastify/under-pressure`). Runs before
 * authentication, which may itself need the database. Register before the routes.
 */
export async function registerLoadShedding(
  app: FastifyInstance,
  options: LoadSheddingOptions,
): Promise<void> {
  if (options.maxConcurrentLists > 0) {
    boundLists(app, options.maxConcurrentLists);
  }
  const { maxDatabaseWaiting, pool } = options;
  if (maxDatabaseWaiting > 0) {
    const readLimit = Math.max(1, Math.floor(maxDatabaseWaiting / 2));
    app.addHook('onRequest', async (request) => {
      const limit = request.method === 'GET' || request.method === 'HEAD' ? readLimit : maxDatabaseWaiting;
      if (pool.waitingCount >= limit) {
        throw overloaded('database queue');
      }
    });
  }
  if (options.maxEventLoopDelayMs > 0) {
    // Building the app blocks the loop for a while (schemas compile); the samples taken across that
    // say nothing about load, so the check is armed two samples after the app is ready.
    let armedAt = Number.POSITIVE_INFINITY;
    app.addHook('onReady', async () => {
      armedAt = performance.now() + 2 * sampleIntervalMs;
    });
    await app.register(underPressure, {
      maxEventLoopDelay: options.maxEventLoopDelayMs,
      sampleInterval: sampleIntervalMs,
      pressureHandler: () =>
        performance.now() < armedAt ? undefined : Promise.reject(overloaded('event loop delay')),
    });
  }
}
