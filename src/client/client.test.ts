import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gate, sessionTokenFor, WireBridge } from '../../test/client/wire-bridge.js';
import { ManualClock } from '../clock.js';
import { createTokenbridgeClient, type TokenbridgeClientOptions } from './client.js';
import { TokenbridgeClientError } from './errors.js';

const AUTH = 'https://www.googleapis.com/auth/';
const T0 = Date.parse('2026-03-01T09:00:00Z');

let bridge: WireBridge;
let clock: ManualClock;
let issued: number;
let navigations: string[];
let waits: number[];

beforeEach(async () => {
  bridge = await new WireBridge().start();
  clock = new ManualClock(T0);
  issued = 0;
  navigations = [];
  waits = [];
});

afterEach(async () => {
  await bridge.stop();
});

/** A token reply as the bridge sends it, valid for `lifetimeSeconds` from the clock's now. */
function tokenBody(scopes: string[], lifetimeSeconds = 3600) {
  issued++;
  return {
    accessToken: `ya29.token-${issued}`,
    tokenType: 'Bearer',
    expiresAt: new Date(clock.now() + lifetimeSeconds * 1000).toISOString(),
    scopes,
    source: 'oauth',
    google: { sub: '109876543210', email: 'ada@example.com' },
  };
}

/** The bridge grants whatever is asked, as full URLs (bare identity scopes stay bare). */
function grantsWhatIsAsked(lifetimeSeconds = 3600) {
  bridge.answer((request) => ({
    status: 200,
    body: tokenBody(
      request.query.getAll('scope').map((s) => (s.startsWith('https://') || s === 'email' ? s : AUTH + s)),
      lifetimeSeconds,
    ),
  }));
}

function client(options: TokenbridgeClientOptions = {}) {
  return createTokenbridgeClient({
    baseUrl: bridge.url,
    clock,
    navigate: (url) => navigations.push(url),
    currentPath: () => '/settings/integrations?tab=google',
    wait: async (ms) => {
      waits.push(ms);
    },
    ...options,
  });
}

const tokenRequests = () => bridge.to('/api/google-token');

