import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/** A status link's token is a credential: request lines name its path, never the token itself. */
const statusLinkPath = /^(\/(?:v1\/)?track\/)(?!lookup(?:[/?]|$))[^/?]+/;
export const loggableUrl = (url: string) => url.replace(statusLinkPath, '$1…');

/**
 * One line per request, when it completes: method, route, status and time, tagged with `request_id`
 * like every other line logged during the request. Health probes log only at debug.
 */
export class RequestLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'request_id' });
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      method: request.method,
      url: loggableUrl(request.url),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      ...(request.caller ? { api_key: request.caller.keyId } : {}),
    };
    if (error) {
      reply.log.error({ ...line, err: error }, 'request errored');
    } else if (request.url === '/healthz' || request.url === '/readyz' || request.url === '/metrics') {
      reply.log.debug(line, 'request completed');
    } else {
      reply.log.info(line, 'request completed');
    }
  }
}
