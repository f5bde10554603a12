import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keysCommand } from '../../src/cli/commands/keys.js';
import { type RotationProgress, rotateKeys } from '../../src/cli/key-rotation.js';
import { parseEnv } from '../../src/config/env.js';
import { Keyring } from '../../src/core/keyring.js';
import { openStore } from '../../src/storage/index.js';
import type { Store, StoredConnection } from '../../src/storage/store.js';
import { dropSchema, PG_URL, uniqueSchema } from '../core/pg.js';
import { capture } from './capture.js';

const OLD = Keyring.generate('old');
const NEW = Keyring.generate('new');
const oldRing = Keyring.parse(OLD);
const rotatingRing = Keyring.parse(`${NEW},${OLD}`);
const newOnly = Keyring.parse(NEW);

function connection(userId: string, keyring: Keyring, now = 1_800_000_000_000): StoredConnection {
  return {
    userId,
    status: 'active',
    googleSub: `sub-${userId}`,
    googleEmail: `${userId}@example.com`,
    scopes: ['openid', 'email'],
    refreshToken: keyring.encrypt(`1//refresh-${userId}`, { userId, purpose: 'refresh_token' }),
    accessToken: keyring.encrypt(`ya29.access-${userId}`, { userId, purpose: 'access_token' }),
    accessTokenExpiresAt: now + 3_600_000,
    refreshTokenExpiresAt: null,
    reconnectReason: null,
    lastRefreshAt: now,
    lastError: null,
    version: 0,
    createdAt: now,
    updatedAt: now,
  };
}

const secretsOf = async (store: Store, userId: string, keyring: Keyring) => {
  const row = (await store.getConnection(userId))!;
  return {
    refresh: keyring.decrypt(row.refreshToken!, { userId, purpose: 'refresh_token' }),
    access: keyring.decrypt(row.accessToken!, { userId, purpose: 'access_token' }),
  };
};

