import { afterAll, vi } from 'vitest';

// Test files share worker processes (`isolate: false` in vitest.config.ts: each file would otherwise import the
// whole stack again). Nothing one file froze or stubbed may reach the next: Date runs again, spies are undone.
afterAll(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});
