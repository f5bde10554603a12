import { vi } from 'vitest';

/**
 * How long a wait for something that is sure to happen may last before the test calls it a failure. It is a bound on
 * failure only, never a margin a pass depends on: a busy machine makes waits longer, not tests red.
 */
export const PATIENCE_MS = 45_000;

/**
 * Retries `probe` until it returns a value `done` accepts, and returns that value. Bounded by {@link PATIENCE_MS};
 * a short pause between tries leaves the CPU to the process being waited on.
 *
 * @example
 * const answer = await until(() => askToken(other, user), (a) => a.status !== 200);
 */
export function until<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await probe();
      if (!done(value)) throw new Error(`still waiting; last value: ${JSON.stringify(value)?.slice(0, 500)}`);
      return value;
    },
    { timeout: PATIENCE_MS, interval: 10 },
  );
}