describe.each(['sqlite', 'postgres'] as const)('tokenbridge keys rotate on %s', (backend) => {
  let store: Store;
  let dir: string;
  let databaseUrl: string;
  let schema: string | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tb-rotate-'));
    schema = backend === 'postgres' ? uniqueSchema('rotate') : undefined;
    databaseUrl = backend === 'sqlite' ? join(dir, 'tb.db') : PG_URL;
    store = await openStore(databaseUrl, schema ? { schema } : {});
    await store.migrate();
    for (let i = 0; i < 25; i++) await store.putConnection(connection(`user_${String(i).padStart(2, '0')}`, oldRing));
    await store.savePendingAuthorization({
      stateHash: 'state-hash-1',
      userId: 'user_00',
      nonceHash: 'nonce-hash',
      codeVerifier: oldRing.encrypt('verifier-1', { userId: 'user_00', purpose: 'pkce_verifier' }),
      scopes: ['openid'],
      returnTo: '/',
      expiresAt: 1_900_000_000_000,
      createdAt: 1_800_000_000_000,
    });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    if (schema) await dropSchema(schema);
  });

  it('re-encrypts every row under the new key, so the old key can then be removed', async () => {
    const result = await rotateKeys({ store, keyring: rotatingRing, batchSize: 7 });
    expect(result).toMatchObject({ total: 26, rotated: 26, failed: 0, complete: true, remaining: 0 });
    expect(result.unusedKeyIds).toEqual(['old']);
    for (let i = 0; i < 25; i++) {
      const userId = `user_${String(i).padStart(2, '0')}`;
      // Only the new key is left: every secret still decrypts to what it was.
      expect(await secretsOf(store, userId, newOnly)).toEqual({
        refresh: `1//refresh-${userId}`,
        access: `ya29.access-${userId}`,
      });
    }
    const pending = await store.takePendingAuthorization('state-hash-1');
    expect(newOnly.decrypt(pending!.codeVerifier, { userId: 'user_00', purpose: 'pkce_verifier' })).toBe('verifier-1');
  });

  it('resumes after an interruption and is a no-op once done', async () => {
    const stop = new AbortController();
    const seen: RotationProgress[] = [];
    const first = await rotateKeys({
      store,
      keyring: rotatingRing,
      batchSize: 4,
      signal: stop.signal,
      onProgress: (p) => {
        seen.push(p);
        if (p.rotated === 10) stop.abort();
      },
    });
    expect(first).toMatchObject({ complete: false, rotated: 10, remaining: 16 });
    expect(seen[0]).toMatchObject({ total: 26, rotated: 0 });

    const second = await rotateKeys({ store, keyring: rotatingRing, batchSize: 4 });
    expect(second).toMatchObject({ complete: true, total: 16, rotated: 16, remaining: 0 });

    const third = await rotateKeys({ store, keyring: rotatingRing });
    expect(third).toMatchObject({ complete: true, total: 0, rotated: 0, skipped: 0, remaining: 0 });
  });

  it('never overwrites a refresh that lands mid-rotation with stale tokens', async () => {
    // Another instance refreshes user_03 between the rotation's read and its write (on SQLite another process does
    // not share the in-process lock, so only the compare-and-swap stands between them).
    let raced = false;
    const racing = new Proxy(store, {
      get(target, property, receiver) {
        if (property !== 'getConnection') return Reflect.get(target, property, receiver);
        return async (id: string) => {
          const row = await target.getConnection(id);
          if (id === 'user_03' && !raced && row) {
            raced = true;
            const refreshed = {
              ...row,
              // The other instance still runs with the old keyring first.
              accessToken: oldRing.encrypt('ya29.refreshed-meanwhile', { userId: id, purpose: 'access_token' }),
              lastRefreshAt: row.lastRefreshAt! + 1,
            };
            expect(await target.updateConnection(refreshed)).not.toBeNull();
          }
          return row;
        };
      },
    });
    const result = await rotateKeys({ store: racing, keyring: rotatingRing });
    expect(raced).toBe(true);
    expect(result).toMatchObject({ complete: true, failed: 0, remaining: 0 });
    expect(await secretsOf(store, 'user_03', newOnly)).toEqual({
      refresh: '1//refresh-user_03',
      access: 'ya29.refreshed-meanwhile',
    });
  });

  it('reports rows whose key is missing from the ring instead of guessing', async () => {
    const lost = Keyring.parse(Keyring.generate('lost'));
    await store.putConnection(connection('user_lost', lost));
    const result = await rotateKeys({ store, keyring: rotatingRing });
    expect(result).toMatchObject({ failed: 1, rotated: 26, remaining: 1 });
    expect(result.unusedKeyIds).toEqual([]);
  });

  it('the command prints plain progress lines off a terminal and a summary naming the removable key', async () => {
    const stdout = capture();
    const stderr = capture();
    const env = parseEnv({
      DATABASE_URL: schema ? `${PG_URL}?schema=${schema}` : databaseUrl,
      TOKENBRIDGE_ENCRYPTION_KEYS: `${NEW},${OLD}`,
    });
    const code = await keysCommand(['rotate', '--batch-size', '10'], { env, stdout, stderr });
    expect(code).toBe(0);
    expect(stderr.text).toContain('progress: 26/26 rows');
    expect(stderr.text).not.toContain('\r');
    expect(stdout.text).toContain('Done: 26 re-encrypted');
    expect(stdout.text).toContain('"old"');
    expect(stdout.text + stderr.text).not.toContain(NEW.split(':')[1]);
  });

  it('draws a progress bar on a terminal', async () => {
    const stdout = capture();
    const stderr = capture({ tty: true });
    const env = parseEnv({
      DATABASE_URL: schema ? `${PG_URL}?schema=${schema}` : databaseUrl,
      TOKENBRIDGE_ENCRYPTION_KEYS: `${NEW},${OLD}`,
    });
    expect(await keysCommand(['rotate'], { env, stdout, stderr })).toBe(0);
    expect(stderr.text).toMatch(/\r\[#+\] 26\/26/);
  });

  it('refuses a bad batch size with a usage error', async () => {
    const env = parseEnv({ DATABASE_URL: databaseUrl, TOKENBRIDGE_ENCRYPTION_KEYS: NEW });
    const stderr = capture();
    expect(await keysCommand(['rotate', '--batch-size', 'lots'], { env, stdout: capture(), stderr })).toBe(2);
    expect(stderr.text).toContain('--batch-size');
  });
});

describe('tokenbridge keys generate', () => {
  it('prints a fresh 32-byte key entry that the keyring accepts', async () => {
    const stdout = capture();
    const code = await keysCommand(['generate', '--kid', 'k2027'], {
      env: parseEnv({}),
      stdout,
      stderr: capture(),
    });
    expect(code).toBe(0);
    const entry = stdout.text.trim();
    expect(entry).toMatch(/^k2027:/);
    expect(Keyring.parse(entry).primaryKeyId).toBe('k2027');
  });
});
