import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { type Database, openStore, type Store } from '../../src/storage/index.js';
import { PostgresTokenBuckets, sharedTokenBuckets } from '../../src/storage/postgres-token-buckets.js';
import { MemoryTokenBuckets, type TokenBuckets } from '../../src/token-buckets.js';
import { dropSchema, PG_URL, uniqueSchema } from './pg.js';

const schema = uniqueSchema('buckets');
const clock = new ManualClock(1_000_000);
let store: Store;

beforeAll(async () => {
  store = await openStore(`${PG_URL}?schema=${schema}`, { clock });
  await store.migrate();
});
afterAll(async () => {
  await store.close();
  await dropSchema(schema);
});

const rule = { limit: 3, windowMs: 60_000 };

/** What a bucket answers for `count` requests at the clock's current time. */
async function spend(buckets: TokenBuckets, key: string, count: number): Promise<number[]> {
  const waits = [];
  for (let i = 0; i < count; i++) waits.push(await buckets.take(key, rule));
  return waits;
}

describe('token buckets', () => {
  it('on PostgreSQL, answer as the memory buckets do: a burst of the limit, then the wait for one more', async () => {
    const shared = sharedTokenBuckets(store)!;
    const memory = new MemoryTokenBuckets({ clock });
    expect(await spend(shared, 'same', 4)).toEqual([0, 0, 0, 20_000]);
    expect(await spend(memory, 'same', 4)).toEqual([0, 0, 0, 20_000]);
    clock.advance(20_000);
    expect(await spend(shared, 'same', 2)).toEqual([0, 20_000]);
    expect(await spend(memory, 'same', 2)).toEqual([0, 20_000]);
  });

  it('on PostgreSQL, are shared by every instance of the database: three instances allow the limit once', async () => {
    const instances = [0, 1, 2].map(() => sharedTokenBuckets(store)!);
    const waits = [];
    for (let i = 0; i < 6; i++) waits.push(await instances[i % 3]!.take('user:ada', rule));
    expect(waits.map((wait) => wait > 0)).toEqual([false, false, false, true, true, true]);
  });

  it('on PostgreSQL, concurrent requests never let more than the limit through', async () => {
    const instances = [0, 1, 2].map(() => sharedTokenBuckets(store)!);
    const waits = await Promise.all(Array.from({ length: 30 }, (_, i) => instances[i % 3]!.take('user:burst', rule)));
    expect(waits.filter((wait) => wait === 0)).toHaveLength(rule.limit);
  });

  it('on PostgreSQL, a flood over the limit is answered from memory until the bucket refills', async () => {
    const buckets = sharedTokenBuckets(store)!;
    expect((await spend(buckets, 'ip:flood', 4)).map((wait) => wait > 0)).toEqual([false, false, false, true]);
    // The row is gone (as if swept): an instance asking the database would let the next request through.
    await (store as unknown as { kysely: Kysely<Database> }).kysely
      .deleteFrom('tb_rate_limits')
      .where('key', '=', 'ip:flood')
      .execute();
    expect(await buckets.take('ip:flood', rule)).toBe(20_000);
    clock.advance(20_000);
    expect(await buckets.take('ip:flood', rule)).toBe(0);
  });

  it('while the database cannot answer, each instance’s own memory still limits: never unlimited, never an error', async () => {
    const broken = await openStore('postgres://postgres@127.0.0.1:1/none', { clock });
    const buckets = new PostgresTokenBuckets((broken as unknown as { kysely: never }).kysely, clock);
    expect((await spend(buckets, 'user:outage', 4)).map((wait) => wait > 0)).toEqual([false, false, false, true]);
    await broken.close();
  });

  it('on SQLite there is nothing to share: the instance keeps its buckets in memory', async () => {
    const sqlite = await openStore(':memory:', { clock });
    expect(sharedTokenBuckets(sqlite)).toBeUndefined();
    await sqlite.close();
  });
});
