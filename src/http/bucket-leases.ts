import type { Clock } from '../clock.js';
import type { BucketRule, TokenBuckets } from '../token-buckets.js';

/** Credit a key holds: requests already paid for in the shared buckets, and until when they may be spent. */
interface Lease {
  credit: number;
  /** How many requests one lease of this key buys. */
  size: number;
  expiresAt: number;
  /** How long credit lives after a purchase (twice the time the bucket takes to refill a lease). */
  lifetimeMs: number;
  /** When credit was last added, and how many requests were spent since: the key's pace. */
  creditedAt: number;
  spentSince: number;
}

/** Leases are at most this many requests, and about 1/40 of the limit: a limit under 80 is spent one by one. */
const MAX_LEASE = 32;
const LEASE_SHARE = 40;
const MAX_KEYS = 100_000;

/**
 * Shared token buckets (PostgreSQL's, one row per key) spent in leases, so a busy key costs the database one round trip
 * per lease instead of one per request, and the request path waits for the database only when a key has no credit.
 * A lease is paid for in the shared bucket before any of it is spent: a take of `k` requests is a take under the rule
 * `{ limit: limit / k }`, whose GCRA step is `k` intervals and whose admission asks for room for all `k`, so nothing is
 * spent twice and N instances still allow the limit once. The next lease is bought in the background once a third of
 * the current one is left, so a busy key never waits; near the limit (no room for a whole lease) requests are spent
 * one by one again. Credit left unspent expires after twice the time the bucket takes to refill a lease, so within
 * any window an instance can spend at most two leases (≤ 64 requests) paid for before the window began. A key spent
 * too slowly to use a lease up within that time (under half the limit's pace) tops its credit up in the last third of
 * its life with what its pace needs: it neither waits for the database when its credit expires nor pays for requests
 * it never makes. Concurrent requests for a key without credit wait for a single purchase. A key with credit is
 * answered without a promise (`takeNow`), which is what the hot path uses.
 *
 * @example
 * const buckets = new BucketLeases(sharedTokenBuckets(store)!, clock);
 * const wait = buckets.takeNow(key, rule) ?? (await buckets.take(key, rule));
 */
export class BucketLeases implements TokenBuckets {
  readonly #shared: TokenBuckets;
  readonly #clock: Clock;
  readonly #leases = new Map<string, Lease>();
  /** Purchases on the wire, one per key at most. */
  readonly #pending = new Map<string, Promise<unknown>>();

  constructor(shared: TokenBuckets, clock: Clock) {
    this.#shared = shared;
    this.#clock = clock;
  }

  /** Spends one request from the key's credit: 0 when there was some, undefined when the shared buckets must decide. */
  takeNow(key: string, rule: BucketRule): 0 | undefined {
    const lease = this.#leases.get(key);
    if (lease === undefined || lease.credit <= 0) return undefined;
    const now = this.#clock.now();
    if (lease.expiresAt <= now) {
      this.#leases.delete(key);
      return undefined;
    }
    lease.credit--;
    lease.spentSince++;
    if (this.#pending.has(key)) return 0;
    if (lease.credit <= lease.size / 3) this.#renew(key, rule, lease.size);
    else {
      const topUp = topUpFor(lease, now);
      if (topUp > 0) this.#renew(key, rule, topUp);
    }
    return 0;
  }

  async take(key: string, rule: BucketRule): Promise<number> {
    for (;;) {
      if (this.takeNow(key, rule) === 0) return 0;
      const pending = this.#pending.get(key);
      if (pending === undefined) return this.#buy(key, rule);
      // Another request is buying credit for this key: once it lands, there may be some for this one too.
      await pending.catch(() => undefined);
    }
  }

  /** Buys this request, and a lease's worth more when the bucket has room for it; answers this request's wait. */
  #buy(key: string, rule: BucketRule): Promise<number> {
    const size = leaseSize(rule);
    return this.#track(
      key,
      (async () => {
        if (size > 1 && (await this.#shared.take(key, leaseRule(rule, size))) === 0) {
          this.#credit(key, size - 1, rule);
          return 0;
        }
        return this.#shared.take(key, rule);
      })(),
    );
  }

  /** Buys the next lease while the current one still serves; a refusal leaves the key to be spent one by one. */
  #renew(key: string, rule: BucketRule, amount: number): void {
    const renewal = this.#shared.take(key, leaseRule(rule, amount)).then(
      (wait) => {
        if (wait === 0) this.#credit(key, amount, rule);
      },
      () => undefined,
    );
    void this.#track(key, renewal);
  }

  #track<T>(key: string, purchase: Promise<T>): Promise<T> {
    this.#pending.set(key, purchase);
    return purchase.finally(() => this.#pending.delete(key));
  }

  #credit(key: string, added: number, rule: BucketRule): void {
    const size = leaseSize(rule);
    const lifetimeMs = Math.max(1000, (2 * size * rule.windowMs) / rule.limit);
    const lease = this.#leases.get(key);
    const now = this.#clock.now();
    if (lease !== undefined && lease.expiresAt > now) {
      lease.credit += added;
      lease.expiresAt = now + lease.lifetimeMs;
      lease.creditedAt = now;
      lease.spentSince = 0;
      return;
    }
    if (lease === undefined && this.#leases.size >= MAX_KEYS) {
      this.#leases.delete(this.#leases.keys().next().value as string);
    }
    this.#leases.set(key, {
      credit: added,
      size,
      expiresAt: now + lifetimeMs,
      lifetimeMs,
      creditedAt: now,
      spentSince: 0,
    });
  }
}

function leaseSize(rule: BucketRule): number {
  return Math.min(MAX_LEASE, Math.max(1, Math.floor(rule.limit / LEASE_SHARE)));
}

/** The rule under which one take spends `size` requests: `size` intervals at once, admitted only with room for all. */
function leaseRule(rule: BucketRule, size: number): BucketRule {
  return { limit: rule.limit / size, windowMs: rule.windowMs };
}

/**
 * A key still spent in the last third of its credit's life, at a pace too slow to spend it all before it expires,
 * buys early what that pace spends in a lifetime, less what it holds (at least one request): credit in use is then
 * not lost to the expiry (which made such a key wait for the database every lifetime, and pay for credit it never
 * spent). What a key holds stays under two leases, the bound above: the top-up is at most a lease, bought while
 * less than a lease is held.
 */
function topUpFor(lease: Lease, now: number): number {
  const left = lease.expiresAt - now;
  const elapsed = now - lease.creditedAt;
  if (left > lease.lifetimeMs / 3 || elapsed <= 0) return 0;
  const pace = lease.spentSince / elapsed;
  if (pace * left >= lease.credit) return 0;
  return Math.min(lease.size, Math.max(1, Math.ceil(pace * lease.lifetimeMs) - lease.credit));
}
