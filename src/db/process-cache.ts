/** The cached value is shared by every caller in the process: freeze it so no caller can change it for others. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
  }
  return value;
}

/**
 * Something read on every request (a rule set, the active carrier services), kept per process for
 * `maxAgeMs`. Staleness window: another process's write shows within `maxAgeMs`; a write in this process
 * goes through `writing` (or calls `forget`) and shows at once. A generation counter stops a read that
 * started before a write from caching what that write replaced. Values are deep-frozen.
 */
export function processCache<T, A extends unknown[]>(read: (...args: A) => Promise<T>, maxAgeMs: number) {
  let cached: { value: T; readAt: number } | undefined;
  let generation = 0;
  const forget = (): void => {
    generation++;
    cached = undefined;
  };
  return {
    /** The cached value when younger than `maxAgeMs`, else a fresh read (with `args`). */
    async get(...args: A): Promise<T> {
      const now = performance.now();
      if (cached && now - cached.readAt < maxAgeMs) {
        return cached.value;
      }
      const startedIn = generation;
      const value = deepFreeze(await read(...args));
      if (startedIn === generation) {
        cached = { value, readAt: now };
      }
      return value;
    },
    forget,
    /** Runs a write, then forgets (also on failure: the write may have committed before the error). */
    async writing<R>(work: () => Promise<R>): Promise<R> {
      try {
        return await work();
      } finally {
        forget();
      }
    },
  };
}
