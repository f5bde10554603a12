import type { Clock } from '../kit/clock.js';

/** A Backend API rate limit: `requests` per `windowSeconds`. */
export interface RateLimitSettings {
  requests: number;
  windowSeconds: number;
}

/** The figures of a development instance. */
export const DEVELOPMENT_RATE_LIMIT: RateLimitSettings = { requests: 100, windowSeconds: 10 };

/**
 * One fixed window per instance, counted on the injected clock so tests can roll it over without waiting.
 * `take()` answers how many seconds to wait when the call is over the limit.
 */
export class InstanceRateLimit {
  private windowStart = 0;
  private used = 0;

  constructor(
    private readonly clock: Clock,
    private settings: RateLimitSettings | false,
  ) {}

  /** Switches the limit off (`false`) or to new figures; the current window starts afresh. */
  configure(settings: RateLimitSettings | false): void {
    this.settings = settings;
    this.used = 0;
    this.windowStart = this.clock.now();
  }

  current(): RateLimitSettings | false {
    return this.settings;
  }

  /** Counts one call; returns undefined when allowed, or the `Retry-After` seconds when refused. */
  take(): number | undefined {
    if (this.settings === false) return undefined;
    const now = this.clock.now();
    const windowMs = this.settings.windowSeconds * 1000;
    if (now - this.windowStart >= windowMs || now < this.windowStart) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.settings.requests) {
      return Math.max(1, Math.ceil((this.windowStart + windowMs - now) / 1000));
    }
    this.used += 1;
    return undefined;
  }

  reset(): void {
    this.used = 0;
    this.windowStart = this.clock.now();
  }
}
