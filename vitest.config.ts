import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    // Each file builds its own app on its own database, so files share a worker's loaded modules:
    // importing the app once per worker instead of once per file saves minutes of the suite.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
