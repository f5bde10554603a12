import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** @type {import('next').NextConfig} */
export default {
  // The bridge runs in Node as it is shipped (it opens SQLite or PostgreSQL), not bundled.
  serverExternalPackages: ['tokenbridge', 'better-sqlite3', 'pg'],
  // In this repository the example uses the checkout's own tokenbridge and packages, two folders up.
  turbopack: { root: resolve(here, '../..') },
  outputFileTracingRoot: resolve(here, '../..'),
};