describe('getGoogleToken', () => {
  it('asks the bridge with repeated scope parameters and returns the token', async () => {
    grantsWhatIsAsked();
    const result = await client().getGoogleToken(['drive.readonly', 'gmail.readonly']);

    expect(result).toMatchObject({ ok: true, token: { accessToken: 'ya29.token-1', tokenType: 'Bearer' } });
    expect(tokenRequests()).toHaveLength(1);
    expect(tokenRequests()[0]!.query.getAll('scope')).toEqual(['drive.readonly', 'gmail.readonly']);
    expect(tokenRequests()[0]!.headers.accept).toBe('application/json');
  });

  it('sends the Clerk session token from getSessionToken as a Bearer header', async () => {
    grantsWhatIsAsked();
    const session = sessionTokenFor('user_ada');
    await client({ getSessionToken: async () => session }).getGoogleToken(['drive.readonly']);

    expect(tokenRequests()[0]!.headers.authorization).toBe(`Bearer ${session}`);
  });

  it('uses credentials: include by default so the __session cookie reaches the bridge', async () => {
    grantsWhatIsAsked();
    const modes: (RequestCredentials | undefined)[] = [];
    const recording: typeof fetch = (input, init) => {
      modes.push(init?.credentials);
      return fetch(input, init);
    };
    await client({ fetch: recording }).getGoogleToken(['drive.readonly']);

    expect(modes).toEqual(['include']);
    expect(tokenRequests()[0]!.headers.authorization).toBeUndefined();
  });

  it('shares one request among concurrent calls for the same scopes', async () => {
    const hold = gate();
    bridge.answer(async () => {
      await hold.promise;
      return { status: 200, body: tokenBody([`${AUTH}drive.readonly`]) };
    });
    const tokenbridge = client();
    // Short names and full URLs, in any order, are the same scope set.
    const calls = [
      tokenbridge.getGoogleToken(['drive.readonly']),
      tokenbridge.getGoogleToken([`${AUTH}drive.readonly`]),
      ...Array.from({ length: 8 }, () => tokenbridge.getGoogleToken(['drive.readonly'])),
    ];
    await waitFor(() => tokenRequests().length === 1);
    hold.open();
    const results = await Promise.all(calls);

    expect(tokenRequests()).toHaveLength(1);
    for (const result of results) expect(result).toMatchObject({ ok: true, token: { accessToken: 'ya29.token-1' } });
  });

  it('does not share a request between different scope sets', async () => {
    grantsWhatIsAsked();
    const tokenbridge = client();
    await Promise.all([tokenbridge.getGoogleToken(['drive.readonly']), tokenbridge.getGoogleToken(['gmail.readonly'])]);

    expect(tokenRequests()).toHaveLength(2);
  });

  it('serves the cached token until shortly before it expires, then asks again', async () => {
    grantsWhatIsAsked(3600);
    const tokenbridge = client();
    const first = await tokenbridge.getGoogleToken(['drive.readonly']);

    clock.advance((3600 - 61) * 1000);
    const cached = await tokenbridge.getGoogleToken(['drive.readonly']);
    expect(tokenRequests()).toHaveLength(1);
    expect(cached).toEqual(first);

    clock.advance(2000);
    const fresh = await tokenbridge.getGoogleToken(['drive.readonly']);
    expect(tokenRequests()).toHaveLength(2);
    expect(fresh).toMatchObject({ ok: true, token: { accessToken: 'ya29.token-2' } });
  });

  it('honours a longer minValiditySeconds for one call', async () => {
    grantsWhatIsAsked(3600);
    const tokenbridge = client();
    await tokenbridge.getGoogleToken(['drive.readonly']);
    clock.advance(3000 * 1000);

    await tokenbridge.getGoogleToken(['drive.readonly']);
    expect(tokenRequests()).toHaveLength(1);
    await tokenbridge.getGoogleToken(['drive.readonly'], { minValiditySeconds: 900 });
    expect(tokenRequests()).toHaveLength(2);
    // The bridge is asked to refresh ahead of time on the same terms.
    expect(tokenRequests()[1]!.query.get('minValiditySeconds')).toBe('900');
    expect(tokenRequests()[0]!.query.has('minValiditySeconds')).toBe(false);
  });

  it('serves a request from a cached token that covers a superset of its scopes', async () => {
    grantsWhatIsAsked();
    const tokenbridge = client();
    await tokenbridge.getGoogleToken(['drive', 'gmail.readonly', 'email']);

    // drive covers drive.readonly; gmail.readonly is held as is.
    const subset = await tokenbridge.getGoogleToken(['drive.readonly', `${AUTH}gmail.readonly`]);
    expect(subset).toMatchObject({ ok: true, token: { accessToken: 'ya29.token-1' } });
    expect(tokenRequests()).toHaveLength(1);

    await tokenbridge.getGoogleToken(['calendar.readonly']);
    expect(tokenRequests()).toHaveLength(2);
  });

  it('answers scopes_missing with the missing scopes and a connect URL back to the current page', async () => {
    bridge.answer(() => ({
      status: 403,
      body: {
        error: {
          code: 'scopes_missing',
          message: 'The Google connection lacks a scope.',
          missing: [`${AUTH}gmail.readonly`],
          connectUrl: '/connect/google?scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fgmail.readonly',
        },
      },
    }));
    const result = await client().getGoogleToken(['drive.readonly', 'gmail.readonly']);

    expect(result.ok).toBe(false);
    if (result.ok || result.reason !== 'scopes_missing') throw new Error(`unexpected ${JSON.stringify(result)}`);
    expect(result.missing).toEqual([`${AUTH}gmail.readonly`]);
    const url = new URL(result.connectUrl);
    expect(url.origin + url.pathname).toBe(`${bridge.url}/connect/google`);
    expect(url.searchParams.getAll('scope')).toEqual([`${AUTH}gmail.readonly`]);
    expect(url.searchParams.get('return_to')).toBe('/settings/integrations?tab=google');

    result.connect();
    expect(navigations).toEqual([result.connectUrl]);
  });

  it('answers not_connected with a connect URL, and connect() navigates to it', async () => {
    bridge.answer(() => ({
      status: 409,
      body: {
        error: {
          code: 'not_connected',
          message: 'Not connected.',
          connectUrl: `${bridge.url}/connect/google?scope=drive.readonly`,
        },
      },
    }));
    const result = await client().getGoogleToken(['drive.readonly']);

    expect(result).toMatchObject({ ok: false, reason: 'not_connected' });
    if (result.ok || result.reason === 'unauthenticated') throw new Error('expected a connect action');
    expect(new URL(result.connectUrl).searchParams.get('return_to')).toBe('/settings/integrations?tab=google');
    result.connect();
    expect(navigations).toHaveLength(1);
    expect(navigations[0]).toBe(result.connectUrl);
  });

  it('answers reconnect_required with its cause and forgets the cached tokens of the dead grant', async () => {
    grantsWhatIsAsked();
    const tokenbridge = client();
    await tokenbridge.getGoogleToken(['drive.readonly']);
    bridge.answer(() => ({
      status: 409,
      body: {
        error: {
          code: 'reconnect_required',
          message: 'The Google grant is no longer valid; the user must reconnect.',
          reason: 'testing_app_expired',
          connectUrl: '/connect/google?scope=openid',
        },
      },
    }));
    const refused = await tokenbridge.getGoogleToken(['gmail.readonly']);
    expect(refused).toMatchObject({ ok: false, reason: 'reconnect_required', cause: 'testing_app_expired' });

    grantsWhatIsAsked();
    const again = await tokenbridge.getGoogleToken(['drive.readonly']);
    expect(again).toMatchObject({ ok: true, token: { accessToken: 'ya29.token-2' } });
    expect(tokenRequests()).toHaveLength(3);
  });

  it('answers unauthenticated when the bridge refuses the session', async () => {
    bridge.answer(() => ({ status: 401, body: { error: { code: 'unauthenticated', message: 'Sign in.' } } }));
    expect(await client().getGoogleToken(['drive.readonly'])).toEqual({ ok: false, reason: 'unauthenticated' });
  });

  it('answers unauthenticated without a request when getSessionToken says the user is signed out', async () => {
    grantsWhatIsAsked();
    expect(await client({ getSessionToken: () => null }).getGoogleToken(['drive.readonly'])).toEqual({
      ok: false,
      reason: 'unauthenticated',
    });
    expect(tokenRequests()).toHaveLength(0);
  });

  it('never serves one user the token cached for the previous user', async () => {
    grantsWhatIsAsked();
    let session = sessionTokenFor('user_ada');
    const tokenbridge = client({ getSessionToken: () => session });
    const ada = await tokenbridge.getGoogleToken(['drive.readonly']);

    session = sessionTokenFor('user_grace');
    const grace = await tokenbridge.getGoogleToken(['drive.readonly']);

    expect(tokenRequests()).toHaveLength(2);
    expect(grace).not.toEqual(ada);
  });

  it('invalidate() drops the cache so the next call asks the bridge again', async () => {
    grantsWhatIsAsked();
    const tokenbridge = client();
    await tokenbridge.getGoogleToken(['drive.readonly']);
    tokenbridge.invalidate();
    const next = await tokenbridge.getGoogleToken(['drive.readonly']);

    expect(tokenRequests()).toHaveLength(2);
    expect(next).toMatchObject({ ok: true, token: { accessToken: 'ya29.token-2' } });
  });

  it('invalidate(token) drops only the token Google refused', async () => {
    grantsWhatIsAsked();
    const tokenbridge = client();
    const drive = await tokenbridge.getGoogleToken(['drive.readonly']);
    await tokenbridge.getGoogleToken(['gmail.readonly']);
    if (!drive.ok) throw new Error('expected a token');

    tokenbridge.invalidate(drive.token.accessToken);
    await tokenbridge.getGoogleToken(['gmail.readonly']);
    expect(tokenRequests()).toHaveLength(2);
    await tokenbridge.getGoogleToken(['drive.readonly']);
    expect(tokenRequests()).toHaveLength(3);
  });

  it('does not cache a reply that was in flight when invalidate() was called', async () => {
    const hold = gate();
    bridge.answer(async () => {
      await hold.promise;
      return { status: 200, body: tokenBody([`${AUTH}drive.readonly`]) };
    });
    const tokenbridge = client();
    const inFlight = tokenbridge.getGoogleToken(['drive.readonly']);
    await waitFor(() => tokenRequests().length === 1);
    tokenbridge.invalidate();
    hold.open();
    await inFlight;

    grantsWhatIsAsked();
    await tokenbridge.getGoogleToken(['drive.readonly']);
    expect(tokenRequests()).toHaveLength(2);
  });
});

