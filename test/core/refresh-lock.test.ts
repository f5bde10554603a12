import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { BridgeEvent } from '../../src/core/types.js';
import type { RefreshLease, Store } from '../../src/storage/index.js';
import { type Harness, startHarness } from './harness.js';
import { PG_URL } from './pg.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the PostgreSQL refresh lock', () => {
  it('a holder whose database session dies (a killed process) leaves no lock behind', async () => {
    h = await startHarness('postgres');
    const other = await h.secondInstance();
    await h.connect('user_crash', 'ada@example.com', []);
    h.clock.advance(2 * 3600_000);

    // Instance one takes the lock and hangs, as a process would that is about to be killed.
    const stuck = await holdLock(h.store, 'user_crash');

    const before = h.google.control.counters().grants.refresh_token;
    const waiting = other.bridge.getAccessToken('user_crash');

    // The holder's session ends the way a kill -9 ends it: PostgreSQL sees the connection drop.
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      const { rowCount } = await admin.query(
        `select pg_terminate_backend(l.pid) from pg_locks l where l.locktype = 'advisory' and l.granted
           and l.pid <> pg_backend_pid()
           and l.pid in (select pid from pg_stat_activity where application_name = $1)`,
        [`tokenbridge-refresh-locks/${h.schema}`],
      );
      expect(rowCount).toBe(1);
    } finally {
      await admin.end();
    }

    await expect(waiting).resolves.toMatchObject({ source: 'oauth' });
    expect(h.google.control.counters().grants.refresh_token).toBe(before + 1);
    await stuck.release();
  });

  it('an instance waiting for the lock serves the token another instance wrote, without ever taking the lock', async () => {
    h = await startHarness('postgres');
    const other = await h.secondInstance();
    const heard: BridgeEvent[] = [];
    other.bridge.on((event) => heard.push(event));
    await h.connect('user_join', 'ada@example.com', []);
    h.clock.advance(2 * 3600_000);

    // Instance one holds the lock for the whole test, as a holder still busy at Google would.
    const stuck = await holdLock(h.store, 'user_join');
    const repo = h.store;
    const grants = h.google.control.counters().grants.refresh_token;

    const waiting = other.bridge.getAccessToken('user_join');
    await untilLockTried(h.schema!);
    // The holder's refresh lands: a fresh token written while it still holds the lock.
    const row = (await repo.getConnection('user_join'))!;
    await repo.updateConnection({
      ...row,
      accessToken: h.keyring.encrypt('ya29.written-by-the-holder', { userId: 'user_join', purpose: 'access_token' }),
      accessTokenExpiresAt: h.clock.now() + 3600_000,
    });

    await expect(waiting).resolves.toMatchObject({ accessToken: 'ya29.written-by-the-holder' });
    expect(heard.filter((e) => e.type === 'refresh.joined')).toHaveLength(1);
    expect(heard.filter((e) => e.type === 'refresh.lock_acquired')).toEqual([]);
    expect(h.google.control.counters().grants.refresh_token).toBe(grants);
    await stuck.release();
  });
});

/** Waits (bounded) until a second lock session of this schema has tried for a lock: its instance is now waiting. */
async function untilLockTried(schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const { rowCount } = await admin.query(
        `select 1 from pg_stat_activity a where a.application_name = $1 and a.state = 'idle'
           and a.query like 'select pg_try_advisory_lock%'
           and not exists (select 1 from pg_locks l where l.pid = a.pid and l.locktype = 'advisory' and l.granted)`,
        [`tokenbridge-refresh-locks/${schema}`],
      );
      if ((rowCount ?? 0) > 0) return;
    }
    throw new Error('no second instance tried for the lock');
  } finally {
    await admin.end();
  }
}

/** Takes the user's refresh lock as a holder busy elsewhere (at Google, or about to be killed) would. */
async function holdLock(store: Store, userId: string): Promise<RefreshLease> {
  const turn = await store.acquireOrJoin(userId);
  if (turn.kind !== 'lease') throw new Error('the refresh lock was not free');
  return turn.lease;
}
