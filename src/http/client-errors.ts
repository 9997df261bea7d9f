import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyBaseLogger } from 'fastify';
import { AppError } from '../errors.js';
import { problemDocument, statusOf } from './problem.js';

/** The path of the request line at the start of what the client sent, when there is one. */
function requestPath(raw: unknown): string {
  // Node hands over the bytes it was parsing as a Buffer (Fastify's type describes their JSON form).
  const line = Buffer.isBuffer(raw) ? raw.subarray(0, 2048).toString('latin1') : undefined;
  const path = line ? /^[A-Z]{3,10} (\/[\x21-\x7e]*) HTTP\//.exec(line)?.[1] : undefined;
  return path?.split('?')[0] ?? '/';
}

function problemOf(err: ConnectionError): AppError {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new AppError('request_timeout', 'The request (or its headers) did not arrive in time');
  }
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return new AppError('headers_too_large', 'The request headers are larger than the server accepts');
  }
  return new AppError('bad_request', 'The request is not valid HTTP');
}

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (a malformed request, headers too
 * large, headers or body too slow) answered as problem+json, like every other error, and the
 * connection closed. Fastify's default answers them in its own JSON shape.
 */
export function clientErrorHandler(log: FastifyBaseLogger) {
  return (err: ConnectionError, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) {
      return;
    }
    const error = problemOf(err);
    const status = statusOf(error.code);
    const requestId = randomUUID();
    log.debug({ err, request_id: requestId, status }, 'client error');
    // As Node's own handler: no answer on a socket that cannot take one, or whose response has begun.
    const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || current?.headersSent) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify(problemDocument(error, requestPath(err.rawPacket), requestId));
    socket.end(
      [
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
        'content-type: application/problem+json',
        `content-length: ${Buffer.byteLength(body)}`,
        `x-request-id: ${requestId}`,
        'connection: close',
        '',
        body,
      ].join('\r\n'),
    );
    socket.destroySoon();
  };
}
