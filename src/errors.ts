/**
 * The closed set of failures Ordo reports. Services throw AppError with a code; the HTTP layer
 * maps each code to a status and an RFC 9457 problem (src/http/problem.ts).
 */
export const errorCodes = [
  'bad_request',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'idempotency_key_in_use',
  'idempotency_key_reused',
  'payload_too_large',
  'unsupported_media_type',
  'request_timeout',
  'headers_too_large',
  'rate_limited',
  'internal',
  'upstream_failed',
  'service_unavailable',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** One failing field: a JSON pointer into the request part (`/items/3/sku`) and what is wrong with it. */
export interface FieldError {
  in: 'body' | 'query' | 'params' | 'headers';
  pointer: string;
  detail: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly errors: FieldError[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    detail: string,
    options: { errors?: FieldError[]; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.errors = options.errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** A failing body field, by JSON pointer. */
export const bodyError = (pointer: string, detail: string): FieldError => ({ in: 'body', pointer, detail });

export const notFound = (what: string) => new AppError('not_found', `${what} was not found`);

export const conflict = (detail: string) => new AppError('conflict', detail);

/** A request that is well-formed but breaks a rule; every failing field is listed. */
export function invalid(errors: FieldError[], detail = 'The request has invalid fields'): AppError {
  return new AppError('validation_failed', detail, { errors });
}
