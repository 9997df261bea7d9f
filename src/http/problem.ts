import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { describeFailure, isConnectionFailure, translateDatabaseError } from '../db/pg-errors.js';
import { AppError, type ErrorCode, type FieldError } from '../errors.js';

const problems: Record<ErrorCode, { status: number; title: string }> = {
  bad_request: { status: 400, title: 'Bad request' },
  validation_failed: { status: 422, title: 'Validation failed' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  idempotency_key_in_use: { status: 409, title: 'Idempotency key in use' },
  idempotency_key_reused: { status: 422, title: 'Idempotency key reused' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  request_timeout: { status: 408, title: 'Request timeout' },
  headers_too_large: { status: 431, title: 'Request header fields too large' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal server error' },
  upstream_failed: { status: 502, title: 'Upstream service failed' },
  service_unavailable: { status: 503, title: 'Service unavailable' },
};

export const problemTypeBase = 'https://ordo.dev/problems/';

export const statusOf = (code: ErrorCode) => problems[code].status;

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: `A stable id of the kind of problem: ${problemTypeBase}<code>` }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String({ description: 'The request path' }),
    code: Type.String({ description: 'The problem code, the last part of `type`' }),
    request_id: Type.String(),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          in: Type.String({ enum: ['body', 'query', 'params', 'headers'] }),
          pointer: Type.String({ description: 'JSON pointer into that part of the request' }),
          detail: Type.String(),
        }),
      ),
    ),
  },
  {
    $id: 'Problem',
    title: 'Problem',
    description: 'An RFC 9457 problem document',
    examples: [
      {
        type: `${problemTypeBase}validation_failed`,
        title: 'Validation failed',
        status: 422,
        detail: 'The request has invalid fields',
        instance: '/v1/products',
        code: 'validation_failed',
        request_id: 'b7f3c1de-5d0e-4d4e-9a53-1c0f0b7f2a10',
        errors: [{ in: 'body', pointer: '/sku', detail: 'must NOT have fewer than 1 characters' }],
      },
    ],
  },
);

export type Problem = Static<typeof ProblemSchema>;

/** The problem document for `error`, about the request to `path` with this request id. */
export function problemDocument(error: AppError, path: string, requestId: string): Problem {
  const { status, title } = problems[error.code];
  return {
    type: `${problemTypeBase}${error.code}`,
    title,
    status,
    detail: error.message,
    instance: path,
    code: error.code,
    request_id: requestId,
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

const problemBody = (request: FastifyRequest, error: AppError): Problem =>
  problemDocument(error, request.url.split('?')[0] ?? request.url, request.id);

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  // Also for errors raised before the onRequest hooks ran (a malformed URL): the body names the id too.
  reply.header('x-request-id', request.id);
  if (error.retryAfterSeconds !== undefined) {
    reply.header('retry-after', String(error.retryAfterSeconds));
  }
  return reply.code(statusOf(error.code)).type('application/problem+json').send(problemBody(request, error));
}

interface AjvIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/**
 * One field error per failing field (the first of Ajv's, which for a nullable field is the useful
 * one), naming a missing or unknown property in the pointer itself.
 */
export function validationErrors(issues: AjvIssue[], part: FieldError['in']): FieldError[] {
  const errors = issues.map((issue) => {
    const named = issue.params.missingProperty ?? issue.params.additionalProperty;
    const pointer = typeof named === 'string' ? `${issue.instancePath}/${named}` : issue.instancePath || '/';
    const detail =
      issue.keyword === 'additionalProperties'
        ? 'is not a known field'
        : issue.keyword === 'required'
          ? 'is required'
          : issue.keyword === 'enum' && Array.isArray(issue.params.allowedValues)
            ? `must be one of ${issue.params.allowedValues.join(', ')}`
            : (issue.message ?? 'is invalid');
    return { in: part, pointer, detail };
  });
  return errors.filter((error, i) => errors.findIndex((other) => other.pointer === error.pointer) === i);
}

const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
};

const partNames: Record<string, FieldError['in']> = {
  body: 'body',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
};

/** Any thrown value as an AppError; unknown failures become a bare `internal` with no detail leaked. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) {
    return err;
  }
  const fastifyError = err as Partial<FastifyError> & { validation?: AjvIssue[] };
  if (Array.isArray(fastifyError.validation)) {
    const part = partNames[fastifyError.validationContext ?? 'body'] ?? 'body';
    return new AppError('validation_failed', `The request ${part} has invalid fields`, {
      errors: validationErrors(fastifyError.validation, part),
    });
  }
  const mapped = fastifyError.code ? fastifyCodes[fastifyError.code] : undefined;
  if (mapped) {
    return new AppError(mapped, fastifyError.message ?? problems[mapped].title);
  }
  if (err instanceof SyntaxError && fastifyError.statusCode === 400) {
    return new AppError('bad_request', `The body is not valid JSON: ${err.message}`);
  }
  const database = translateDatabaseError(err);
  if (database) {
    return database;
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError('bad_request', fastifyError.message ?? 'Bad request');
  }
  return new AppError('internal', 'An unexpected error occurred; it has been logged', { cause: err });
}

/** Every error, including framework and database ones, leaves as problem+json. */
export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const error = toAppError(err);
    const status = statusOf(error.code);
    if (status >= 500 && isConnectionFailure(err)) {
      // Every request fails so while the database is away: a line each, without SQL, parameters or stack.
      request.log.warn(describeFailure(err), 'request failed: the database is unreachable');
    } else if (err instanceof AppError && error.code === 'service_unavailable') {
      // Refused on purpose (load shedding, a full location, a busy resource): expected under load, so
      // one warning line each, without a stack.
      const cause = error.cause instanceof Error ? { cause: error.cause.message } : {};
      request.log.warn(
        { code: error.code, retryAfterSeconds: error.retryAfterSeconds, ...cause },
        error.message,
      );
    } else if (status >= 500) {
      request.log.error({ err }, 'request failed');
    } else if (error.cause !== undefined) {
      request.log.info({ err: error.cause }, error.message);
    }
    return sendProblem(request, reply, error);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      new AppError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}
