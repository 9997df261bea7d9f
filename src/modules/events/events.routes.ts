import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { invalid } from '../../errors.js';
import { callerOf } from '../../http/auth.js';
import type { EventCatalog } from './event-catalog.js';
import { FeedPageSchema, FeedQuerySchema } from './events.schemas.js';
import type { EventService } from './events.service.js';

/** The scopes that read the feed, besides `admin` (which reads every type). */
const feedScopes = ['orders:read', 'inventory:read', 'webhooks:write', 'accounts:read'] as const;

/** Which families each scope reads, from the catalog, so the description follows every new event type. */
function whoReadsWhat(catalog: Pick<EventCatalog, 'typesReadableWith'>): string {
  const families = (scope: (typeof feedScopes)[number]) => [
    ...new Set(catalog.typesReadableWith([scope]).map((type) => `${type.slice(0, type.indexOf('.'))}.*`)),
  ];
  const list = (items: string[]) =>
    items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
  return feedScopes.map((scope) => `\`${scope}\` the ${list(families(scope))} types`).join(', ');
}

const feedRules = (catalog: Pick<EventCatalog, 'typesReadableWith'>) =>
  [
    'The event feed, in `sequence` order: page with `after=<next_after>`; `wait` long-polls for new events.',
    `Which events a key reads: ${whoReadsWhat(catalog)} (\`admin\` every type); a channel-bound key only events of its channel.`,
    '`sequence` is assigned once the event is committed, so reading `after` the last sequence seen never misses an event.',
  ].join(' ');

export const eventRoutes: FastifyPluginAsyncTypebox<{
  events: EventService;
  catalog: Pick<EventCatalog, 'patternProblem' | 'typesMatching' | 'typesReadableWith'>;
  requestTimeoutMs: number;
}> = async (app, { events, catalog, requestTimeoutMs }) => {
  // Long-polls answer at once when the server shuts down.
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());

  app.get(
    '/events',
    {
      config: { anyScope: [...feedScopes] },
      schema: {
        operationId: 'listEvents',
        tags: ['Events'],
        summary: 'Read the event feed (long-poll with `wait`)',
        description: feedRules(catalog),
        querystring: FeedQuerySchema,
        response: { 200: { ...FeedPageSchema, description: 'Events after `after`, oldest first' } },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { after, limit, wait, types } = request.query;
      const patterns = types?.split(',') ?? ['*'];
      const problems = patterns
        .map((pattern) => catalog.patternProblem(pattern))
        .filter((p): p is string => p !== undefined);
      if (problems.length > 0) {
        throw invalid(problems.map((detail) => ({ in: 'query', pointer: '/types', detail })));
      }
      const readable = new Set(catalog.typesReadableWith(caller.scopes));
      const signal = AbortSignal.any([closing.signal, abortedWith(reply.raw)]);
      if (wait > 0) {
        // The socket outlives the default idle timeout while the long-poll waits.
        request.raw.socket?.setTimeout?.(requestTimeoutMs + wait * 1000);
      }
      return events.feed(
        { after, limit, waitSeconds: wait },
        {
          types: catalog.typesMatching(patterns).filter((type) => readable.has(type)),
          channel: caller.channel,
        },
        signal,
      );
    },
  );
};

/**
 * Aborts when the connection closes before the answer is sent, so a long-poll stops for a client that
 * stopped waiting (the response's `close`: the request's fires as soon as its body has been read).
 */
function abortedWith(raw: NodeJS.EventEmitter): AbortSignal {
  const controller = new AbortController();
  raw.once('close', () => controller.abort());
  return controller.signal;
}
