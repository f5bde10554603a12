import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenBridge } from '../../src/core/bridge.js';
import { ConfigurationError, InvalidRequestError } from '../../src/core/errors.js';
import { completeConsent } from '../../src/sandbox/google/index.js';
import { type Backend, type Harness, REDIRECT_URI, startHarness } from './harness.js';

// Issue 15: a bridge reached under several names (the sandbox's localhost, 127.0.0.1 and [::1]) sends the redirect
// flow back to the name it started at, where the browser holds its session and the flow's cookie. The names are the
// configured redirect URIs' origins, and nothing else: any other origin gets the configured `redirectUri`.
const LOCALHOST_CALLBACK = 'http://localhost:3000/oauth/google/callback';
const IPV6_CALLBACK = 'http://[::1]:3000/oauth/google/callback';
const ADA = 'ada@example.com';

/** The redirect URI Google is asked to come back to. */
const redirectUriOf = (url: string) => new URL(url).searchParams.get('redirect_uri');

describe.each<Backend>(['sqlite', 'postgres'])('the redirect URI of a redirect flow, on %s', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    // REDIRECT_URI (127.0.0.1) is the configured one; the emulator's client has all three registered.
    h = await startHarness(backend, { google: { redirectUris: [LOCALHOST_CALLBACK, IPV6_CALLBACK] } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each([
    ['http://localhost:3000', LOCALHOST_CALLBACK],
    ['http://[::1]:3000', IPV6_CALLBACK],
    ['http://127.0.0.1:3000', REDIRECT_URI],
  ])(
    'a flow started at %s comes back there, and the code exchange names the same redirect URI',
    async (origin, uri) => {
      const userId = `user_at_${new URL(origin).hostname.replace(/\W/g, '')}`;
      const start = await h.bridge.createAuthorizationUrl({ userId, scopes: [], origin });
      expect(redirectUriOf(start.url)).toBe(uri);
      const callback = await completeConsent(start.url, { account: ADA });
      expect(`${callback.origin}${callback.pathname}`).toBe(uri);
      // Google (the emulator) refuses an exchange whose redirect_uri differs from the consent's: this one connects.
      const result = await h.bridge.completeAuthorization({
        userId,
        state: callback.searchParams.get('state')!,
        code: callback.searchParams.get('code')!,
      });
      expect(result.connection).toMatchObject({ status: 'active', google: { email: ADA } });
    },
  );

  it('the origin is matched as a browser writes it: host case and a default port do not matter', async () => {
    const start = await h.bridge.createAuthorizationUrl({
      userId: 'user_case',
      scopes: [],
      origin: 'HTTP://LocalHost:3000',
    });
    expect(redirectUriOf(start.url)).toBe(LOCALHOST_CALLBACK);
  });

  it.each([
    'https://evil.example',
    'http://localhost:3001',
    'https://localhost:3000',
    'http://localhost.evil.example:3000',
    'not an origin',
    '',
  ])(
    'an origin the bridge has no redirect URI under (%j, a forged Host) gets the configured redirect URI',
    async (origin) => {
      const start = await h.bridge.createAuthorizationUrl({ userId: 'user_forged', scopes: [], origin });
      expect(redirectUriOf(start.url)).toBe(REDIRECT_URI);
    },
  );

  it('without an origin the flow uses the configured redirect URI, at consent and at the exchange', async () => {
    const start = await h.bridge.createAuthorizationUrl({ userId: 'user_plain', scopes: [] });
    expect(redirectUriOf(start.url)).toBe(REDIRECT_URI);
    const callback = await completeConsent(start.url, { account: ADA });
    await h.bridge.completeAuthorization({
      userId: 'user_plain',
      state: callback.searchParams.get('state')!,
      code: callback.searchParams.get('code')!,
    });
  });

  it('an origin that is not a string is refused with invalid_request', async () => {
    await expect(
      h.bridge.createAuthorizationUrl({ userId: 'user_junk', scopes: [], origin: 42 as unknown as string }),
    ).rejects.toThrow(InvalidRequestError);
  });
});

describe('configuring the redirect URIs', () => {
  it.each([['/oauth/google/callback'], ['javascript:alert(1)'], ['not a url']])(
    'a redirect URI that is not an absolute http(s) URL (%j) is a configuration error',
    (uri) => {
      expect(() =>
        createTokenBridge({
          store: {} as never,
          keyring: {} as never,
          google: { clientId: 'c', clientSecret: 's', redirectUri: REDIRECT_URI, redirectUris: [uri] },
          connectUrl: () => '/connect/google',
        }),
      ).toThrow(ConfigurationError);
    },
  );
});
