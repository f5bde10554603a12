import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { BucketLeases } from '../../src/http/bucket-leases.js';
import { openStore, type Store } from '../../src/storage/index.js';
import { sharedTokenBuckets } from '../../src/storage/postgres-token-buckets.js';
import type { BucketRule, TokenBuckets } from '../../src/token-buckets.js';
import { dropSchema, PG_URL, uniqueSchema } from '../core/pg.js';

/**
 * Shared buckets with PostgreSQL's arithmetic (`postgres-token-buckets.ts`: one GCRA arrival time per key, spent by
 * one conditional upsert), in memory, counting the round trips a database would see.
 */
class SharedBuckets implements TokenBuckets {
  readonly #tat = new Map<string, number>();
  roundTrips = 0;
  /** Bucket time paid for, in ms (a request under a limit of 1,200 a minute costs 50). */
  paidMs = 0;
  constructor(private readonly clock: ManualClock) {}

  async take(key: string, rule: BucketRule): Promise<number> {
    this.roundTrips++;
    const now = this.clock.now();
    const interval = rule.windowMs / rule.limit;
    const tolerance = rule.windowMs - interval;
    const base = Math.max(this.#tat.get(key) ?? now, now);
    if (base - now <= tolerance) {
      this.#tat.set(key, base + interval);
      this.paidMs += interval;
      return 0;
    }
    return Math.max(1, Math.ceil(base - now - tolerance));
  }
}

const PER_MINUTE = (limit: number): BucketRule => ({ limit, windowMs: 60_000 });

async function spend(buckets: BucketLeases, key: string, rule: BucketRule): Promise<number> {
  return buckets.takeNow(key, rule) ?? (await buckets.take(key, rule));
}

describe('shared rate-limit buckets spent in leases', () => {
  it('a busy user costs the database one round trip per lease, not one per request', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const shared = new SharedBuckets(clock);
    const leases = new BucketLeases(shared, clock);
    for (let i = 0; i < 300; i++) expect(await spend(leases, 'token:user:ada', PER_MINUTE(1200))).toBe(0);
    // Leases of 30 (1/40 of the limit): 10 round trips for 300 requests, and the next lease already bought.
    expect(shared.roundTrips).toBe(11);
  });

  it('three instances sharing the buckets still allow the limit once, and then say how long to wait', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const shared = new SharedBuckets(clock);
    const instances = [0, 1, 2].map(() => new BucketLeases(shared, clock));
    const rule = PER_MINUTE(400);
    let allowed = 0;
    const denied = new Set<number>();
    for (let turn = 0; denied.size < 3 && turn < 10_000; turn++) {
      const index = turn % 3;
      if (denied.has(index)) continue;
      const wait = await spend(instances[index]!, 'token:user:ada', rule);
      if (wait === 0) allowed++;
      else denied.add(index);
    }
    expect(allowed).toBe(400);
    // Near the limit requests went one by one: a denied request waits for about one request's refill, no more.
    const wait = await spend(instances[0]!, 'token:user:ada', rule);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(150);
  });

