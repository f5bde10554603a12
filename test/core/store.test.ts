import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { holdingRefreshLock } from '../../src/core/refresh-lock.js';
import { openStore, type Store, type StoredConnection } from '../../src/storage/index.js';
import { dropSchema, PG_URL, uniqueSchema } from './pg.js';

const clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));

function connection(userId: string, overrides: Partial<StoredConnection> = {}): StoredConnection {
  return {
    userId,
    status: 'active',
    googleSub: '1234567890',
    googleEmail: 'ada@example.test',
    scopes: ['email', 'openid'],
    refreshToken: 'v1.k.iv.rt',
    accessToken: 'v1.k.iv.at',
    accessTokenExpiresAt: clock.now() + 3_600_000,
    refreshTokenExpiresAt: null,
    reconnectReason: null,
    lastRefreshAt: clock.now(),
    lastError: null,
    version: 0,
    createdAt: clock.now(),
    updatedAt: clock.now(),
    ...overrides,
  };
}

const tmp = mkdtempSync(join(tmpdir(), 'tb-store-'));
const schema = uniqueSchema('tb_store');
const backends: [string, () => Promise<Store>][] = [
  ['SQLite', () => openStore(join(tmp, 'nested', 'dir', 'bridge.db'), { clock })],
  ['PostgreSQL', () => openStore(PG_URL, { clock, schema })],
];

afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await dropSchema(schema);
});

describe.each(backends)('the %s store', (_name, open) => {
  let store: Store;
  beforeAll(async () => {
    store = await open();
    await store.migrate();
    await store.migrate(); // idempotent: a second start applies nothing
  });
  afterAll(async () => {
    await store?.close();
  });

  it('answers a ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('stores, versions, updates optimistically and deletes connections', async () => {
    const saved = await store.putConnection(connection('user_a'));
    expect(saved.version).toBe(1);
    const read = await store.getConnection('user_a');
    expect(read).toEqual({ ...connection('user_a'), version: 1 });

    const updated = await store.updateConnection({
      ...read!,
      scopes: ['openid'],
      lastError: { code: 'x', message: 'y', at: 5 },
    });
    expect(updated?.version).toBe(2);
    // A writer holding the stale version loses, instead of overwriting.
    expect(await store.updateConnection({ ...read!, scopes: ['stale'] })).toBeNull();
    expect((await store.getConnection('user_a'))?.scopes).toEqual(['openid']);
    expect((await store.getConnection('user_a'))?.lastError).toEqual({ code: 'x', message: 'y', at: 5 });

    expect(await store.countConnections()).toBe(1);
    expect((await store.deleteConnection('user_a'))?.userId).toBe('user_a');
    expect(await store.deleteConnection('user_a')).toBeNull();
    expect(await store.getConnection('user_a')).toBeNull();
  });

  it('a pending authorization can be taken exactly once', async () => {
    const pending = {
      stateHash: 'h1',
      userId: 'user_b',
      nonceHash: 'n',
      codeVerifier: 'v1.k.iv.cv',
      scopes: ['openid', 'email'],
      returnTo: '/back',
      redirectUri: 'http://127.0.0.1:3000/oauth/google/callback',
      expiresAt: clock.now() + 600_000,
      createdAt: clock.now(),
    };
    await store.savePendingAuthorization(pending);
    const [first, second] = await Promise.all([
      store.takePendingAuthorization('h1'),
      store.takePendingAuthorization('h1'),
    ]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    expect(first ?? second).toEqual(pending);
  });

  it('a pending authorization saved without a redirect URI (as before it was kept) reads back with null', async () => {
    await store.savePendingAuthorization({
      stateHash: 'h-legacy',
      userId: 'user_b',
      nonceHash: 'n',
      codeVerifier: 'v1.k.iv.cv',
      scopes: [],
      returnTo: '/',
      expiresAt: clock.now() + 600_000,
      createdAt: clock.now(),
    });
    expect((await store.takePendingAuthorization('h-legacy'))?.redirectUri).toBeNull();
  });

  it('purges expired pending authorizations', async () => {
    await store.savePendingAuthorization({
      stateHash: 'old',
      userId: 'user_c',
      nonceHash: 'n',
      codeVerifier: 'c',
      scopes: [],
      returnTo: '/',
      expiresAt: clock.now() - 1,
      createdAt: clock.now() - 600_001,
    });
    expect(await store.purgeExpiredAuthorizations(clock.now())).toBeGreaterThanOrEqual(1);
    expect(await store.takePendingAuthorization('old')).toBeNull();
  });

  it('claims an inbound event once, even when claimed concurrently', async () => {
    const claims = await Promise.all(Array.from({ length: 5 }, () => store.claimEvent('clerk', 'msg_1')));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await store.claimEvent('google_risc', 'msg_1')).toBe(true);
  });

  it('keeps an audit trail, newest first, filterable by user', async () => {
    await store.appendAudit({ userId: 'user_d', action: 'connect', actor: 'user', detail: { scopes: ['openid'] } });
    clock.advance(1000);
    await store.appendAudit({ userId: 'user_d', action: 'token_read', actor: 'api_key:billing', detail: {} });
    await store.appendAudit({ userId: 'user_e', action: 'connect', actor: 'user', detail: {} });
    const entries = await store.listAudit({ userId: 'user_d' });
    expect(entries.map((e) => e.action)).toEqual(['token_read', 'connect']);
    expect(entries[1]?.detail).toEqual({ scopes: ['openid'] });
    expect(entries[0]?.actor).toBe('api_key:billing');
  });

  it('serialises work under the refresh lock per user', async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let locked!: () => void;
    const firstHoldsLock = new Promise<void>((r) => {
      locked = r;
    });
    const first = holdingRefreshLock(store, 'user_f', async () => {
      order.push('first:start');
      locked();
      await gate;
      order.push('first:end');
    });
    await firstHoldsLock;
    const second = holdingRefreshLock(store, 'user_f', async () => {
      order.push('second');
      return store.getConnection('user_f');
    });
    release();
    await Promise.all([first, second]);
    if (store.kind === 'postgres') expect(order).toEqual(['first:start', 'first:end', 'second']);
    else expect(order).toContain('second');
  });
});

describe('a store whose database is gone', () => {
  it('answers every call with a typed storage_unavailable error, never a driver error', async () => {
    const store = await openStore('postgres://postgres@127.0.0.1:1/none', { clock });
    const error = await store.getConnection('user_x').catch((e) => e);
    expect(error).toMatchObject({ code: 'storage_unavailable', status: 503 });
    await expect(store.ping()).rejects.toMatchObject({ code: 'storage_unavailable' });
    await store.close();
  });
});
