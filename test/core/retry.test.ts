import { describe, expect, it } from 'vitest';
import { parseRetryAfter, RetriesExhausted, type Scheduler, withRetries } from '../../src/core/retry.js';

class RecordingScheduler implements Scheduler {
  waits: number[] = [];
  async sleep(ms: number): Promise<void> {
    this.waits.push(ms);
  }
}

class Flaky extends Error {
  constructor(readonly retryAfterMs?: number) {
    super('flaky');
  }
}
const classify = (e: unknown) =>
  e instanceof Flaky ? { transient: true as const, retryAfterMs: e.retryAfterMs } : { transient: false as const };
const policy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000, budgetMs: 5000, random: () => 0.5 };

describe('withRetries', () => {
  it('retries transient failures with jittered backoff, then succeeds', async () => {
    const scheduler = new RecordingScheduler();
    let n = 0;
    const result = await withRetries(
      async () => {
        if (++n < 3) throw new Flaky();
        return 'ok';
      },
      classify,
      scheduler,
      policy,
    );
    expect(result).toBe('ok');
    expect(scheduler.waits).toEqual([50, 100]);
  });

  it('never retries sooner than Retry-After asks', async () => {
    const scheduler = new RecordingScheduler();
    let n = 0;
    await withRetries(
      async () => {
        if (++n === 1) throw new Flaky(2000);
        return 1;
      },
      classify,
      scheduler,
      policy,
    );
    expect(scheduler.waits).toEqual([2000]);
  });

  it('stops when Retry-After exceeds the budget, reporting when to come back', async () => {
    const scheduler = new RecordingScheduler();
    const error = await withRetries(
      async () => {
        throw new Flaky(60_000);
      },
      classify,
      scheduler,
      policy,
    ).catch((e) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect((error as RetriesExhausted).retryAfterMs).toBe(60_000);
    expect(scheduler.waits).toEqual([]);
  });

  it('gives up after maxAttempts and rethrows non-transient errors at once', async () => {
    const scheduler = new RecordingScheduler();
    let n = 0;
    await expect(
      withRetries(
        async () => {
          n++;
          throw new Flaky();
        },
        classify,
        scheduler,
        policy,
      ),
    ).rejects.toBeInstanceOf(RetriesExhausted);
    expect(n).toBe(3);
    await expect(
      withRetries(async () => Promise.reject(new Error('fatal')), classify, scheduler, policy),
    ).rejects.toThrow('fatal');
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
