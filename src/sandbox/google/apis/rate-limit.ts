import type { Clock } from '../../kit/clock.js';
import { GoogleApiError } from './errors.js';

/** A request budget: at most `perWindow` calls per user and API in each window of `windowSeconds`. */
export interface RateLimit {
  perWindow: number;
  windowSeconds: number;
}

/** How callers may spell a limit: per minute, or per window. */
export type RateLimitInput = { requestsPerMinute: number } | RateLimit;

/** Normalises either spelling of a limit. */
export function toRateLimit(input: RateLimitInput): RateLimit {
  return 'requestsPerMinute' in input
    ? { perWindow: input.requestsPerMinute, windowSeconds: 60 }
    : { perWindow: input.perWindow, windowSeconds: input.windowSeconds };
}

interface Window {
  startedAt: number;
  count: number;
}

/**
 * Google's per-user quota ("Queries per minute per user"), counted per account and per API in fixed windows that
 * open at a user's first call. Off until configured. A limit for one user overrides the default for everyone.
 */
export class RateLimiter {
  private fallback: RateLimit | null = null;
  private readonly perUser = new Map<string, RateLimit | null>();
  private readonly windows = new Map<string, Window>();

  constructor(private readonly clock: Clock) {}

  /** Sets the limit for everyone, or for one account (by `sub`); `null` lifts it. Open windows restart. */
  set(limit: RateLimit | null, sub?: string): void {
    if (sub === undefined) this.fallback = limit;
    else this.perUser.set(sub, limit);
    this.windows.clear();
  }

  /** The configuration as the control API shows it. */
  describe(): { default: RateLimit | null; users: Record<string, RateLimit | null> } {
    return { default: this.fallback, users: Object.fromEntries(this.perUser) };
  }

  /** Lifts every limit and forgets every count. */
  reset(): void {
    this.fallback = null;
    this.perUser.clear();
    this.windows.clear();
  }

  /** Counts one call, or throws Google's 429 `RESOURCE_EXHAUSTED` with `Retry-After` when the budget is spent. */
  take(sub: string, service: string, clientId: string): void {
    const limit = this.perUser.has(sub) ? this.perUser.get(sub)! : this.fallback;
    if (!limit) return;
    const now = this.clock.now();
    const key = `${sub} ${service}`;
    const windowMs = limit.windowSeconds * 1000;
    let window = this.windows.get(key);
    if (!window || now >= window.startedAt + windowMs) {
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count < limit.perWindow) {
      window.count++;
      return;
    }
    const retryAfter = Math.max(1, Math.ceil((window.startedAt + windowMs - now) / 1000));
    throw quotaExceeded(service, clientId, limit, retryAfter);
  }
}

function quotaExceeded(service: string, clientId: string, limit: RateLimit, retryAfter: number): GoogleApiError {
  const project = /^(\d+)-/.exec(clientId)?.[1] ?? '0';
  const quotaLimit = limit.windowSeconds === 60 ? 'Queries per minute per user' : 'Queries per user per window';
  const message =
    `Quota exceeded for quota metric 'Queries' and limit '${quotaLimit}' of service '${service}' ` +
    `for consumer 'project_number:${project}'.`;
  return new GoogleApiError(
    429,
    'RESOURCE_EXHAUSTED',
    message,
    [{ message, domain: 'usageLimits', reason: 'rateLimitExceeded' }],
    {
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'RATE_LIMIT_EXCEEDED',
          domain: 'googleapis.com',
          metadata: {
            service,
            consumer: `projects/${project}`,
            quota_metric: `${service}/default`,
            quota_limit: quotaLimit.replaceAll(' ', ''),
            quota_limit_value: String(limit.perWindow),
          },
        },
      ],
      headers: { 'retry-after': String(retryAfter) },
    },
  );
}
