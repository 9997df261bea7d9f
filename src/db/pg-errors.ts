import { AppError } from '../errors.js';

interface PgLikeError {
  code?: unknown;
  cause?: unknown;
}

/** The SQLSTATE of a PostgreSQL error, looking through the wrappers drizzle puts around it. */
export function sqlState(err: unknown): string | undefined {
  for (let current = err, depth = 0; current && depth < 5; depth++) {
    const { code, cause } = current as PgLikeError;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      return code;
    }
    current = cause;
  }
  return undefined;
}

export const isRetryable = (err: unknown) => {
  const state = sqlState(err);
  return state === '40001' || state === '40P01';
};

const connectionErrors = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

/**
 * Translates database failures that reach the HTTP layer without a service having handled them.
 * Details stay in the logs: the client sees a stable code, never SQL.
 */
export function translateDatabaseError(err: unknown): AppError | undefined {
  const state = sqlState(err);
  switch (state?.slice(0, 2)) {
    case '23':
      return state === '23505'
        ? new AppError('conflict', 'The request conflicts with an existing resource', { cause: err })
        : new AppError('validation_failed', 'The request breaks a data integrity rule', { cause: err });
    case '22':
      return new AppError('validation_failed', 'A value in the request is out of range', { cause: err });
    case '40':
    case '55':
    case '57':
    case '08':
    case '53':
      return new AppError('service_unavailable', 'The database is busy; retry shortly', {
        retryAfterSeconds: 1,
        cause: err,
      });
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && connectionErrors.has(code)) {
    return new AppError('service_unavailable', 'The database is unreachable; retry shortly', {
      retryAfterSeconds: 1,
      cause: err,
    });
  }
  return undefined;
}
