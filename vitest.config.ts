import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The container image has its own run (`npm run test:container`, vitest.container.config.ts).
    exclude: ['test/container/**', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Files share a worker's module cache instead of importing Fastify, the SDKs and the emulators once per file
    // (about a third of the suite's time); test/support/setup.ts undoes what a file froze or stubbed.
    isolate: false,
    setupFiles: ['test/support/setup.ts'],
    // Most files wait on sockets, PostgreSQL or Chromium rather than compute: one worker per core keeps 2 cores busy
    // without piling up (vitest's default leaves one core idle).
    maxWorkers: Math.max(2, availableParallelism()),
    expect: {
      // A poll waits for something sure to happen; this bounds failure only (test/support/patience.ts), never a pass.
      poll: { timeout: 45_000 },
    },
  },
});
