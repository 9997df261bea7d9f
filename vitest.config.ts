import os from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Files that start processes (Ordo, its CLI, PostgreSQL servers) or measure time and load (event-loop
 * delay, request rates, how long a receiver is waited for). Beside another file their processes start
 * slowly and shed load, so they run after the rest, one at a time, with the machine to themselves.
 */
const alone = [
  'test/startup.test.ts',
  'test/readme.test.ts',
  'test/process/**/*.test.ts',
  'test/faults/**/*.test.ts',
  'test/cli/bulk.test.ts',
  'test/db/read-replica.test.ts',
  'test/modules/*/processes.test.ts',
  'test/http/load-shedding.test.ts',
  'test/http/hostile-connections.test.ts',
  'test/http/rate-limit.test.ts',
  'test/modules/webhooks/fairness.test.ts',
];

export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    // Each file builds its own app on its own database, so files share a worker's loaded modules:
    // importing the app once per worker instead of once per file saves minutes of the suite.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        // Two workers even on two cores: much of the suite waits on PostgreSQL. Each worker has a
        // PostgreSQL server of its own (global-setup.ts).
        test: {
          name: 'together',
          include: ['test/**/*.test.ts'],
          exclude: alone,
          maxWorkers: Math.max(2, os.availableParallelism() - 1),
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'alone', include: alone, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
