import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliActor } from '../../src/cli/cli-io.js';
import { connectionsCommand } from '../../src/cli/commands/connections.js';
import { tokenCommand } from '../../src/cli/commands/token.js';
import { parseEnv } from '../../src/config/env.js';
import type { BrowserSignIn } from '../../src/sandbox/clerk/index.js';
import { startWorld, type World } from '../e2e/world.js';
import { capture } from './capture.js';

describe('tokenbridge token and connections against a running sandbox', () => {
  let world: World;
  let ada: BrowserSignIn;
  let io: () => Parameters<typeof tokenCommand>[1] & {
    stdout: ReturnType<typeof capture>;
    stderr: ReturnType<typeof capture>;
  };

  beforeAll(async () => {
    world = await startWorld('sqlite');
    ada = await world.signIn('ada@example.com');
    await world.signIn('bob@example.com');
    await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
    const { config } = world.sandbox;
    // The operator's shell: the same variables the running bridge was given.
    const env = parseEnv({
      DATABASE_URL: world.dbFile!,
      PUBLIC_URL: config.publicUrl,
      CLERK_SECRET_KEY: config.clerk.secretKey,
      CLERK_API_URL: config.clerk.apiUrl!,
      GOOGLE_CLIENT_ID: config.google.clientId,
      GOOGLE_CLIENT_SECRET: config.google.clientSecret,
      GOOGLE_BASE_URL: config.google.baseUrl!,
      TOKENBRIDGE_ENCRYPTION_KEYS: config.encryptionKeys,
    });
    io = () => ({ env, stdout: capture(), stderr: capture(), clock: world.clock });
  }, 60_000);

  afterAll(async () => {
    await world?.close();
  });

  it('token prints a fresh access token that Google accepts, and the read is audited to the operator', async () => {
    world.clock.advance(3600_000);
    const run = io();
    const code = await tokenCommand([ada.userId, '--scope', 'drive.readonly', '--json'], run);
    expect(run.stderr.text).toBe('');
    expect(code).toBe(0);
    const token = JSON.parse(run.stdout.text) as { accessToken: string; source: string; scopes: string[] };
    expect(token.source).toBe('oauth');
    const info = await fetch(`${world.sandbox.google.url}/tokeninfo?access_token=${token.accessToken}`);
    expect(info.status).toBe(200);
    const audit = await world.service.store.listAudit({ userId: ada.userId, limit: 5 });
    expect(audit.find((e) => e.action === 'token_read')).toMatchObject({ actor: cliActor() });
  });

  it('token for a user without a connection exits 1 and says where they can connect', async () => {
    const run = io();
    expect(await tokenCommand(['user_nobody', '--scope', 'drive.readonly'], run)).toBe(1);
    expect(run.stderr.text).toContain('not_connected');
    expect(run.stderr.text).toContain('/connect/google');
  });

  it('token refuses a missing user id with usage', async () => {
    const run = io();
    expect(await tokenCommand(['--scope', 'drive.readonly'], run)).toBe(2);
    expect(run.stderr.text).toContain('Usage: tokenbridge token');
  });

  it('connections list shows the connected user and their Google account', async () => {
    const run = io();
    expect(await connectionsCommand(['list'], run)).toBe(0);
    expect(run.stdout.text).toMatch(/^USER\s+STATUS\s+GOOGLE ACCOUNT/);
    expect(run.stdout.text).toContain(ada.userId);
    expect(run.stdout.text).toContain('ada@example.com');
    const json = io();
    expect(await connectionsCommand(['list', '--status', 'needs_reconnect', '--json'], json)).toBe(0);
    expect(JSON.parse(json.stdout.text)).toEqual({ data: [], next: null });
  });

  it('connections show describes the grant without any ciphertext or token', async () => {
    const run = io();
    expect(await connectionsCommand(['show', ada.userId], run)).toBe(0);
    expect(run.stdout.text).toContain('Status            active');
    expect(run.stdout.text).toContain('https://www.googleapis.com/auth/drive.readonly');
    expect(run.stdout.text).toContain('Recent audit trail:');
    expect(run.stdout.text).not.toMatch(/v1\.[A-Za-z0-9_-]+\.|ya29\.|1\/\//);
  });

  it('connections revoke needs --yes, then revokes at Google and forgets the user, also in the running bridge', async () => {
    // The running bridge holds Ada's token in memory; the command writes through its own SQLite connection.
    expect((await world.call('/api/google-token?scope=drive.readonly', { who: ada })).status).toBe(200);
    const dry = io();
    expect(await connectionsCommand(['revoke', ada.userId], dry)).toBe(2);
    expect(dry.stderr.text).toContain('--yes');
    expect(await world.service.store.getConnection(ada.userId)).not.toBeNull();

    const run = io();
    expect(await connectionsCommand(['revoke', ada.userId, '--yes'], run)).toBe(0);
    expect(run.stdout.text).toContain('revoked at Google');
    expect(await world.service.store.getConnection(ada.userId)).toBeNull();
    const after = await world.call('/api/google-token?scope=drive.readonly', { who: ada });
    expect(after.status).toBe(409);
    const audit = await world.service.store.listAudit({ userId: ada.userId, limit: 5 });
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['revoke_requested', 'revoke', 'disconnect']));
  });

  it('an unknown subcommand prints usage with exit 2', async () => {
    const run = io();
    expect(await connectionsCommand(['frobnicate'], run)).toBe(2);
    expect(run.stderr.text).toContain('connections list');
  });
});
