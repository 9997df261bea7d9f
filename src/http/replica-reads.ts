import type { FastifyInstance, RouteOptions } from 'fastify';
import { readingFromReplica } from '../db/read-routing.js';

/**
 * Reads that may be a moment behind go to the read replica: lists (GET routes paged by `cursor`), the
 * reports and the event feed. A single resource, and anything after a write, reads the primary.
 */
export function mayReadReplica(route: Pick<RouteOptions, 'method' | 'url' | 'schema'>): boolean {
  if (![route.method].flat().includes('GET')) {
    return false;
  }
  const query = route.schema?.querystring as { properties?: Record<string, unknown> } | undefined;
  return (
    route.url.startsWith('/v1/reports/') ||
    route.url === '/v1/events' ||
    query?.properties?.cursor !== undefined
  );
}

/** Runs the handlers of the routes registered from now on that `mayReadReplica` inside `readingFromReplica`. */
export function routeReadsToReplica(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (!mayReadReplica(route)) {
      return;
    }
    const handler = route.handler;
    route.handler = function replicaRead(request, reply) {
      return readingFromReplica(() => handler.call(this, request, reply));
    };
  });
}
