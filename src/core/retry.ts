/** Waits; injected so tests control backoff without sleeping. */
export interface Scheduler {
  sleep(ms: number): Promise<void>;
}

/** Real timers, for production. */
export const timerScheduler: Scheduler = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref?.()),
};

export interface RetryPolicy {
  /** Attempts in all, the first included. Default 3. */
  maxAttempts: number;
  /** Base of the exponential backoff. Default 250 ms. */
  baseDelayMs: number;
  /** Cap of a single backoff. Default 4 s. */
  maxDelayMs: number;
  /** Total time the retries may wait; a `Retry-After` beyond it ends the retries. Default 8 s. */
  budgetMs: number;
  /** Source of jitter in [0, 1). */
  random: () => number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  budgetMs: 8_000,
  random: Math.random,
};

/** What the caller says about a failure: not retryable, or retryable, maybe after a server-given delay. */
export type Transience = { transient: false } | { transient: true; retryAfterMs?: number };

/** The last transient failure, once the retries are spent; `retryAfterMs` says when to come back. */
export class RetriesExhausted extends Error {
  constructor(
    readonly lastError: unknown,
    readonly attempts: number,
    readonly retryAfterMs: number,
  ) {
    super(`Gave up after ${attempts} attempt(s).`, { cause: lastError });
    this.name = 'RetriesExhausted';
  }
}

/**
 * Runs `attempt`, retrying transient failures with full-jitter exponential backoff, honouring `Retry-After`
 * (never retrying sooner than the server asked), within `maxAttempts` and `budgetMs`. A non-transient failure is
 * rethrown at once; spent retries throw {@link RetriesExhausted}.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  classify: (error: unknown) => Transience,
  scheduler: Scheduler,
  policy: RetryPolicy = defaultRetryPolicy,
): Promise<T> {
  let waited = 0;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const verdict = classify(error);
      if (!verdict.transient) throw error;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
      const jittered = Math.floor(policy.random() * backoff);
      const delay = Math.max(verdict.retryAfterMs ?? 0, jittered);
      if (n >= policy.maxAttempts || waited + delay > policy.budgetMs) {
        throw new RetriesExhausted(error, n, Math.max(verdict.retryAfterMs ?? 0, backoff));
      }
      waited += delay;
      await scheduler.sleep(delay);
    }
  }
}

/** Parses an HTTP `Retry-After` (delta seconds or an HTTP date) into milliseconds from `now`, or undefined. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed), 86_400) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.min(date - now, 86_400_000));
}
