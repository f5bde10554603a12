import { afterAll, vi } from 'vitest';
import { reuseClosedEmulatorKeys } from '../../src/sandbox/kit/rsa-keys.js';

// Test files share worker processes (`isolate: false` in vitest.config.ts: each file would otherwise import the
// whole stack again). Nothing one file froze or stubbed may reach the next: Date runs again, spies are undone.
afterAll(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

// Hundreds of emulators start in a run, each wanting RSA keys that cost about 200 ms of CPU apiece: a closed one's
// pairs go to the next (never to two open at once).
reuseClosedEmulatorKeys();
