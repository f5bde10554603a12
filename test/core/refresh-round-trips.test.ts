import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type Backend, feedLive, type Harness, startHarness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Counts the statements sent to the database while `work` runs (every pg session, or every SQLite statement). */
async function statementsDuring(backend: Backend, work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const note = (text: unknown) =>
    seen.push(String(typeof text === 'object' && text ? (text as { text: string }).text : text));
  if (backend === 'postgres') {
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      note(args[0]);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      await work();
    } finally {
      pg.Client.prototype.query = original;
    }
  } else {
    const original = Sqlite.prototype.prepare;
    Sqlite.prototype.prepare = function (this: Sqlite.Database, source: string) {
      note(source);
      return original.call(this, source);
    } as typeof original;
    try {
      await work();
    } finally {
      Sqlite.prototype.prepare = original;
    }
  }
  return seen;
}

/** A warm bridge whose user's token has expired: the next token request refreshes it. */
async function expired(backend: Backend): Promise<Harness> {
  const harness = await startHarness(backend);
  // Until the change feed listens, nothing is cached, and a read costs the measured request a round trip.
  await feedLive(harness.store);
  await harness.connect('user_rt', 'ada@example.com', []);
  await harness.bridge.getAccessToken('user_rt');
  harness.clock.advance(2 * 3600_000);
  return harness;
}

describe('database round trips of one refresh', () => {
  it('on PostgreSQL: lock, re-read, one statement writing the row with its audit entry and change notice, release', async () => {
    h = await expired('postgres');
    const statements = await statementsDuring('postgres', () => h!.bridge.getAccessToken('user_rt'));

    expect(h.events.filter((e) => e.type === 'token.refreshed')).toHaveLength(1);
    expect(statements.map((s) => s.replace(/\s+/g, ' ').slice(0, 40))).toEqual([
      'select pg_try_advisory_lock(k) as ok fro',
      'select * from "tb_connections" where "us',
      'with written as (update "tb_connections"',
      'select pg_advisory_unlock(k), pg_notify(',
    ]);
    expect(statements[2]).toMatch(/insert into tb_audit_log/);
    expect(statements[2]).toMatch(/pg_notify/);
    expect((await h.store.listAudit({ userId: 'user_rt' }))[0]?.action).toBe('refresh');
  });

  it('on SQLite: a re-read, then the row and its audit entry in one transaction', async () => {
    h = await expired('sqlite');
    const statements = await statementsDuring('sqlite', () => h!.bridge.getAccessToken('user_rt'));

    expect(h.events.filter((e) => e.type === 'token.refreshed')).toHaveLength(1);
    expect(statements.map((s) => s.split(' ').slice(0, 3).join(' '))).toEqual([
      'select * from',
      'begin',
      'update "tb_connections" set',
      'insert into "tb_audit_log"',
      'commit',
    ]);
    expect((await h.store.listAudit({ userId: 'user_rt' }))[0]?.action).toBe('refresh');
  });
});
