import { type Kysely, sql } from 'kysely';
import type { Clock } from '../clock.js';
import { type BucketRule, MemoryTokenBuckets, type TokenBuckets } from '../token-buckets.js';
import type { Database } from './schema.js';
import type { Store } from './store.js';

const MAX_DENIED_KEYS = 10_000;

/**
 * Token buckets in PostgreSQL, shared by every instance on the database, so N instances allow a limit once, not N
 * times. Each bucket is one row holding its GCRA "theoretical arrival time" (the same arithmetic as a token bucket of
 * `limit` tokens refilled over `windowMs`), spent by one atomic upsert: no lock, no read-modify-write race. When the
 * database cannot answer, the instance's own memory buckets decide, so the limits degrade to per instance rather than
 * to none, and the limiter never turns an outage into more errors. A key found empty is answered from memory until it
refills, so a flood over the limit costs the database one query per refill, not one per request.
 *
 * @example
 * const buckets = new PostgresTokenBuckets(db, clock);
 * const wait = await buckets.take('token:user:user_1', { limit: 1200, windowMs: 60_000 });
 */
export class PostgresTokenBuckets implements TokenBuckets {
  readonly #fallback: MemoryTokenBuckets;
  /** Keys the database said are empty, until when: a flood over the limit is answered here, not by the database. */
  readonly #deniedUntil = new Map<string, number>();
  #sweptAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {
    this.#fallback = new MemoryTokenBuckets({ clock });
  }

  async take(key: string, rule: BucketRule): Promise<number> {
    const now = this.clock.now();
    const until = this.#deniedUntil.get(key);
    if (until !== undefined) {
      if (now < until) return Math.ceil(until - now);
      this.#deniedUntil.delete(key);
    }
    const interval = rule.windowMs / rule.limit;
    // A bucket may run this far ahead of now: `limit` requests at once, then one per interval.
    const tolerance = rule.windowMs - interval;
    try {
      this.#sweep(now, rule.windowMs);
      const spent = await sql<{ tat: number }>`
        insert into tb_rate_limits (key, tat) values (${key}, ${now + interval})
        on conflict (key) do update set tat = greatest(tb_rate_limits.tat, ${now}::float8) + ${interval}::float8
        where greatest(tb_rate_limits.tat, ${now}::float8) - ${now}::float8 <= ${tolerance}::float8
        returning tat`.execute(this.db);
      if (spent.rows.length > 0) return 0;
      const row = await this.db.selectFrom('tb_rate_limits').select('tat').where('key', '=', key).executeTakeFirst();
      const wait = Math.max(1, Math.ceil((row?.tat ?? now) - now - tolerance));
      this.#remember(key, now + wait);
      return wait;
    } catch {
      return this.#fallback.takeNow(key, rule);
    }
  }

  /** No instance can refill a bucket sooner than the database said, so the denial holds locally until then. */
  #remember(key: string, until: number): void {
    if (this.#deniedUntil.size >= MAX_DENIED_KEYS) {
      this.#deniedUntil.delete(this.#deniedUntil.keys().next().value as string);
    }
    this.#deniedUntil.set(key, until);
  }

  /** Full buckets (their arrival time passed) are the same as none: drop them once per window, off the request path. */
  #sweep(now: number, windowMs: number): void {
    if (now - this.#sweptAt < windowMs) return;
    this.#sweptAt = now;
    void this.db
      .deleteFrom('tb_rate_limits')
      .where('tat', '<', now)
      .execute()
      .catch(() => {});
  }
}

/**
 * The buckets instances of `store` share: PostgreSQL's, or undefined on SQLite (one process; its memory suffices).
 *
 * @example
 * const app = await buildServer({ ...options, rateLimitBuckets: sharedTokenBuckets(store) });
 */
export function sharedTokenBuckets(store: Pick<Store, 'sharedTokenBuckets'>): TokenBuckets | undefined {
  return store.sharedTokenBuckets();
}
