import type { Clock } from '../core/clock.js';
import type { BucketRule, TokenBuckets } from '../core/token-buckets.js';

/** Credit a key holds: requests already paid for in the shared buckets, and until when they may be spent. */
interface Lease {
  credit: number;
  expiresAt: number;
}

/** Leases are at most this many requests, and about 1/40 of the limit: a limit under 80 is spent one by one. */
const MAX_LEASE = 32;
const LEASE_SHARE = 40;
const MAX_KEYS = 100_000;

/**
 * Shared token buckets (PostgreSQL's, one row per key) spent in leases, so a busy key costs the database one round trip
 * per lease instead of one per request. A lease is paid for in the shared bucket before any of it is spent: a take of
 * `k` requests is a take under the rule `{ limit: limit / k }`, whose GCRA step is `k` intervals and whose admission
 * asks for room for all `k`, so nothing is spent twice and N instances still allow the limit once. Near the limit (no
 * room for a whole lease) requests are spent one by one again. Credit left unspent expires after the time the bucket
 * takes to refill it; within any window an instance can thus spend at most one lease (≤ 32 requests) paid for before
 * the window began. Concurrent requests for one key wait for a single lease. A key with credit is answered without a
 * promise (`takeNow`), which is what the hot path uses.
 *
 * @example
 * const buckets = new BucketLeases(sharedTokenBuckets(store)!, clock);
 * const wait = buckets.takeNow(key, rule) ?? (await buckets.take(key, rule));
 */
export class BucketLeases implements TokenBuckets {
  readonly #shared: TokenBuckets;
  readonly #clock: Clock;
  readonly #leases = new Map<string, Lease>();
  readonly #pending = new Map<string, Promise<number>>();

  constructor(shared: TokenBuckets, clock: Clock) {
    this.#shared = shared;
    this.#clock = clock;
  }

  /** Spends one request from the key's credit: 0 when there was some, undefined when the shared buckets must decide. */
  takeNow(key: string): 0 | undefined {
    const lease = this.#leases.get(key);
    if (lease === undefined || lease.credit <= 0) return undefined;
    if (lease.expiresAt <= this.#clock.now()) {
      this.#leases.delete(key);
      return undefined;
    }
    lease.credit--;
    return 0;
  }

  async take(key: string, rule: BucketRule): Promise<number> {
    for (;;) {
      if (this.takeNow(key) === 0) return 0;
      const pending = this.#pending.get(key);
      // Another request is buying a lease for this key: its outcome decides for the waiters too, once it lands.
      if (pending === undefined) return this.#lease(key, rule);
      const wait = await pending;
      if (wait > 0) return wait;
    }
  }

  #lease(key: string, rule: BucketRule): Promise<number> {
    const size = Math.min(MAX_LEASE, Math.max(1, Math.floor(rule.limit / LEASE_SHARE)));
    const buying = (async () => {
      let bought = 0;
      if (size > 1 && (await this.#shared.take(key, { limit: rule.limit / size, windowMs: rule.windowMs })) === 0) {
        bought = size;
      } else {
        const wait = await this.#shared.take(key, rule);
        if (wait > 0) return wait;
        bought = 1;
      }
      // This request spends one; the rest is credit until the bucket would have refilled it.
      if (bought > 1) this.#credit(key, bought - 1, Math.max(1000, (bought * rule.windowMs) / rule.limit));
      return 0;
    })();
    this.#pending.set(key, buying);
    return buying.finally(() => this.#pending.delete(key));
  }

  #credit(key: string, credit: number, lifetimeMs: number): void {
    if (!this.#leases.has(key) && this.#leases.size >= MAX_KEYS) {
      this.#leases.delete(this.#leases.keys().next().value as string);
    }
    this.#leases.set(key, { credit, expiresAt: this.#clock.now() + lifetimeMs });
  }
}
