import type { MaintenanceResult } from '../../db/partitions.js';
import type { EventDeps } from './deps.js';
import type { FeedPage } from './events.schemas.js';
import { type FeedReader, type FeedRequest, readFeed } from './feed.js';
import { createNumberedSignal } from './numbered-signal.js';
import { type EventRetention, maintainEventPartitions } from './partitions.js';
import { sequenceAll } from './sequencer.js';

export type EventService = ReturnType<typeof createEventService>;

/**
 * The feed, the sequencer and the partitions of one process: a long-poll here wakes when its
 * sequencer numbers events.
 */
export function createEventService({
  db,
  outboxDb,
  clock,
  fanOut,
  retention,
}: Pick<EventDeps, 'db' | 'clock' | 'fanOut'> & { outboxDb: EventDeps['db']; retention: EventRetention }) {
  const deps: EventDeps = { db, clock, fanOut, numbered: createNumberedSignal() };
  return {
    /** Months ahead created, months past the retention dropped (the `partitions` worker). */
    maintainPartitions: (): Promise<MaintenanceResult> => maintainEventPartitions(deps, retention),
    feed: (request: FeedRequest, reader: FeedReader, signal: AbortSignal): Promise<FeedPage> =>
      readFeed(deps, request, reader, signal),
    /** On `outboxDb`'s connections: a request flood waiting for `db`'s must not hold the feed back. */
    sequence: (): Promise<number> => sequenceAll({ ...deps, db: outboxDb }),
    /** Calls `listener` after this process numbered events (the dispatcher claims at once). */
    onNumbered: (listener: () => void): void => deps.numbered.onNumbered(listener),
  };
}
