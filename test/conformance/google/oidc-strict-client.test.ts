import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completeConsent,
  type GoogleEmulator,
  SELF_ISSUER,
  startGoogleEmulator,
} from '../../../src/sandbox/google/index.js';
import { FrozenClock } from '../../support/frozen-clock.js';
import { ADA, APP, USERINFO_EMAIL, USERINFO_PROFILE } from './harness.js';

// oauth4webapi is the strict judge: it checks discovery, issuer, state, nonce, PKCE and id_token claims to the letter,
// and nobody here tuned the emulator to it. It insists on HTTPS unless told otherwise; the emulator speaks plain HTTP.
const insecure = { [oauth.allowInsecureRequests]: true } as const;
const client: oauth.Client = { client_id: APP.clientId };
const auth = oauth.ClientSecretPost(APP.clientSecret);

/** Starts an emulator with the conformance app, `issuer: 'self'` unless told otherwise. */
async function startEmulator(issuer?: string): Promise<GoogleEmulator> {
  return startGoogleEmulator({
    clock: new FrozenClock(),
    ...(issuer === undefined ? {} : { issuer }),
    clients: [
      {
        clientId: APP.clientId,
        clientSecret: APP.clientSecret,
        redirectUris: [APP.redirectUri],
        name: 'Conformance App',
      },
    ],
  });
}

async function discover(google: GoogleEmulator): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(google.url);
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
}

/** The authorization URL a strict client builds from discovery, with state, nonce and (optionally) PKCE. */
async function authorizationUrl(
  as: oauth.AuthorizationServer,
  scope: string,
  pkce: { challenge?: string } = {},
): Promise<{ url: URL; state: string; nonce: string }> {
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint!);
  url.searchParams.set('client_id', APP.clientId);
  url.searchParams.set('redirect_uri', APP.redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', scope);
  url.searchParams.set('state', state);
  url.searchParams.set('nonce', nonce);
  url.searchParams.set('access_type', 'offline');
  url.searchParams.set('prompt', 'consent');
  if (pkce.challenge !== undefined) {
    url.searchParams.set('code_challenge', pkce.challenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  return { url, state, nonce };
}

let google: GoogleEmulator;
let as: oauth.AuthorizationServer;
beforeAll(async () => {
  google = await startEmulator(SELF_ISSUER);
  as = await discover(google);
});
afterAll(() => google.close());

describe('a strict OIDC client (oauth4webapi) against the emulator started with issuer "self"', () => {
  it('accepts the discovery document: the issuer is where it is served', () => {
    expect(as.issuer).toBe(google.url);
    expect(as.token_endpoint).toBe(`${google.url}/token`);
    expect(as.code_challenge_methods_supported).toContain('S256');
  });

  it('signs in with email alone and gets openid implied: an id_token and full-URL scopes', async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const request = await authorizationUrl(as, 'email', {
      challenge: await oauth.calculatePKCECodeChallenge(verifier),
    });
    const callback = await completeConsent(request.url.toString(), { account: ADA });
    // The callback keeps Google's short names beside the URLs; only the token endpoint drops them.
    expect(callback.searchParams.get('scope')?.split(' ')).toEqual(['email', USERINFO_EMAIL, 'openid']);

    const params = oauth.validateAuthResponse(as, client, callback, request.state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      auth,
      params,
      APP.redirectUri,
      verifier,
      insecure,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: request.nonce,
      requireIdToken: true,
    });
    expect(tokens.scope).toBe(`${USERINFO_EMAIL} openid`);
    const claims = oauth.getValidatedIdTokenClaims(tokens)!;
    expect(claims).toMatchObject({ iss: google.url, aud: APP.clientId, email: ADA, nonce: request.nonce });

    // oauth4webapi trusts the id_token over TLS without checking its signature; check it against the listed keys.
    const jwks = createRemoteJWKSet(new URL(as.jwks_uri!));
    await expect(
      jwtVerify(tokens.id_token!, jwks, { issuer: google.url, audience: APP.clientId }),
    ).resolves.toBeTruthy();

    const userinfo = await oauth.processUserInfoResponse(
      as,
      client,
      claims.sub,
      await oauth.userInfoRequest(as, client, tokens.access_token, insecure),
    );
    expect(userinfo.email).toBe(ADA);

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, insecure),
    );
    expect(refreshed.scope).toBe(`${USERINFO_EMAIL} openid`);
    expect(oauth.getValidatedIdTokenClaims(refreshed)?.sub).toBe(claims.sub);

    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, auth, tokens.refresh_token!, insecure),
    );
    const afterRevoke = oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, insecure),
    );
    await expect(afterRevoke).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('gets profile as its userinfo URL too, and openid implied by it', async () => {
    const request = await authorizationUrl(as, 'profile https://www.googleapis.com/auth/drive.readonly');
    const callback = await completeConsent(request.url.toString(), { account: ADA });
    const params = oauth.validateAuthResponse(as, client, callback, request.state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, auth, params, APP.redirectUri, oauth.nopkce, insecure),
      { expectedNonce: request.nonce, requireIdToken: true },
    );
    expect(tokens.scope?.split(' ')).toEqual([
      USERINFO_PROFILE,
      'https://www.googleapis.com/auth/drive.readonly',
      'openid',
    ]);
    expect(tokens.scope?.split(' ')).not.toContain('profile');
  });

  it('cannot downgrade PKCE: a verifier for a code issued without a challenge is refused', async () => {
    const request = await authorizationUrl(as, 'openid email');
    const callback = await completeConsent(request.url.toString(), { account: ADA });
    const params = oauth.validateAuthResponse(as, client, callback, request.state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      auth,
      params,
      APP.redirectUri,
      oauth.generateRandomCodeVerifier(),
      insecure,
    );
    const refused = oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: request.nonce });
    await expect(refused).rejects.toBeInstanceOf(oauth.ResponseBodyError);
    await expect(refused).rejects.toMatchObject({ status: 400, error: 'invalid_grant' });
  });

  it('is offered only what the emulator supports: every listed response type and grant type is accepted', async () => {
    expect(as.response_types_supported).toEqual(['code']);
    for (const responseType of as.response_types_supported ?? []) {
      const request = await authorizationUrl(as, 'openid');
      request.url.searchParams.set('response_type', responseType);
      const callback = await completeConsent(request.url.toString(), { account: ADA });
      expect(callback.searchParams.get('error')).toBeNull();
    }
    for (const grantType of as.grant_types_supported ?? []) {
      const response = await oauth.genericTokenEndpointRequest(as, client, auth, grantType, {}, insecure);
      const body = (await response.json()) as { error?: string };
      expect(body.error, grantType).not.toBe('unsupported_grant_type');
    }
    for (const method of as.token_endpoint_auth_methods_supported ?? []) {
      expect(['client_secret_post', 'client_secret_basic']).toContain(method);
    }
  });
});

describe('the emulator with its default issuer (Google’s)', () => {
  it('serves discovery whose issuer is accounts.google.com, which a strict client refuses at the emulator’s URL', async () => {
    const defaults = await startEmulator();
    try {
      const issuer = new URL(defaults.url);
      const response = await oauth.discoveryRequest(issuer, insecure);
      await expect(oauth.processDiscoveryResponse(issuer, response)).rejects.toThrow(/issuer/);
      const document = (await (await fetch(`${defaults.url}/.well-known/openid-configuration`)).json()) as {
        issuer: string;
      };
      expect(document.issuer).toBe('https://accounts.google.com');
    } finally {
      await defaults.close();
    }
  });
});
