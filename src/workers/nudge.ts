import type { FastifyBaseLogger } from 'fastify';
import { runAs, systemActor } from '../actor.js';
import { failureLog } from './failures.js';

export interface Nudged<T> {
  /** Asks for a run soon; runs never overlap in one process, and a nudge during a run queues one more. */
  nudge(): void;
  /** Resolves when the current nudged run (if any) and the one a nudge queued behind it finish. */
  idle(): Promise<T | undefined>;
}

/** Wraps a task so callers can ask for it after a commit without waiting for it or running it twice at once. */
export function nudged<T>(name: string, run: () => Promise<T>, log: FastifyBaseLogger): Nudged<T> {
  // Named apart from the periodic pass of the same task, which counts its failures on its own.
  const failures = failureLog(`${name} (nudged)`, log);
  let pending: Promise<T | undefined> | undefined;
  let again = false;
  const nudge = (): void => {
    if (pending) {
      again = true;
      return;
    }
    // A nudge comes from a request; the run is the worker's own, and its events say so.
    pending = runAs(systemActor(name), run)
      .then(
        (result) => {
          failures.succeeded();
          return result;
        },
        (err: unknown) => {
          failures.failed(err);
          return undefined;
        },
      )
      .finally(() => {
        pending = undefined;
        if (again) {
          again = false;
          nudge();
        }
      });
  };
  const idle = async (): Promise<T | undefined> => {
    let result: T | undefined;
    // The queued run starts in the `finally` of the current one, so look again after each.
    while (pending) {
      result = await pending;
    }
    return result;
  };
  return { nudge, idle };
}
