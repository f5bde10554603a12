import { defineConfig } from 'vitest/config';

/**
 * `npm run test:nextjs`: examples/nextjs built with `next build`, served with `next start` against the sandbox and
 * driven in Chromium. Out of `npm test` for time (`next build` is about 30 s of both cores here); CI runs it as its own
 * step after `npm test`.
 */
export default defineConfig({
  test: {
    include: ['test/nextjs/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    pool: 'forks',
    setupFiles: ['test/support/setup.ts'],
    expect: { poll: { timeout: 45_000 } },
  },
});
