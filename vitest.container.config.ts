import { defineConfig } from 'vitest/config';

/** `npm run test:container`: the container image, built and started with podman (needs root, podman, debootstrap). */
export default defineConfig({
  test: {
    include: ['test/container/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    setupFiles: ['test/support/setup.ts'],
  },
});
