import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClerkClient, verifyToken } from '@clerk/backend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ClerkEmulator, signInByEmail, startClerkEmulator } from '../../../src/sandbox/clerk/index.js';
import { freshConnectionPools } from '../../support/fresh-connections.js';
import { FrozenClock } from '../../support/frozen-clock.js';
import { ADA, CLERK_GOOGLE_CLIENT, DRIVE_READONLY } from './harness.js';

// The `stateFile` option (issue 15): a Clerk emulator started again on the same file is the same instance to every
// app configured against it: same keys, same users with the same ids, and its browsers still signed in.
process.env.CLERK_TELEMETRY_DISABLED = '1';
let dir: string;
let clock: FrozenClock;
const running: ClerkEmulator[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clerk-state-'));
  clock = new FrozenClock();
});
afterEach(async () => {
  for (const clerk of running.splice(0)) await clerk.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: { stateFile?: string; port?: number } = {}): Promise<ClerkEmulator> {
  const clerk = await startClerkEmulator({
    clock,
    rateLimit: false,
    // No Google is called in these tests: accounts are linked through the control API.
    google: { url: 'http://127.0.0.1:9', ...CLERK_GOOGLE_CLIENT },
    ...options,
  });
  running.push(clerk);
  return clerk;
}

/** Stops the emulator as its process would end: the next one starts with no connection left over from it. */
async function stop(clerk: ClerkEmulator): Promise<number> {
  running.splice(running.indexOf(clerk), 1);
  await clerk.close();
  await freshConnectionPools();
  return Number(new URL(clerk.url).port);
}

describe('the Clerk emulator with a state file', () => {
  it('comes back with the same keys, the same users and sessions that still work', async () => {
    const stateFile = join(dir, 'clerk.json');
    const first = await start({ stateFile });
    const ada = await signInByEmail(first, ADA, { redirectUrl: 'http://localhost:3000/' });
    first.control.linkGoogleAccount(ada.userId, {
      sub: '100000000000000000001',
      email: ADA,
      accessToken: 'ya29.before-the-restart',
      refreshToken: '1//before-the-restart',
      scopes: ['openid', DRIVE_READONLY],
    });
    const port = await stop(first);

    const second = await start({ stateFile, port });
    expect({ secretKey: second.secretKey, publishableKey: second.publishableKey, jwtKey: second.jwtKey }).toEqual({
      secretKey: first.secretKey,
      publishableKey: first.publishableKey,
      jwtKey: first.jwtKey,
    });
    expect(second.webhookSecret).toBe(first.webhookSecret);
    // A session token from before the restart still verifies; the browser's client still gets new ones.
    const before = await verifyToken(ada.sessionToken, { jwtKey: second.jwtKey });
    expect(before.sub).toBe(ada.userId);
    const after = await verifyToken(await ada.refreshSessionToken(), { jwtKey: second.jwtKey });
    expect({ sub: after.sub, sid: after.sid }).toEqual({ sub: ada.userId, sid: ada.sessionId });
    // The Backend API knows the same user, with the Google account and its token.
    const backend = createClerkClient({ secretKey: second.secretKey, apiUrl: second.url });
    expect((await backend.users.getUser(ada.userId)).primaryEmailAddress?.emailAddress).toBe(ADA);
    const tokens = await backend.users.getUserOauthAccessToken(ada.userId, 'google');
    expect(tokens.data[0]?.token).toBe('ya29.before-the-restart');
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);
  });

  it('keeps a reset made through the control API', async () => {
    const stateFile = join(dir, 'clerk.json');
    const first = await start({ stateFile });
    first.control.createUser({ email: ADA });
    const port = await stop(first);
    const second = await start({ stateFile, port });
    expect(second.control.findUserByEmail(ADA)).toBeDefined();
    second.control.reset();
    await stop(second);
    const third = await start({ stateFile, port });
    expect(third.control.findUserByEmail(ADA)).toBeUndefined();
  });

  it('keeps nothing on disk without the option: a new instance each start', async () => {
    const first = await start();
    first.control.createUser({ email: ADA });
    const port = await stop(first);
    const second = await start({ port });
    expect(second.secretKey).not.toBe(first.secretKey);
    expect(second.control.findUserByEmail(ADA)).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });
});
