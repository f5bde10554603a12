import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
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
    let holding!: () => void;
    const held = new Promise<void>((r) => {
      holding = r;
    });
    let release!: () => void;
    const hang = new Promise<void>((r) => {
      release = r;
    });
    const stuck = h.store.withRefreshLock('user_crash', async () => {
      holding();
      await hang;
    });
    await held;

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
    release();
    await stuck;
  });
});
