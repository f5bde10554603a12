import { defineConfig } from 'vitest/config';

/**
 * `npm run test:ship`: what a user gets from the packed tarball (installed offline with production dependencies only,
 * used from a consumer project and Chromium) and the bridge behind Debian's nginx and Caddy with TLS. Out of
 * `npm test` for time (about a minute of packing, installing and proxy start-ups); CI runs it after `npm test`.
 */
export default defineConfig({
  test: {
    include: ['test/package/installed-package.test.ts', 'test/deploy/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    setupFiles: ['test/support/setup.ts'],
    expect: { poll: { timeout: 45_000 } },
  },
});
