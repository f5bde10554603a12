import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // examples/nextjs imports the package by name, as an app does; here that is this checkout's sources.
    alias: [
      { find: /^tokenbridge\/next$/, replacement: fileURLToPath(new URL('./src/next/index.ts', import.meta.url)) },
      { find: /^tokenbridge$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The container image (`npm run test:container`), the shipped package and reverse proxies (`npm run test:ship`) and
    // the Next.js example (`npm run test:nextjs`) have their own runs, in CI after this one.
    exclude: [
      'test/container/**',
      'test/package/installed-package.test.ts',
      'test/deploy/**',
      'test/nextjs/**',
      '**/node_modules/**',
    ],
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
