import { setTimeout as sleep } from 'node:timers/promises';

// Taken before any test fakes timers or Date: waiting must go on in real time whatever the test fakes.
const realNow = Date.now.bind(Date);

/**
 * Polls `condition` until it holds. Fails after `timeoutMs` with an error naming `what` it waited for;
 * an error thrown by the condition fails at once. Polling waits in real time, so it works while a test
 * fakes timers or `performance`.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: { what: string; timeoutMs?: number; intervalMs?: number },
): Promise<void> {
  const { what, timeoutMs = 10_000, intervalMs = 10 } = options;
  const until = realNow() + timeoutMs;
  while (!(await condition())) {
    if (realNow() > until) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(intervalMs);
  }
}

/** Whether `promise` has settled yet (either way), for asserting that something is still waiting. */
export function settled(promise: Promise<unknown>): () => boolean {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  return () => done;
}
