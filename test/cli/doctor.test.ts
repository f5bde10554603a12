import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doctorCommand } from '../../src/cli/commands/doctor.js';
import { SANDBOX_BRIDGE_CLIENT, type Sandbox, startSandbox } from '../../src/cli/sandbox.js';
import { parseEnv } from '../../src/config/env.js';
import { Keyring } from '../../src/core/keyring.js';
import { openStore } from '../../src/storage/index.js';
import { capture } from './capture.js';

let sandbox: Sandbox;
let dir: string;
let migratedDb: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tb-doctor-'));
  sandbox = await startSandbox(parseEnv({ PORT: '0', SANDBOX_GOOGLE_PORT: '0', SANDBOX_CLERK_PORT: '0' }), {
    withBridge: false,
    logger: pino({ level: 'silent' }),
  });
  migratedDb = join(dir, 'migrated.db');
  const store = await openStore(migratedDb);
  await store.migrate();
  await store.close();
});

afterAll(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A production configuration that points at the emulators, as an operator would set it up against real services. */
function healthyEnv(): Record<string, string> {
  return {
    PUBLIC_URL: 'http://localhost:4000',
    DATABASE_URL: migratedDb,
    CLERK_SECRET_KEY: sandbox.clerk.secretKey,
    CLERK_PUBLISHABLE_KEY: sandbox.clerk.publishableKey,
    CLERK_API_URL: sandbox.clerk.url,
    CLERK_JWT_KEY: sandbox.clerk.jwtKey,
    GOOGLE_CLIENT_ID: SANDBOX_BRIDGE_CLIENT.clientId,
    GOOGLE_CLIENT_SECRET: SANDBOX_BRIDGE_CLIENT.clientSecret,
    GOOGLE_BASE_URL: sandbox.google.url,
    TOKENBRIDGE_ENCRYPTION_KEYS: `${Keyring.generate('k2')},${Keyring.generate('k1')}`,
  };
}

async function doctor(env: Record<string, string>, args: string[] = []) {
  const stdout = capture();
  const stderr = capture();
  const code = await doctorCommand(args, { loadEnv: () => parseEnv(env), stdout, stderr, dataDir: dir });
  return { code, out: stdout.text };
}

async function doctorJson(env: Record<string, string>) {
  const { code, out } = await doctor(env, ['--json']);
  const report = JSON.parse(out) as {
    ok: boolean;
    checks: Array<{ status: string; title: string; detail: string; fix?: string }>;
  };
  const check = (title: string) => report.checks.find((c) => c.title === title);
  return { code, report, check };
}

describe('tokenbridge doctor against the sandbox', () => {
  it('passes every check of a healthy production setup and exits 0', async () => {
    const { code, out } = await doctor(healthyEnv());
    expect(out).not.toContain('✗');
    expect(out).toContain('✓ Clerk secret key');
    expect(out).toContain('✓ Clerk publishable key');
    expect(out).toContain('✓ Clerk JWT key');
    expect(out).toContain('✓ Google OAuth client');
    expect(out).toContain('✓ Database');
    expect(out).toContain('✓ Redirect URI');
    expect(out).toContain('All checks passed');
    expect(code).toBe(0);
  });

  it('a wrong Google client secret fails with invalid_client and says where to copy it from', async () => {
    const { code, check } = await doctorJson({ ...healthyEnv(), GOOGLE_CLIENT_SECRET: 'GOCSPX-not-the-secret' });
    expect(code).toBe(1);
    expect(check('Google OAuth client')).toMatchObject({ status: 'fail' });
    expect(check('Google OAuth client')?.detail).toContain('invalid_client');
    expect(check('Google OAuth client')?.fix).toContain('Credentials');
  });

  it('without CLERK_JWT_KEY, production is warned to set it (sessions would spend Clerk API calls) and still exits 0', async () => {
    const { CLERK_JWT_KEY: _unset, ...env } = healthyEnv();
    const { code, check } = await doctorJson(env);
    expect(check('Clerk JWT key')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/CLERK_JWT_KEY is not set/),
      fix: expect.stringMatching(/set CLERK_JWT_KEY/),
    });
    expect(code).toBe(0);
  });

  it('a wrong Clerk secret key fails and never prints the key', async () => {
    const wrong = 'sk_test_definitelyNotTheInstanceSecret0123456789';
    const { code, out } = await doctor({ ...healthyEnv(), CLERK_SECRET_KEY: wrong });
    expect(code).toBe(1);
    expect(out).toMatch(/✗ Clerk secret key: .*refused CLERK_SECRET_KEY \(HTTP 401\)/);
    expect(out).toContain('fix: Copy the secret key from Clerk Dashboard');
    expect(out).not.toContain(wrong);
  });

  it('a publishable key of another instance fails the instance match', async () => {
    const other = `pk_test_${Buffer.from('other-instance.clerk.accounts.dev$').toString('base64')}`;
    const { code, check } = await doctorJson({ ...healthyEnv(), CLERK_PUBLISHABLE_KEY: other });
    expect(code).toBe(1);
    expect(check('Clerk publishable key')).toMatchObject({ status: 'fail' });
    expect(check('Clerk publishable key')?.detail).toContain('other-instance.clerk.accounts.dev');
  });

  it('an unmigrated database fails and points at tokenbridge migrate', async () => {
    const empty = join(dir, 'empty.db');
    const store = await openStore(empty);
    await store.ping();
    await store.close();
    const { code, check } = await doctorJson({ ...healthyEnv(), DATABASE_URL: empty });
    expect(code).toBe(1);
    expect(check('Database')).toMatchObject({ status: 'fail' });
    expect(check('Database')?.detail).toContain('not migrated');
    expect(check('Database')?.fix).toContain('tokenbridge migrate');
  });

  it('an unreachable PostgreSQL fails the database check without a stack trace', async () => {
    const { code, check } = await doctorJson({
      ...healthyEnv(),
      DATABASE_URL: 'postgres://postgres:pw@127.0.0.1:1/test',
    });
    expect(code).toBe(1);
    expect(check('Database')?.detail).toContain('not reachable');
    expect(check('Database')?.detail).not.toContain('pw@');
  });

  it('a weak key (32 zero bytes) fails even though it parses', async () => {
    const weak = `k1:${Buffer.alloc(32).toString('base64')}`;
    const { code, check } = await doctorJson({ ...healthyEnv(), TOKENBRIDGE_ENCRYPTION_KEYS: weak });
    expect(code).toBe(1);
    expect(check('Encryption keys')).toMatchObject({ status: 'fail' });
    expect(check('Encryption keys')?.detail).toContain('not random');
  });

  it('one key under two ids fails', async () => {
    const key = Keyring.generate('a').split(':')[1];
    const { code, check } = await doctorJson({ ...healthyEnv(), TOKENBRIDGE_ENCRYPTION_KEYS: `a:${key},b:${key}` });
    expect(code).toBe(1);
    expect(check('Encryption keys')?.detail).toContain('same key under two ids');
  });

  it('a short key is reported as a configuration failure naming the variable', async () => {
    const { code, check } = await doctorJson({
      ...healthyEnv(),
      TOKENBRIDGE_ENCRYPTION_KEYS: `k1:${Buffer.alloc(16, 7).toString('base64')}`,
    });
    expect(code).toBe(1);
    expect(check('Configuration')?.detail).toContain('TOKENBRIDGE_ENCRYPTION_KEYS');
  });

  it('a redirect URI that is not this bridge’s callback fails with the URI to register', async () => {
    const { code, check } = await doctorJson({
      ...healthyEnv(),
      GOOGLE_REDIRECT_URI: 'http://localhost:5000/api/auth/callback/google',
    });
    expect(code).toBe(1);
    expect(check('Redirect URI')).toMatchObject({ status: 'fail' });
    expect(check('Redirect URI')?.fix).toContain('http://localhost:4000/oauth/google/callback');
  });

  it('under a path, the redirect URI to register is the callback under that path', async () => {
    const mounted = { ...healthyEnv(), PUBLIC_URL: 'http://localhost:4000/tokenbridge' };
    const { check } = await doctorJson(mounted);
    expect(check('Redirect URI')).toMatchObject({ status: 'pass' });
    expect(check('Redirect URI')?.detail).toContain('http://localhost:4000/tokenbridge/oauth/google/callback');
    const atRoot = await doctorJson({ ...mounted, GOOGLE_REDIRECT_URI: 'http://localhost:4000/oauth/google/callback' });
    expect(atRoot.code).toBe(1);
    expect(atRoot.check('Redirect URI')?.fix).toContain('http://localhost:4000/tokenbridge/oauth/google/callback');
  });

  it('an http PUBLIC_URL outside localhost fails in production', async () => {
    const { code, check } = await doctorJson({ ...healthyEnv(), PUBLIC_URL: 'http://tokens.example.com' });
    expect(code).toBe(1);
    expect(check('Public URL')).toMatchObject({ status: 'fail' });
  });

  it('warns (without failing) when stored grants are time-limited, the sign of a Testing-status app', async () => {
    const file = join(dir, 'testing.db');
    const store = await openStore(file);
    await store.migrate();
    const keys = Keyring.generate('k1');
    const keyring = Keyring.parse(keys);
    const now = Date.now();
    await store.putConnection({
      userId: 'user_testing',
      status: 'active',
      googleSub: '1',
      googleEmail: 'ada@example.com',
      scopes: ['openid'],
      refreshToken: keyring.encrypt('1//rt', { userId: 'user_testing', purpose: 'refresh_token' }),
      accessToken: null,
      accessTokenExpiresAt: null,
      refreshTokenExpiresAt: now + 7 * 86_400_000,
      reconnectReason: null,
      lastRefreshAt: null,
      lastError: null,
      version: 0,
      createdAt: now,
      updatedAt: now,
    });
    await store.close();
    const { code, check } = await doctorJson({
      ...healthyEnv(),
      DATABASE_URL: file,
      TOKENBRIDGE_ENCRYPTION_KEYS: keys,
    });
    expect(check('Google app publishing status')).toMatchObject({ status: 'warn' });
    expect(check('Google app publishing status')?.fix).toContain('Publish app');
    expect(code).toBe(0);
  });

  it('the installed command prints the checklist and exits non-zero on a broken setup', async () => {
    const env = { ...healthyEnv(), GOOGLE_CLIENT_SECRET: 'GOCSPX-wrong' };
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'doctor'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const out = Buffer.concat(chunks).toString();
    expect(out).toContain('✗ Google OAuth client');
    expect(out).toContain('✓ Clerk secret key');
    expect(code).toBe(1);
  });
});
