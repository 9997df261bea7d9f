import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

export interface RateLimitOptions {
  max: number;
  windowMs: number;
}

/**
 * A fixed window per API key (a key's own `rate_limit` or the configured default), answered with
 * `RateLimit-Limit`/`-Remaining`/`-Reset` headers and, once exceeded, a 429 problem with `Retry-After`.
 * Counters live in each process: with N replicas behind a balancer a key gets up to N times the limit.
 */
export async function registerRateLimit(
  app: FastifyInstance,
  { max, windowMs }: RateLimitOptions,
): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    timeWindow: windowMs,
    max: (request) => request.caller?.rateLimit ?? max,
    keyGenerator: (request) => request.caller?.keyId ?? request.ip,
    // Public routes and rejected keys are not counted; authentication has already run (onRequest).
    allowList: (request) => request.caller === null,
    enableDraftSpec: true,
    errorResponseBuilder: (_request, context) =>
      new AppError(
        'rate_limited',
        `Rate limit of ${context.max} requests exceeded; retry in ${context.after}`,
      ),
  });
}
