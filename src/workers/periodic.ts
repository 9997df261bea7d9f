import type { Logger } from 'pino';

export interface Worker {
  /** Stops scheduling and waits for the run in progress, if any. */
  stop(): Promise<void>;
}

/**
 * Runs `task` every `intervalMs`, never two runs at once; a failing run is logged and retried at the
 * next tick. Safe with many replicas as long as the task itself is (claims rows, idempotent deletes).
 */
export function startPeriodic(
  name: string,
  intervalMs: number,
  task: () => Promise<unknown>,
  log: Logger,
): Worker {
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) {
      return;
    }
    running = task()
      .then(
        (result) => log.debug({ worker: name, result }, 'worker run finished'),
        (err: unknown) => log.error({ err, worker: name }, 'worker run failed'),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
