/** The signals that stop Ordo: `kill`, Ctrl-C, and a closed terminal. */
const stopSignals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

export type StopSignal = (typeof stopSignals)[number];

/**
 * Resolves with the first stop signal. The handlers stay installed for good, so that later signals do
 * nothing: Ctrl-C reaches both npm and Ordo, and npm forwards its copy; a start or a stop under way goes on.
 * Installed first thing, so that a signal during start-up is never fatal.
 */
export function firstStopSignal(): Promise<StopSignal> {
  return new Promise((resolve) => {
    for (const signal of stopSignals) {
      process.on(signal, () => resolve(signal));
    }
  });
}
