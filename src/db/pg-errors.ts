import { AppError } from '../errors.js';

interface PgLikeError {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** An error and the errors it wraps (drizzle wraps pg's in a DrizzleQueryError), outermost first. */
function* causeChain(err: unknown): Generator<PgLikeError> {
  for (let current = err, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    yield current as PgLikeError;
    current = (current as PgLikeError).cause;
  }
}

/** The SQLSTATE of a PostgreSQL error, looking through the wrappers drizzle puts around it. */
export function sqlState(err: unknown): string | undefined {
  for (const { code } of causeChain(err)) {
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      return code;
    }
  }
  return undefined;
}

export const isRetryable = (err: unknown) => {
  const state = sqlState(err);
  return state === '40001' || state === '40P01';
};

/** Socket errors: the server is not there, or the connection to it broke. */
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * The server ended the session: 57P01 admin_shutdown (a restart, `pg_terminate_backend`), 57P02
 * crash_shutdown, 57P03 cannot_connect_now (starting up or shutting down); class 08 is a connection exception.
 */
const isConnectionState = (state: string) => /^(08|57P0[1-3])/.test(state);

/**
 * pg reports a connection that ended, could not be made in time, or was given up on with these messages
 * and no code: its pool's connect timeout, the client-side `query_timeout`, and a query on a client whose
 * connection already failed or was closed.
 */
const connectionMessages =
  /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end)/;

/**
 * Whether `err` (or an error it wraps) says the database could not be reached or the connection broke,
 * as opposed to the database answering with an error: the request may well succeed when retried.
 */
export function isConnectionFailure(err: unknown): boolean {
  for (const { code, message } of causeChain(err)) {
    if (typeof code === 'string' && (socketCodes.has(code) || isConnectionState(code))) {
      return true;
    }
    if (typeof message === 'string' && connectionMessages.test(message)) {
      return true;
    }
  }
  return false;
}

/** Short enough for a client to come back soon, long enough for a restarting server to be up. */
const unreachableRetryAfterSeconds = 2;

/**
 * Translates database failures that reach the HTTP layer without a service having handled them.
 * Details stay in the logs: the client sees a stable code, never SQL.
 */
export function translateDatabaseError(err: unknown): AppError | undefined {
  if (isConnectionFailure(err)) {
    return new AppError('service_unavailable', 'The database is unreachable; retry shortly', {
      retryAfterSeconds: unreachableRetryAfterSeconds,
      cause: err,
    });
  }
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
    case '53':
      return new AppError('service_unavailable', 'The database is busy; retry shortly', {
        retryAfterSeconds: 1,
        cause: err,
      });
  }
  return undefined;
}

/**
 * A failure as one log field, without a stack: the message and code of the innermost error (the
 * driver's own, under drizzle's "Failed query" wrapper, whose message carries the SQL and parameters).
 */
export function describeFailure(err: unknown): { error: string; code?: string } {
  let last: PgLikeError | undefined;
  for (const link of causeChain(err)) {
    last = link;
  }
  const message = typeof last?.message === 'string' ? last.message : String(err);
  const code = sqlState(err) ?? (typeof last?.code === 'string' ? last.code : undefined);
  return code === undefined ? { error: message } : { error: message, code };
}
