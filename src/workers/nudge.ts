import type { FastifyBaseLogger } from 'fastify';

export interface Nudged<T> {
  /** Asks for a run soon; runs never overlap in one process, and a nudge during a run queues one more. */
  nudge(): void;
  /** Resolves when the current nudged run (if any) finishes. */
  idle(): Promise<T | undefined>;
}

/** Wraps a task so callers can ask for it after a commit without waiting for it or running it twice at once. */
export function nudged<T>(name: string, run: () => Promise<T>, log: FastifyBaseLogger): Nudged<T> {
  let pending: Promise<T | undefined> | undefined;
  let again = false;
  const nudge = (): void => {
    if (pending) {
      again = true;
      return;
    }
    pending = run()
      .catch((err: unknown) => {
        log.error({ err, worker: name }, 'nudged run failed');
        return undefined;
      })
      .finally(() => {
        pending = undefined;
        if (again) {
          again = false;
          nudge();
        }
      });
  };
  return { nudge, idle: () => pending ?? Promise.resolve(undefined) };
}
