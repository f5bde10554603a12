import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserSignIn } from '../../src/sandbox/clerk/index.js';
import { completeConsent } from '../../src/sandbox/google/index.js';
import { startWorld, type World } from '../e2e/world.js';
import { DOT_SEGMENT_PAYLOADS } from './return-to-payloads.js';

interface ErrorBody {
  error: { code: string; message: string };
}

let world: World;
let ada: BrowserSignIn;
let grace: BrowserSignIn;
let mallory: BrowserSignIn;
beforeAll(async () => {
  world = await startWorld('sqlite');
  ada = await world.signIn('ada@example.com');
  grace = await world.signIn('grace@example.com');
  mallory = await world.signIn('mallory@example.com');
});
afterAll(() => world.close());

const cookie = (who: BrowserSignIn) => ({ cookie: `__session=${who.sessionToken}` });

/** `/connect/google` as `who`: the Google authorization URL the bridge sends the browser to. */
async function start(who: BrowserSignIn, query = 'scope=drive.readonly'): Promise<URL> {
  const response = await fetch(`${world.service.url}/connect/google?${query}`, {
    headers: cookie(who),
    redirect: 'manual',
  });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location')!);
}

/** Google's redirect back (code and state), as the consent page produces it for `account`. */
async function consent(authUrl: URL, account: string): Promise<URLSearchParams> {
  return (await completeConsent(authUrl.toString(), { account })).searchParams;
}

async function callback(who: BrowserSignIn, params: URLSearchParams): Promise<Response> {
  const query = new URLSearchParams({ code: params.get('code') ?? '', state: params.get('state') ?? '' });
  return fetch(`${world.service.url}/oauth/google/callback?${query}`, { headers: cookie(who), redirect: 'manual' });
}

async function connected(who: BrowserSignIn): Promise<boolean> {
  const response = await world.call('/api/google/connection', { who });
  return ((await response.json()) as { connection: unknown }).connection !== null;
}

