import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Keyring } from '../../src/core/keyring.js';
import { API_KEY, BACKENDS, PG_URL } from '../e2e/world.js';
import { type SecretWorld, startSecretWorld } from './secret-world.js';

interface ErrorBody {
  error: { code: string; message: string; reason?: string; connectUrl?: string };
}

const token = (world: SecretWorld, who: Parameters<SecretWorld['call']>[1]) =>
  world.call('/api/google-token?scope=drive.readonly', who);

/** Every table of the bridge's database as raw text: the SQLite file (and its WAL), or every PostgreSQL row. */
async function rawDatabase(world: SecretWorld): Promise<string> {
  if (world.dbFile) {
    return [world.dbFile, `${world.dbFile}-wal`]
      .map((file) => {
        try {
          return readFileSync(file).toString('latin1');
        } catch {
          return '';
        }
      })
      .join('');
  }
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      'select table_name from information_schema.tables where table_schema = $1',
      [world.schema],
    );
    const rows = [];
    for (const { table_name } of tables.rows) {
      rows.push(JSON.stringify((await client.query(`select * from "${world.schema}"."${table_name}"`)).rows));
    }
    return rows.join('\n');
  } finally {
    await client.end();
  }
}

/** Swaps the two users' token ciphertexts in the raw database, as an attacker with write access to it would. */
async function swapCiphertexts(world: SecretWorld, a: string, b: string): Promise<void> {
  const [rowA, rowB] = [await world.service.store.getConnection(a), await world.service.store.getConnection(b)];
  expect(rowA?.refreshToken && rowB?.refreshToken).toBeTruthy();
  const writes: Array<[string | null, string | null, string]> = [
    [rowB!.refreshToken, rowB!.accessToken, a],
    [rowA!.refreshToken, rowA!.accessToken, b],
  ];
  if (world.dbFile) {
    const db = new Database(world.dbFile);
    try {
      const update = db.prepare('update tb_connections set refresh_token = ?, access_token = ? where user_id = ?');
      db.transaction(() => {
        for (const write of writes) update.run(...write);
      })();
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    for (const write of writes) {
      await client.query(
        `update "${world.schema}".tb_connections set refresh_token = $1, access_token = $2 where user_id = $3`,
        write,
      );
    }
  } finally {
    await client.end();
  }
}

describe.each(BACKENDS)('secrets at rest and in logs, on %s', (backend) => {
  let world: SecretWorld;
  beforeEach(async () => {
    world = await startSecretWorld(backend);
  });
  afterEach(async () => {
    // Whatever a test did, no secret it met may have reached a log line of the bridge or of either emulator.
    const leaks = await world.leakedSecrets();
    await world.close();
    expect(leaks).toEqual([]);
  });

  it('the raw database holds no substring of any access token, refresh token, code or PKCE verifier', async () => {
    const ada = await world.signIn('ada@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
    const first = (await (await token(world, { who: ada })).json()) as { accessToken: string };
    world.clock.advance(3600_000);
    const second = (await (await token(world, { who: ada })).json()) as { accessToken: string };
    expect(second.accessToken).not.toBe(first.accessToken);
    // A pending authorization (its PKCE verifier and state) sits in the database too.
    await world.call('/connect/google?scope=gmail.readonly', { headers: { cookie: `__session=${ada.sessionToken}` } });

    const row = await world.service.store.getConnection(ada.userId);
    const keyring = Keyring.parse(world.sandbox.config.encryptionKeys);
    const refreshToken = keyring.decrypt(row!.refreshToken!, { userId: ada.userId, purpose: 'refresh_token' });
    const raw = await rawDatabase(world);
    expect(raw).toContain('ada@example.com');
    for (const secret of [first.accessToken, second.accessToken, refreshToken]) {
      for (let at = 0; at + 16 <= secret.length; at += 8) expect(raw).not.toContain(secret.slice(at, at + 16));
    }
    expect(raw).not.toMatch(/ya29\.a0|1\/\/0[A-Za-z0-9_-]{8}|4\/0A[A-Za-z0-9_-]{8}/);
  });

  it('a ciphertext swapped between two users does not decrypt: both get reconnect_required, nothing crashes', async () => {
    const ada = await world.signIn('ada@example.com');
    const grace = await world.signIn('grace@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
    await world.connect(grace, ['drive.readonly'], { account: 'grace@example.com' });
    const before = (await (await token(world, { who: ada })).json()) as { accessToken: string };

    await swapCiphertexts(world, ada.userId, grace.userId);
    // Past expiry the bridge must read (and decrypt) the swapped rows, whatever it had in memory.
    world.clock.advance(3600_000);
    for (const who of [ada, grace]) {
      const response = await token(world, { who });
      expect(response.status).toBe(409);
      const body = (await response.json()) as ErrorBody;
      expect(body.error.code).toBe('reconnect_required');
      expect(body.error.connectUrl).toContain('/connect/google');
      expect(JSON.stringify(body)).not.toContain(before.accessToken);
    }
    // Reconnecting repairs it: the new grant replaces the unusable ciphertext.
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
    expect((await token(world, { who: ada })).status).toBe(200);
  });

  it('no secret reaches a log line across the flows: redirect, popup, refresh, proxy, server to server, webhook, disconnect', async () => {
    const ada = await world.signIn('ada@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com', returnTo: '/settings' });
    const code = await world.popupCode(['https://www.googleapis.com/auth/gmail.readonly'], 'ada@example.com');
    const popup = await world.call('/api/google/code', {
      who: ada,
      body: { code },
      headers: { 'x-requested-with': 'XmlHttpRequest' },
    });
    expect(popup.status).toBe(200);
    const { accessToken } = (await (await token(world, { who: ada })).json()) as { accessToken: string };
    world.clock.advance(3600_000);
    expect((await token(world, { who: ada })).status).toBe(200);
    expect((await world.call('/api/google/proxy/drive/v3/files?pageSize=1', { who: ada })).status).toBe(200);
    const s2s = await world.call(`/api/users/${ada.userId}/google-token?scope=drive.readonly`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(s2s.status).toBe(200);

    // Secrets in places they should never be put are still kept out of the logs: query strings and bad requests.
    await world.call(`/api/google-token?access_token=${accessToken}&code=${code}`, { who: ada });
    await world.call(`/api/google-token?token=${ada.sessionToken}`);
    await world.call('/api/google-token', { headers: { authorization: `Bearer ${ada.sessionToken}x` } });
    await world.call(`/oauth/google/callback?code=${code}&state=${accessToken}`, { who: ada });
    // Clerk's own session material in query strings: the sign-in's redirect back (`/?__clerk_db_jwt=…`), and
    // `__session`, `__clerk_handshake` and `oauth_token`, on the bridge and on both emulators.
    world.remember(ada.clientToken);
    const handshake = `hs_${'h'.repeat(8)}${ada.sessionToken.slice(-24)}`;
    world.remember(handshake);
    await world.call(`${ada.redirectedTo.pathname}${ada.redirectedTo.search}`);
    const sessionQueries = [
      `__clerk_db_jwt=${encodeURIComponent(ada.clientToken)}`,
      `__session=${encodeURIComponent(ada.sessionToken)}`,
      `__clerk_handshake=${encodeURIComponent(handshake)}&__clerk_handshake_nonce=${encodeURIComponent(handshake)}`,
      `oauth_token=${encodeURIComponent(accessToken)}`,
      `scope=drive.readonly&${encodeURIComponent(ada.clientToken)}`,
    ];
    for (const query of sessionQueries) {
      await world.call(`/?${query}`);
      await world.call(`/api/google-token?scope=drive.readonly&${query}`, { who: ada });
      await (await fetch(`${world.sandbox.clerk.url}/v1/client?${query}`)).arrayBuffer();
      await (await fetch(`${world.sandbox.google.url}/oauth2/v3/userinfo?${query}`)).arrayBuffer();
    }
    expect(world.logs.some((line) => line.includes('__clerk_db_jwt=[redacted]'))).toBe(true);
    expect(world.logs.some((line) => line.includes('scope=drive.readonly'))).toBe(true);

    const google = world.sandbox.google.url;
    const asQuery = await fetch(`${google}/drive/v3/files?access_token=${encodeURIComponent(accessToken)}`);
    await asQuery.arrayBuffer();
    const tokeninfo = await fetch(`${google}/tokeninfo?access_token=${encodeURIComponent(accessToken)}`);
    await tokeninfo.arrayBuffer();

    const body = JSON.stringify({ type: 'user.deleted', data: { id: 'user_nobody' } });
    const secret = world.sandbox.config.clerk.webhookSigningSecret!;
    const now = new Date();
    const forged = await world.call('/webhooks/clerk', {
      body: JSON.parse(body),
      headers: {
        'svix-id': 'msg_log_1',
        'svix-timestamp': String(Math.floor(now.getTime() / 1000)),
        'svix-signature': new Webhook(secret).sign('msg_other', now, body),
      },
    });
    expect(forged.status).toBe(400);
    expect((await world.call('/api/google/connection', { method: 'DELETE', who: ada })).status).toBe(204);

    expect(world.logs.length).toBeGreaterThan(10);
    expect(world.logs.some((line) => line.includes('google-emulator'))).toBe(true);
    expect(world.logs.some((line) => line.includes('clerk-emulator'))).toBe(true);
    // The bridge saw the secret-bearing query and logged it masked.
    expect(world.logs.some((line) => line.includes('access_token=[redacted]'))).toBe(true);
  });
});
