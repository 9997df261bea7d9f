import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The console's static files: `console/` at the repository root (next to `src/`). */
export const consoleRoot = path.resolve(import.meta.dirname, '../../console');

/**
 * No inline script or style, nothing from another origin, never framed: the console's own files and
 * its calls to the same origin's /v1 API are all it may load.
 */
export const consoleSecurityHeaders = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

/**
 * The operator console at /console: static HTML, CSS and ES modules, no build step. It signs in with an
 * API key and calls the same /v1 API as any client, so it can do only what that key may. The files
 * are hidden from the OpenAPI document: they are a page, not API.
 */
export async function registerConsole(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.headers(consoleSecurityHeaders);
      return payload;
    });
    scope.get('/console', { schema: { hide: true } }, (_request, reply) => reply.redirect('/console/'));
    await scope.register(fastifyStatic, {
      root: consoleRoot,
      prefix: '/console/',
      decorateReply: false,
      schemaHide: true,
      index: 'index.html',
      // Small files that change with each release: revalidate (ETag) rather than cache blindly.
      cacheControl: true,
      maxAge: 0,
    });
  });
}
