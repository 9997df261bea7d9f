import type { Clock } from '../../src/clock.js';

export interface TestClock extends Clock {
  /** Stops the clock at `at`. */
  set(at: Date | string | number): void;
  /** Moves the clock `ms` ahead (or back, when negative). */
  advance(ms: number): void;
  /** Back to where the clock started. */
  reset(): void;
}

/**
 * The clock a test hands to `createTestApp({ clock })` and moves itself: stopped at `start`, or
 * without `start` the real time plus however far the test moved it.
 */
export function testClock(start?: Date | string | number): TestClock {
  const origin = start === undefined ? undefined : new Date(start).getTime();
  let base = origin;
  let offset = 0;
  return {
    now: () => new Date((base ?? Date.now()) + offset),
    set(at) {
      base = new Date(at).getTime();
      offset = 0;
    },
    advance(ms) {
      offset += ms;
    },
    reset() {
      base = origin;
      offset = 0;
    },
  };
}
