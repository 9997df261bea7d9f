import type { Logger } from 'pino';
import { runAs, systemActor } from '../actor.js';
import { failureLog } from './failures.js';

export interface Worker {
  /** Stops scheduling and waits for the run in progress, if any. */
  stop(): Promise<void>;
}

/**
 * Runs `task` every `intervalMs` (and at once with `immediately`), never two runs at once; a failing run is retried at the next tick
 * and logged as `failureLog` says (not once per tick while the database is down). Safe with many
 * replicas as long as the task itself is (claims rows, idempotent deletes).
 */
export function startPeriodic(
  name: string,
  intervalMs: number,
  task: () => Promise<unknown>,
  log: Logger,
  options: { immediately?: boolean } = {},
): Worker {
  const failures = failureLog(name, log);
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) {
      return;
    }
    // Events the run appends name the worker as their actor.
    running = runAs(systemActor(name), task)
      .then(
        (result) => {
          failures.succeeded();
          log.debug({ worker: name, result }, 'worker run finished');
        },
        (err: unknown) => failures.failed(err),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  if (options.immediately) {
    tick();
  }
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
