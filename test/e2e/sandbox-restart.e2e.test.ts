import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/cli/sandbox.js';
import { sandboxStateFiles, wipeSandboxState } from '../../src/cli/sandbox-state.js';
import { parseEnv } from '../../src/config/env.js';
import { type BrowserSignIn, reuseClosedEmulatorKeys, signInByEmail } from '../../src/sandbox/clerk/index.js';
import { completeConsent } from '../../src/sandbox/google/index.js';
import { freshConnectionPools } from '../support/fresh-connections.js';
import { FrozenClock } from '../support/frozen-clock.js';

// Issue 15: "A restart orphans everything." `tokenbridge start` keeps the sandbox's state in its data folder, so a
// user connected before a restart is the same user after it, with the same Google connection, and no sign-in again.
// A fresh start must mean new keys: the suite's reuse of closed emulators' keys (test/support/setup.ts) is off here.
beforeAll(() => reuseClosedEmulatorKeys(false));
afterAll(() => reuseClosedEmulatorKeys(true));

let dir: string;
let clock: FrozenClock;
let sandbox: Sandbox | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tb-restart-'));
  clock = new FrozenClock();
});
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const DB = () => join(dir, 'tokenbridge.db');

/** `tokenbridge start` on the given ports (0 = any), keeping its state in `dir`, as `npm start` does in ./data. */
async function start(ports: { bridge: number; google: number; clerk: number }): Promise<Sandbox> {
  const env = parseEnv({
    PORT: String(ports.bridge),
    SANDBOX_GOOGLE_PORT: String(ports.google),
    SANDBOX_CLERK_PORT: String(ports.clerk),
    SANDBOX_DATA_DIR: dir,
    DATABASE_URL: DB(),
    LOG_LEVEL: 'silent',
  });
  sandbox = await startSandbox(env, {
    withBridge: true,
    keepState: true,
    logger: pino({ level: 'silent' }),
    clock,
    emulatorClock: clock,
  });
  return sandbox;
}

/** Stops it as Ctrl+C does; the next start is a new process, with no connection left over from this one. */
async function stop(running: Sandbox): Promise<{ bridge: number; google: number; clerk: number }> {
  const ports = {
    bridge: running.service!.port,
    google: Number(new URL(running.google.url).port),
    clerk: Number(new URL(running.clerk.url).port),
  };
  await running.close();
  sandbox = undefined;
  await freshConnectionPools();
  return ports;
}

/** Signs in at the Clerk emulator and connects Google (Drive) through the bridge's redirect flow. */
async function signInAndConnect(running: Sandbox, email: string): Promise<BrowserSignIn> {
  const publicUrl = running.config.publicUrl;
  const who = await signInByEmail(running.clerk, email, { redirectUrl: `${publicUrl}/` });
  const bridge = running.service!.url;
  const connect = await fetch(`${bridge}/connect/google?scope=drive.readonly&return_to=/`, {
    headers: { cookie: who.appCookieHeader },
    redirect: 'manual',
  });
  const callback = await completeConsent(connect.headers.get('location')!, { account: 'ada@example.com' });
  const back = await fetch(`${bridge}${callback.pathname}${callback.search}`, {
    headers: { cookie: `${who.appCookieHeader}; ${connect.headers.get('set-cookie')?.split(';')[0] ?? ''}` },
    redirect: 'manual',
  });
  expect(back.headers.get('location')).toBe('/?google_connect=connected');
  return who;
}

async function googleToken(running: Sandbox, sessionToken: string) {
  const response = await fetch(`${running.service!.url}/api/google-token?scope=drive.readonly`, {
    headers: { authorization: `Bearer ${sessionToken}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the sandbox across a restart', () => {
  it("serves the same user's Google token after a restart, to the session token obtained before it", async () => {
    const first = await start({ bridge: 0, google: 0, clerk: 0 });
    const ada = await signInAndConnect(first, 'ada.user@example.com');
    const before = await googleToken(first, ada.sessionToken);
    expect(before.status).toBe(200);
    const keys = { secretKey: first.clerk.secretKey, publishableKey: first.clerk.publishableKey };
    const ports = await stop(first);

    const second = await start(ports);
    expect({ secretKey: second.clerk.secretKey, publishableKey: second.clerk.publishableKey }).toEqual(keys);
    expect(second.clerk.control.findUserByEmail('ada.user@example.com')?.id).toBe(ada.userId);
    const after = await googleToken(second, ada.sessionToken);
    expect(after.status).toBe(200);
    expect(after.body.google).toEqual(before.body.google);
    expect(after.body.accessToken).toBe(before.body.accessToken);

    // An hour on, both the session token and Google's access token have expired: the browser's Clerk client gets a
    // new session token for the same session, and the bridge refreshes at Google with the refresh token from before.
    clock.advance(3600_000);
    const renewed = await googleToken(second, await ada.refreshSessionToken());
    expect(renewed.status).toBe(200);
    expect(renewed.body.accessToken).not.toBe(before.body.accessToken);
    expect(renewed.body.google).toEqual(before.body.google);
    for (const file of Object.values(sandboxStateFiles(dir))) expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('starts clean after --fresh: no user, no connection, new keys', async () => {
    const first = await start({ bridge: 0, google: 0, clerk: 0 });
    const ada = await signInAndConnect(first, 'ada.user@example.com');
    const secretKey = first.clerk.secretKey;
    const ports = await stop(first);

    const removed = wipeSandboxState(dir, DB());
    expect(removed).toEqual(expect.arrayContaining([...Object.values(sandboxStateFiles(dir)), DB()]));
    const second = await start(ports);
    expect(second.clerk.secretKey).not.toBe(secretKey);
    expect(second.clerk.control.findUserByEmail('ada.user@example.com')).toBeUndefined();
    // The old session token was signed with a key that no longer exists.
    expect((await googleToken(second, ada.sessionToken)).status).toBe(401);
  });
});
