import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oauth from 'oauth4webapi';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/cli/sandbox.js';
import { parseEnv } from '../../src/config/env.js';
import { signInByEmail } from '../../src/sandbox/clerk/index.js';
import { completeConsent } from '../../src/sandbox/google/index.js';

// SANDBOX_GOOGLE_ISSUER=self (issue 16, point 5): the Google emulator's issuer becomes its own URL, so a strict OIDC
// client accepts its discovery document, and the bridge the sandbox starts is told to expect that issuer.
let dir: string;
let sandbox: Sandbox;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tb-issuer-'));
  const env = parseEnv({
    PORT: '0',
    SANDBOX_GOOGLE_PORT: '0',
    SANDBOX_CLERK_PORT: '0',
    SANDBOX_GOOGLE_ISSUER: 'self',
    DATABASE_URL: join(dir, 'tokenbridge.db'),
    LOG_LEVEL: 'silent',
  });
  sandbox = await startSandbox(env, { withBridge: true, logger: pino({ level: 'silent' }), dataDir: dir });
});

afterAll(async () => {
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the sandbox with SANDBOX_GOOGLE_ISSUER=self', () => {
  it('serves discovery that a strict client (oauth4webapi) accepts at the emulator’s URL', async () => {
    const issuer = new URL(sandbox.google.url);
    const response = await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true });
    const as = await oauth.processDiscoveryResponse(issuer, response);
    expect(as.issuer).toBe(sandbox.google.url);
  });

  it('still lets the bridge connect a user, verifying id_tokens against the emulator’s own issuer', async () => {
    const bridgeUrl = sandbox.config.publicUrl;
    const ada = await signInByEmail(sandbox.clerk, 'ada@example.com', { redirectUrl: `${bridgeUrl}/` });
    const connect = await fetch(`${bridgeUrl}/connect/google?scope=drive.readonly&return_to=/`, {
      headers: { cookie: ada.appCookieHeader },
      redirect: 'manual',
    });
    const callback = await completeConsent(connect.headers.get('location')!, { account: 'ada@example.com' });
    const back = await fetch(callback, {
      headers: { cookie: `${ada.appCookieHeader}; ${connect.headers.get('set-cookie')?.split(';')[0] ?? ''}` },
      redirect: 'manual',
    });
    expect(back.headers.get('location')).toBe('/?google_connect=connected');
  });
});

describe('SANDBOX_GOOGLE_ISSUER', () => {
  it('is google by default, accepts self, and refuses anything else naming the variable', () => {
    expect(parseEnv({}).sandbox.googleIssuer).toBe('google');
    expect(parseEnv({ SANDBOX_GOOGLE_ISSUER: 'self' }).sandbox.googleIssuer).toBe('self');
    expect(() => parseEnv({ SANDBOX_GOOGLE_ISSUER: 'https://evil.test' })).toThrow(/SANDBOX_GOOGLE_ISSUER/);
  });
});
