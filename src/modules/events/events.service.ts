import type { EventDeps } from './deps.js';
import type { FeedPage } from './events.schemas.js';
import { type FeedReader, type FeedRequest, readFeed } from './feed.js';
import { createNumberedSignal } from './numbered-signal.js';
import { sequenceAll } from './sequencer.js';

export type EventService = ReturnType<typeof createEventService>;

/** The feed and the sequencer of one process: a long-poll here wakes when its sequencer numbers events. */
export function createEventService({ db, fanOut }: Pick<EventDeps, 'db' | 'fanOut'>) {
  const deps: EventDeps = { db, fanOut, numbered: createNumberedSignal() };
  return {
    feed: (request: FeedRequest, reader: FeedReader, signal: AbortSignal): Promise<FeedPage> =>
      readFeed(deps, request, reader, signal),
    sequence: (): Promise<number> => sequenceAll(deps),
    /** Calls `listener` after this process numbered events (the dispatcher claims at once). */
    onNumbered: (listener: () => void): void => deps.numbered.onNumbered(listener),
  };
}
