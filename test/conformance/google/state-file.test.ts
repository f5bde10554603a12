import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OAuth2Client } from 'google-auth-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CookieJar,
  completeConsent,
  type GoogleEmulator,
  googleEndpoints,
  startGoogleEmulator,
} from '../../../src/sandbox/google/index.js';
import { freshConnectionPools } from '../../support/fresh-connections.js';
import { FrozenClock } from '../../support/frozen-clock.js';
import { ADA, APP, DRIVE_READONLY } from './harness.js';

// The `stateFile` option (issue 15): an emulator started again on the same file is the same Google, as far as an app
// can tell: its client, the user's grant and refresh token, the browser's sign-in and the id_token keys.
let dir: string;
let clock: FrozenClock;
const running: GoogleEmulator[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'google-state-'));
  clock = new FrozenClock();
});
afterEach(async () => {
  for (const google of running.splice(0)) await google.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: { stateFile?: string; port?: number } = {}): Promise<GoogleEmulator> {
  const google = await startGoogleEmulator({ clock, clients: [], ...options });
  running.push(google);
  return google;
}

function appClient(google: GoogleEmulator): OAuth2Client {
  return new OAuth2Client({ ...APP, endpoints: googleEndpoints(google.url) });
}

/** Stops the emulator as its process would end: the next one starts with no connection left over from it. */
async function stop(google: GoogleEmulator): Promise<void> {
  running.splice(running.indexOf(google), 1);
  await google.close();
  await freshConnectionPools();
}

describe('the Google emulator with a state file', () => {
  it('still honours a refresh token, an access token and the id_token keys after a restart', async () => {
    const stateFile = join(dir, 'google.json');
    const first = await start({ stateFile });
    first.control.registerClient({
      clientId: APP.clientId,
      clientSecret: APP.clientSecret,
      redirectUris: [APP.redirectUri],
    });
    const client = appClient(first);
    const callback = await completeConsent(
      client.generateAuthUrl({ scope: ['openid', 'email', DRIVE_READONLY], access_type: 'offline' }),
      { account: ADA },
    );
    const { tokens } = await client.getToken(callback.searchParams.get('code')!);
    const certs = await (await fetch(`${first.url}/oauth2/v3/certs`)).json();
    const port = Number(new URL(first.url).port);
    await stop(first);

    const second = await start({ stateFile, port });
    expect(await (await fetch(`${second.url}/oauth2/v3/certs`)).json()).toEqual(certs);
    const again = appClient(second);
    const info = await again.getTokenInfo(tokens.access_token!);
    expect(info.scopes).toContain(DRIVE_READONLY);
    // The id_token signed before the restart verifies against the keys served after it.
    const ticket = await again.verifyIdToken({ idToken: tokens.id_token!, audience: APP.clientId });
    expect(ticket.getPayload()?.email).toBe(ADA);
    again.setCredentials({ refresh_token: tokens.refresh_token! });
    const refreshed = await again.refreshAccessToken();
    expect(refreshed.credentials.access_token).toMatch(/^ya29\./);
    expect(refreshed.credentials.access_token).not.toBe(tokens.access_token);
  });

  it('keeps the browser signed in to Google, so consent skips the account chooser after a restart', async () => {
    const stateFile = join(dir, 'google.json');
    const first = await start({ stateFile });
    first.control.registerClient({
      clientId: APP.clientId,
      clientSecret: APP.clientSecret,
      redirectUris: [APP.redirectUri],
    });
    const cookies = new CookieJar();
    const scope = ['openid', 'email'];
    await completeConsent(appClient(first).generateAuthUrl({ scope }), { account: ADA, cookies });
    const port = Number(new URL(first.url).port);
    await stop(first);

    const second = await start({ stateFile, port });
    // No account named: the chooser would stop the driver, the remembered sign-in answers it.
    const callback = await completeConsent(appClient(second).generateAuthUrl({ scope, prompt: 'none' }), { cookies });
    expect(callback.searchParams.get('code')).toMatch(/^4\/0A/);
  });

  it('writes the file 0600, and not at all without the option', async () => {
    const stateFile = join(dir, 'google.json');
    const persisted = await start({ stateFile });
    persisted.control.registerClient({
      clientId: APP.clientId,
      clientSecret: APP.clientSecret,
      redirectUris: [APP.redirectUri],
    });
    await stop(persisted);
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);

    const inMemory = await start();
    inMemory.control.registerClient({ clientId: 'x', clientSecret: 'y', redirectUris: ['http://127.0.0.1:9/cb'] });
    await stop(inMemory);
    expect(readdirSync(dir)).toEqual(['google.json']);
  });

  it('refuses a state file that is not its own, naming the file', async () => {
    const stateFile = join(dir, 'google.json');
    writeFileSync(stateFile, '{"version":1,"users":[]}');
    await expect(start({ stateFile })).rejects.toThrow(stateFile);
    writeFileSync(stateFile, 'not json');
    await expect(start({ stateFile })).rejects.toThrow(/not valid JSON/);
  });
});
