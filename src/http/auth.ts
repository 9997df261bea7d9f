import type { FastifyInstance, FastifyRequest } from 'fastify';
import { runAs } from '../actor.js';
import { AppError } from '../errors.js';
import type { Caller, Scope } from './caller.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a key needs; routes without one accept any valid key. */
    scope?: Scope;
    /** The route calls a service outside Ordo (a carrier), so it can answer 502. */
    upstream?: boolean;
    /** Scopes of which the key needs at least one (the route then narrows what each one shows). */
    anyScope?: readonly Scope[];
  }
  interface FastifyRequest {
    caller: Caller | null;
  }
}

const bearer = /^Bearer[ ]+([\x21-\x7e]{1,512})$/i;

export const hasScope = (caller: Caller, scope: Scope) =>
  caller.scopes.includes('admin') || caller.scopes.includes(scope);

/**
 * Every route in the context this is registered in (the /v1 API) needs a valid key; a route's
 * `config.scope` is checked here too. System routes live outside that context.
 */
export function registerAuth(
  app: FastifyInstance,
  apiKeys: { authenticate(secret: string): Promise<Caller | undefined> },
): void {
  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request, reply) => {
    if (request.is404) {
      return;
    }
    const { config } = request.routeOptions;
    const secret = bearer.exec(request.headers.authorization ?? '')?.[1];
    const caller = secret === undefined ? undefined : await apiKeys.authenticate(secret);
    if (!caller) {
      reply.header('www-authenticate', 'Bearer realm="ordo"');
      throw new AppError(
        'unauthorized',
        secret === undefined
          ? 'Send an API key as `Authorization: Bearer <key>`'
          : 'The API key is unknown or has been revoked',
      );
    }
    if (config.scope && !hasScope(caller, config.scope)) {
      throw new AppError('forbidden', `This API key lacks the "${config.scope}" scope`);
    }
    if (config.anyScope && !config.anyScope.some((scope) => hasScope(caller, scope))) {
      throw new AppError('forbidden', `This API key needs one of the scopes ${config.anyScope.join(', ')}`);
    }
    request.caller = caller;
  });
  // The handler runs as the key that called it: every event it appends records the key and the request.
  app.addHook('preHandler', (request, _reply, done) => {
    const caller = request.caller;
    if (!caller) {
      done();
      return;
    }
    runAs({ type: 'api_key', id: caller.keyId, name: caller.keyName, request_id: request.id }, done);
  });
}

/** The verified caller of a route that requires a key. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) {
    throw new AppError('unauthorized', 'This route needs an API key');
  }
  return request.caller;
}
