import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { nudged } from '../../src/workers/nudge.js';

/** A run the test finishes by hand, so it can nudge while one is in flight. */
function gatedRuns() {
  const gates: Array<() => void> = [];
  let running = 0;
  let most = 0;
  let finished = 0;
  const run = async (): Promise<number> => {
    running += 1;
    most = Math.max(most, running);
    await new Promise<void>((resolve) => gates.push(resolve));
    running -= 1;
    finished += 1;
    return finished;
  };
  const openNext = async () => {
    await expect.poll(() => gates.length).toBeGreaterThan(0);
    gates.shift()?.();
  };
  return { run, openNext, stats: () => ({ most, finished }) };
}

describe('nudged', () => {
  it('idle waits for the run a nudge queued behind the current one, and runs never overlap', async () => {
    const runs = gatedRuns();
    const task = nudged('test', runs.run, pino({ level: 'silent' }));
    task.nudge();
    task.nudge(); // during the first run: queues one more
    task.nudge(); // and no third
    let idle = false;
    const waiting = task.idle().then((result) => {
      idle = true;
      return result;
    });
    await runs.openNext();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(idle).toBe(false); // the queued run has started, not finished
    await runs.openNext();
    expect(await waiting).toBe(2);
    expect(runs.stats()).toEqual({ most: 1, finished: 2 });
  });

  it('idle resolves at once when nothing runs', async () => {
    const task = nudged('test', async () => 1, pino({ level: 'silent' }));
    expect(await task.idle()).toBeUndefined();
  });
});