  it('concurrent requests for one key wait for a single purchase', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const shared = new SharedBuckets(clock);
    const leases = new BucketLeases(shared, clock);
    const waits = await Promise.all(
      Array.from({ length: 15 }, () => spend(leases, 'token:user:ada', PER_MINUTE(1200))),
    );
    expect(waits.every((wait) => wait === 0)).toBe(true);
    expect(shared.roundTrips).toBe(1);
  });

  it('a small limit is spent one request at a time, exactly as without leases', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const shared = new SharedBuckets(clock);
    const leases = new BucketLeases(shared, clock);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await spend(leases, 'ip:203.0.113.1', PER_MINUTE(3)));
    expect(answers.slice(0, 3)).toEqual([0, 0, 0]);
    expect(answers[3]).toBe(20_000);
    expect(shared.roundTrips).toBe(4);
  });

  it('the next lease is bought while the current one still serves, so a busy key never waits for the database', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const shared = new SharedBuckets(clock);
    const leases = new BucketLeases(shared, clock);
    const rule = PER_MINUTE(1200);
    await spend(leases, 'token:user:ada', rule);
    // 29 requests of credit; from the 20th on (a third left), the next lease is on its way.
    let waited = 0;
    for (let i = 0; i < 100; i++) {
      if (leases.takeNow('token:user:ada', rule) === undefined) waited++;
      await Promise.resolve();
    }
    expect(waited).toBe(0);
    expect(shared.roundTrips).toBe(4);
  });

  it.each([2, 7.5, 12])(
    'a user polling steadily at %s requests a second waits for the database once, and pays for what it spends',
    async (perSecond) => {
      const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
      const shared = new SharedBuckets(clock);
      const leases = new BucketLeases(shared, clock);
      const rule = PER_MINUTE(1200);
      // Slower than half the limit's pace, a lease of 30 outlives its 3 s: the credit must not lapse under the user.
      let waited = 0;
      const requests = perSecond * 120;
      for (let i = 0; i < requests; i++) {
        clock.advance(1000 / perSecond);
        let wait: number | undefined = leases.takeNow('token:user:ada', rule);
        if (wait === undefined) {
          waited++;
          wait = await leases.take('token:user:ada', rule);
        }
        expect(wait).toBe(0);
        // The background purchase lands before the next request, as a database round trip would.
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(waited).toBe(1);
      // Paid for: what was spent, and the credit still held (under two leases).
      expect(shared.paidMs / 50).toBeGreaterThanOrEqual(requests);
      expect(shared.paidMs / 50).toBeLessThan(requests + 2 * 30);
    },
  );

  it('credit left unspent expires once the bucket would have refilled it twice', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const shared = new SharedBuckets(clock);
    const leases = new BucketLeases(shared, clock);
    await spend(leases, 'token:user:ada', PER_MINUTE(1200));
    expect(leases.takeNow('token:user:ada', PER_MINUTE(1200))).toBe(0);
    // A lease of 30 at 20 per second refills in 1.5 s.
    clock.advance(3000);
    expect(leases.takeNow('token:user:ada', PER_MINUTE(1200))).toBeUndefined();
    expect(await leases.take('token:user:ada', PER_MINUTE(1200))).toBe(0);
    expect(shared.roundTrips).toBe(2);
  });
});

describe('leases on PostgreSQL’s shared buckets', () => {
  const schema = uniqueSchema('leases');
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  let store: Store;
  beforeAll(async () => {
    store = await openStore(`${PG_URL}?schema=${schema}`, { clock });
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    await dropSchema(schema);
  });

  /** One instance's buckets, counting the statements it sends. */
  const instance = () => {
    const shared = sharedTokenBuckets(store)!;
    const counted = {
      roundTrips: 0,
      take(key: string, rule: BucketRule) {
        counted.roundTrips++;
        return shared.take(key, rule);
      },
    };
    return { counted, leases: new BucketLeases(counted, clock) };
  };

  it('three instances allow the limit once, in a round trip per lease, then every one refuses', async () => {
    const instances = [0, 1, 2].map(instance);
    const rule = PER_MINUTE(400);
    const roundTrips = () => instances.reduce((sum, { counted }) => sum + counted.roundTrips, 0);
    let allowed = 0;
    let tripsForTheLimit = 0;
    for (let turn = 0; turn < 600; turn++) {
      if ((await spend(instances[turn % 3]!.leases, 'token:user:ada', rule)) !== 0) continue;
      allowed++;
      if (allowed === 400) tripsForTheLimit = roundTrips();
    }
    // Never more than the limit; credit one instance holds near the limit can refuse another's request early, but it is
    // spent in the end, so the limit passes exactly once.
    expect(allowed).toBe(400);
    // Leases of 10 while there is room, then one by one near the limit: far fewer than 400.
    expect(tripsForTheLimit).toBeLessThan(100);
    for (const { leases } of instances) expect(await spend(leases, 'token:user:ada', rule)).toBeGreaterThan(0);
  });

  it('concurrent requests on three instances never let more than the limit through', async () => {
    const instances = [0, 1, 2].map(instance);
    const rule = PER_MINUTE(200);
    const waits = await Promise.all(
      Array.from({ length: 500 }, (_, i) => spend(instances[i % 3]!.leases, 'token:user:burst', rule)),
    );
    expect(waits.filter((wait) => wait === 0).length).toBeLessThanOrEqual(200);
  });
});
