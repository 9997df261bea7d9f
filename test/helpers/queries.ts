import type pg from 'pg';
import { expect, vi } from 'vitest';
import { waitFor } from './wait.js';

const textOf = (query: unknown): string =>
  typeof query === 'string' ? query : String((query as { text?: unknown } | null)?.text ?? '');

/**
 * Watches the queries run through `pool.query` from now on: `finished(pattern)` counts those whose SQL
 * matches and that have completed. For waiting until the app has done some read (a long-poll has looked
 * at the feed) before the test moves on. `stop()` ends the watch.
 */
export function watchQueries(pool: pg.Pool) {
  const spy = vi.spyOn(pool, 'query');
  return {
    finished(pattern: RegExp): number {
      return spy.mock.calls.filter(
        (call, i) => pattern.test(textOf(call[0])) && spy.mock.settledResults[i]?.type === 'fulfilled',
      ).length;
    },
    stop(): void {
      spy.mockRestore();
    },
  };
}

/**
 * For testing a long-poll without waiting on the clock: stops the clock it times its wait by
 * (`performance.now()`; from now on only `vi.advanceTimersByTime` moves it) and watches the app's reads
 * of the events table. `stop()` restores both.
 */
export function longPollProbe(pool: pg.Pool) {
  vi.useFakeTimers({ toFake: ['performance'] });
  const queries = watchQueries(pool);
  const reads = () => queries.finished(/\bFROM events\b/);
  const probe = {
    /** Waits until the app reads the events once more: a long-poll under way has looked, and waits on. */
    async readsFeed(): Promise<void> {
      const before = reads();
      await waitFor(() => reads() > before, { what: 'the long-poll to read the feed' });
    },
    /**
     * Runs the clock out for a long-poll of `seconds` that is under way: it is still waiting (not
     * `answered`) 1 ms short of the time, after reading the feed again; then the last millisecond passes.
     */
    async runOut(seconds: number, answered: () => boolean): Promise<void> {
      await probe.readsFeed();
      vi.advanceTimersByTime(seconds * 1000 - 1);
      await probe.readsFeed();
      expect(answered()).toBe(false);
      vi.advanceTimersByTime(1);
    },
    stop(): void {
      queries.stop();
      vi.useRealTimers();
    },
  };
  return probe;
}
