import type { Clock } from './clock.js';

/** How many requests a key may make at once (`limit`), regained evenly over `windowMs`. */
export interface BucketRule {
  limit: number;
  windowMs: number;
}

/**
 * Token buckets keyed by string: what rate limits spend from. One instance keeps them in memory; instances sharing
 * a database share them there, so N instances together allow the limit once, not N times.
 */
export interface TokenBuckets {
  /** Spends one request of `key`: 0 when it may pass, else how many milliseconds until it would. */
  take(key: string, rule: BucketRule): Promise<number>;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets in this process's memory, on an injected clock. Memory is bounded: past `maxKeys`, full buckets are
 * dropped first, then the least recently used.
 *
 * @example
 * const buckets = new MemoryTokenBuckets({ clock: systemClock });
 * const wait = await buckets.take('user:user_1', { limit: 60, windowMs: 60_000 }); // 0 when allowed
 */
export class MemoryTokenBuckets implements TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();
  readonly #clock: Clock;
  readonly #maxKeys: number;

  constructor(options: { clock: Clock; maxKeys?: number }) {
    this.#clock = options.clock;
    this.#maxKeys = options.maxKeys ?? 100_000;
  }

  async take(key: string, rule: BucketRule): Promise<number> {
    return this.takeNow(key, rule);
  }

  /** {@link take} without the promise, for callers on a hot path that know the buckets are local. */
  takeNow(key: string, { limit, windowMs }: BucketRule): number {
    const perMs = limit / windowMs;
    const now = this.#clock.now();
    const bucket = this.#buckets.get(key);
    const tokens = bucket ? Math.min(limit, bucket.tokens + (now - bucket.at) * perMs) : limit;
    if (tokens < 1) {
      if (bucket) Object.assign(bucket, { tokens, at: now });
      return Math.ceil((1 - tokens) / perMs);
    }
    if (!bucket) this.#evictIfFull(now, perMs, limit);
    // Re-inserting keeps the map in last-use order, so eviction drops the least recently seen key.
    this.#buckets.delete(key);
    this.#buckets.set(key, { tokens: tokens - 1, at: now });
    return 0;
  }

  #evictIfFull(now: number, perMs: number, limit: number): void {
    if (this.#buckets.size < this.#maxKeys) return;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.at) * perMs >= limit) this.#buckets.delete(key);
    }
    while (this.#buckets.size >= this.#maxKeys) this.#buckets.delete(this.#buckets.keys().next().value as string);
  }
}