describe('the OAuth flow’s integrity', () => {
  it('the authorization URL carries PKCE S256, a nonce and an opaque state', async () => {
    const url = await start(ada);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('nonce')?.length).toBeGreaterThanOrEqual(16);
    expect(url.searchParams.get('state')?.length).toBeGreaterThanOrEqual(16);
    expect(url.searchParams.get('state')).not.toContain(ada.userId);
  });

  it('a state used by another Clerk user is refused with invalid_state, and connects nobody', async () => {
    const params = await consent(await start(ada), 'ada@example.com');
    const stolen = await callback(grace, params);
    expect(stolen.status).toBe(400);
    expect(((await stolen.json()) as ErrorBody).error.code).toBe('invalid_state');
    expect(await connected(grace)).toBe(false);
    // The state was spent on the attempt: not even its owner can use it now.
    expect((await callback(ada, params)).status).toBe(400);
    expect(await connected(ada)).toBe(false);
  });

  it('a replayed state is refused with invalid_state after one successful use', async () => {
    const params = await consent(await start(ada), 'ada@example.com');
    const first = await callback(ada, params);
    expect(first.status).toBe(302);
    expect(await connected(ada)).toBe(true);
    const replay = await callback(ada, params);
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as ErrorBody).error.code).toBe('invalid_state');
    await world.call('/api/google/connection', { method: 'DELETE', who: ada });
  });

  it('an unknown or forged state is refused', async () => {
    const params = await consent(await start(ada), 'ada@example.com');
    params.set('state', `${params.get('state')}x`);
    const response = await callback(ada, params);
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.code).toBe('invalid_state');
  });

  it('PKCE is enforced: the code alone (without the verifier the bridge holds) cannot be exchanged at Google', async () => {
    const authUrl = await start(ada);
    const params = await consent(authUrl, 'ada@example.com');
    const exchange = await fetch(`${world.sandbox.google.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: params.get('code')!,
        client_id: world.sandbox.config.google.clientId,
        client_secret: world.sandbox.config.google.clientSecret,
        redirect_uri: authUrl.searchParams.get('redirect_uri')!,
      }),
    });
    expect(exchange.status).toBe(400);
    expect(((await exchange.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('PKCE binds the code to its own authorization: a code from another flow of the same user is refused', async () => {
    const mine = await start(ada);
    const other = await consent(await start(ada), 'ada@example.com');
    // The attacker's code, injected into the victim's callback under the victim's own state.
    const injected = new URLSearchParams({ code: other.get('code')!, state: mine.searchParams.get('state')! });
    const response = await callback(ada, injected);
    expect(response.status).toBe(400);
    expect(await connected(ada)).toBe(false);
  });

  it('the nonce is enforced: an id_token minted for another nonce is refused and nothing is connected', async () => {
    const url = await start(ada);
    // Same PKCE challenge and state, but Google is asked to put another nonce in the id_token.
    url.searchParams.set('nonce', 'attacker-chosen-nonce-0123456789');
    const response = await callback(ada, await consent(url, 'ada@example.com'));
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.code).toMatch(/authorization_failed|invalid_/);
    expect(await connected(ada)).toBe(false);
  });

  const redirects = [
    '//evil.test',
    '//evil.test/path',
    'https://evil.test',
    'http://evil.test/settings',
    '/\\evil.test',
    '\\\\evil.test',
    '/%2F%2Fevil.test',
    '%2F%2Fevil.test',
    '/%5Cevil.test',
    '/%252F%252Fevil.test',
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    '/\tevil.test',
    '/\n/evil.test',
    'data:text/html,<script>alert(1)</script>',
    ' //evil.test',
    'evil.test',
  ];

  it.each(redirects)('return_to %j is refused with 400 before anyone is sent to Google', async (returnTo) => {
    const response = await fetch(
      `${world.service.url}/connect/google?scope=drive.readonly&return_to=${encodeURIComponent(returnTo)}`,
      { headers: cookie(ada), redirect: 'manual' },
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(((await response.json()) as ErrorBody).error.code).toBe('invalid_request');
  });

  /**
   * The whole redirect flow with `return_to` as given, the way a browser runs it: `/connect/google`, Google's consent
   * (Allow or Cancel), the callback. Returns either the refusal at the start or where the callback sent the browser.
   */
  async function roundTrip(returnTo: string, deny: boolean): Promise<{ refused: Response } | { location: string }> {
    const session = cookie(mallory).cookie;
    const start = await fetch(
      `${world.service.url}/connect/google?scope=drive.readonly&return_to=${encodeURIComponent(returnTo)}`,
      { headers: { cookie: session }, redirect: 'manual' },
    );
    if (start.status !== 302) return { refused: start };
    const returnCookie = start.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const back = await completeConsent(start.headers.get('location')!, { account: 'mallory@example.com', deny });
    const callback = await fetch(`${world.service.url}${back.pathname}${back.search}`, {
      headers: { cookie: `${session}; ${returnCookie}` },
      redirect: 'manual',
    });
    expect(callback.status).toBe(302);
    return { location: callback.headers.get('location')! };
  }

  describe.each([
    ['Allow', false],
    ['Cancel', true],
  ] as const)('after %s at Google', (_, deny) => {
    it.each(DOT_SEGMENT_PAYLOADS)('return_to %j never sends the browser off the bridge', async (returnTo) => {
      const outcome = await roundTrip(returnTo, deny);
      if ('refused' in outcome) {
        expect(outcome.refused.status).toBe(400);
        expect(outcome.refused.headers.get('location')).toBeNull();
        expect(((await outcome.refused.json()) as ErrorBody).error.code).toBe('invalid_request');
        return;
      }
      expectOnTheBridge(outcome.location);
    });
  });

  /** A same-origin path: never `//host`, never a backslash a browser would read as one. */
  function expectOnTheBridge(location: string): void {
    expect(new URL(location, world.publicUrl).origin).toBe(new URL(world.publicUrl).origin);
    expect(location.startsWith('/') && !location.startsWith('//') && !location.includes('\\')).toBe(true);
  }

  it.each(['//evil.test', 'https://evil.test', '/\\evil.test', ...DOT_SEGMENT_PAYLOADS])(
    'a return cookie tampered to %j is checked again where the callback builds Location',
    async (value) => {
      const response = await fetch(`${world.service.url}/oauth/google/callback?error=access_denied`, {
        headers: { cookie: `${cookie(ada).cookie}; tb_return_to=${encodeURIComponent(value)}` },
        redirect: 'manual',
      });
      expect(response.status).toBe(302);
      const location = response.headers.get('location')!;
      expectOnTheBridge(location);
      expect(location).toBe('/?google_connect=access_denied');
    },
  );

  it('a same-site relative return_to survives the round trip', async () => {
    const back = await world.connect(ada, ['drive.readonly'], {
      account: 'ada@example.com',
      returnTo: '/settings?tab=google',
    });
    expect(back.origin).toBe(new URL(world.publicUrl).origin);
    expect(back.pathname + back.search).toBe('/settings?tab=google&google_connect=connected');
  });
});
