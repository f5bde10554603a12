import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { TokenBuckets } from '../token-buckets.js';

/**
 * `@fastify/rate-limit`'s store interface over token buckets. The plugin counts requests in fixed windows; a bucket
 * refills evenly instead, so a client that waits `Retry-After` gets exactly one more request, not a fresh burst at
 * each window edge. The store answers the plugin in its own terms: within the limit (`current` 0), or over it
 * (`current` above `max`) with the milliseconds to wait as `ttl`.
 *
 * @example
 * await app.register(fastifyRateLimit, { store: tokenBucketStore(new MemoryTokenBuckets({ clock })), max: 60 });
 */
export function tokenBucketStore(buckets: TokenBuckets): FastifyRateLimitStoreCtor {
  return class TokenBucketStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
      max: number,
    ): void {
      buckets.take(key, { limit: max, windowMs: timeWindow }).then(
        (wait) => callback(null, wait > 0 ? { current: max + 1, ttl: wait } : { current: 0, ttl: 0 }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    }

    /** Every route shares the buckets; the keys already name the route group. */
    child() {
      return this;
    }
  };
}
