/**
 * Tells this process that its sequencer numbered events: long-polls waiting here read again at once
 * instead of at their next poll, and listeners (the webhook dispatcher) claim the new deliveries.
 */
export interface NumberedSignal {
  /** Resolves after `ms`, when this process numbers events, or when `signal` aborts. */
  pause(ms: number, signal: AbortSignal): Promise<void>;
  /** Calls `listener` every time this process numbers events. */
  onNumbered(listener: () => void): void;
  /** Events were numbered: ends every pause, then calls every listener. */
  notify(): void;
}

export function createNumberedSignal(): NumberedSignal {
  const waiters = new Set<() => void>();
  const listeners: Array<() => void> = [];
  return {
    pause(ms, signal) {
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        waiters.add(done);
        signal.addEventListener('abort', done, { once: true });
      });
    },
    onNumbered(listener) {
      listeners.push(listener);
    },
    notify() {
      for (const wake of waiters) {
        wake();
      }
      waiters.clear();
      for (const listener of listeners) {
        listener();
      }
    },
  };
}