describe('getGoogleToken when things go wrong', () => {
  it('waits out a short Retry-After once, then returns the token', async () => {
    let calls = 0;
    bridge.answer(() =>
      ++calls === 1
        ? {
            status: 503,
            headers: { 'retry-after': '2' },
            body: { error: { code: 'upstream_unavailable', message: 'Google is unavailable.' } },
          }
        : { status: 200, body: tokenBody([`${AUTH}drive.readonly`]) },
    );
    const result = await client().getGoogleToken(['drive.readonly']);

    expect(result).toMatchObject({ ok: true });
    expect(waits).toEqual([2000]);
    expect(tokenRequests()).toHaveLength(2);
  });

  it('throws upstream_unavailable with retryAfterSeconds when Google stays unavailable', async () => {
    bridge.answer(() => ({
      status: 503,
      headers: { 'retry-after': '3' },
      body: { error: { code: 'upstream_unavailable', message: 'Google is unavailable.' } },
    }));
    const error = await client()
      .getGoogleToken(['drive.readonly'])
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TokenbridgeClientError);
    expect(error).toMatchObject({ code: 'upstream_unavailable', status: 503, retryAfterSeconds: 3 });
    expect(tokenRequests()).toHaveLength(2);
  });

  it('does not wait when Retry-After is longer than maxRetryAfterSeconds', async () => {
    bridge.answer(() => ({
      status: 503,
      headers: { 'retry-after': '120' },
      body: { error: { code: 'upstream_unavailable', message: 'Google is unavailable.' } },
    }));
    await expect(client().getGoogleToken(['drive.readonly'])).rejects.toMatchObject({
      code: 'upstream_unavailable',
      retryAfterSeconds: 120,
    });
    expect(waits).toEqual([]);
    expect(tokenRequests()).toHaveLength(1);
  });

  it('serves a cached token that has not yet expired while Google is unavailable', async () => {
    grantsWhatIsAsked(3600);
    const tokenbridge = client({ maxRetryAfterSeconds: 0 });
    await tokenbridge.getGoogleToken(['drive.readonly']);
    clock.advance((3600 - 30) * 1000);
    bridge.answer(() => ({
      status: 503,
      headers: { 'retry-after': '10' },
      body: { error: { code: 'upstream_unavailable', message: 'Google is unavailable.' } },
    }));

    const result = await tokenbridge.getGoogleToken(['drive.readonly']);
    expect(result).toMatchObject({ ok: true, token: { accessToken: 'ya29.token-1' } });
    expect(tokenRequests()).toHaveLength(2);
  });

  it('throws invalid_scope for a scope the bridge does not know', async () => {
    bridge.answer(() => ({
      status: 400,
      body: { error: { code: 'invalid_scope', message: 'Unknown scope: "drvie".' } },
    }));
    await expect(client().getGoogleToken(['drvie'])).rejects.toMatchObject({
      name: 'TokenbridgeClientError',
      code: 'invalid_scope',
      status: 400,
    });
  });

  it('throws network_error when the bridge cannot be reached', async () => {
    const url = bridge.url;
    await bridge.stop();
    const error = await createTokenbridgeClient({ baseUrl: url })
      .getGoogleToken(['drive.readonly'])
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'network_error' });
    expect((error as Error).cause).toBeDefined();
  });

  it('throws session_unavailable when getSessionToken itself fails', async () => {
    const failing = client({
      getSessionToken: async () => {
        throw new Error('Clerk could not refresh the session');
      },
    });
    const error = await failing.getGoogleToken(['drive.readonly']).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'TokenbridgeClientError', code: 'session_unavailable' });
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(tokenRequests()).toHaveLength(0);
  });

  it('throws unexpected_response for a reply that is not a token', async () => {
    bridge.answer(() => ({ status: 200, body: { hello: 'world' } }));
    await expect(client().getGoogleToken(['drive.readonly'])).rejects.toMatchObject({
      code: 'unexpected_response',
      status: 200,
    });
  });

  it('does not keep a failed request around: the next call asks again', async () => {
    bridge.answer(() => ({ status: 500, body: { error: { code: 'internal_error', message: 'boom' } } }));
    const tokenbridge = client();
    await expect(tokenbridge.getGoogleToken(['drive.readonly'])).rejects.toMatchObject({ code: 'internal_error' });
    grantsWhatIsAsked();
    expect(await tokenbridge.getGoogleToken(['drive.readonly'])).toMatchObject({ ok: true });
  });
});

describe('connect URLs', () => {
  it('builds the redirect URL for chosen scopes with an explicit return_to', () => {
    const tokenbridge = client();
    const url = new URL(tokenbridge.connectUrl(['drive.readonly', 'contacts.readonly'], { returnTo: '/files' }));

    expect(url.origin + url.pathname).toBe(`${bridge.url}/connect/google`);
    expect(url.searchParams.getAll('scope')).toEqual(['drive.readonly', 'contacts.readonly']);
    expect(url.searchParams.get('return_to')).toBe('/files');

    tokenbridge.connect(['drive.readonly']);
    expect(new URL(navigations[0]!).searchParams.get('return_to')).toBe('/settings/integrations?tab=google');
  });

  it('keeps a bridge mounted under a path prefix', () => {
    const url = client({ baseUrl: `${bridge.url}/tokenbridge/` }).connectUrl(['drive.readonly']);
    expect(url.startsWith(`${bridge.url}/tokenbridge/connect/google?`)).toBe(true);
  });
});

/** Resolves once `condition` holds, checking after each turn of the event loop (no timers). */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 10_000; turn++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('condition never held');
}
