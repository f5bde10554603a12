import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, DRIVE_READONLY, failure, type Harness, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** A fresh code for the conformance app, with an optional PKCE challenge. */
async function freshCode(codeChallenge?: string) {
  const callback = await h.authorize(h.oauthClient(), {
    scope: ['openid', 'email', DRIVE_READONLY],
    access_type: 'offline',
    prompt: 'consent',
    ...(codeChallenge === undefined ? {} : { code_challenge: codeChallenge, code_challenge_method: 'S256' as never }),
  });
  return callback.searchParams.get('code')!;
}

/** Posts a raw form to /token, for the requests google-auth-library cannot be made to send. */
async function postToken(form: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(`${h.google.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

describe('the token endpoint refuses bad requests with Google’s exact error codes', () => {
  it('refuses a reused authorization code with invalid_grant "Code was already redeemed." and withdraws its tokens', async () => {
    const client = h.oauthClient();
    const code = await freshCode();
    const { tokens } = await client.getToken(code);
    const reused = await failure(() => client.getToken(code));
    expect(reused.status).toBe(400);
    expect(reused.message).toBe('invalid_grant');
    expect(reused.data).toEqual({ error: 'invalid_grant', error_description: 'Code was already redeemed.' });
    // The replay may mean the code leaked: what it bought no longer works.
    expect((await failure(() => client.getTokenInfo(tokens.access_token!))).data).toEqual({
      error: 'invalid_token',
      error_description: 'Invalid Value',
    });
    client.setCredentials({ refresh_token: tokens.refresh_token! });
    expect((await failure(() => client.refreshAccessToken())).data?.error).toBe('invalid_grant');
  });

  it('refuses a code that is not a Google code as "Malformed auth code."', async () => {
    const result = await failure(() => h.oauthClient().getToken('not-a-code'));
    expect(result.data).toEqual({ error: 'invalid_grant', error_description: 'Malformed auth code.' });
  });

  it('refuses a code older than 10 minutes with invalid_grant', async () => {
    const code = await freshCode();
    h.google.control.advanceClock(601);
    const result = await failure(() => h.oauthClient().getToken(code));
    expect(result.data).toEqual({ error: 'invalid_grant', error_description: 'Bad Request' });
  });

  it('requires the PKCE verifier when a challenge was sent, and refuses a wrong one', async () => {
    const client = h.oauthClient();
    const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
    const missing = await failure(async () => client.getToken(await freshCode(codeChallenge)));
    expect(missing.data).toEqual({ error: 'invalid_grant', error_description: 'Missing code verifier.' });

    const code = await freshCode(codeChallenge);
    const wrong = await failure(() => client.getToken({ code, codeVerifier: `${codeVerifier}x` }));
    expect(wrong.status).toBe(400);
    expect(wrong.data?.error).toBe('invalid_grant');
    // A failed verifier does not burn the code's binding: the right verifier still works.
    expect((await client.getToken({ code, codeVerifier })).tokens.access_token).toBeDefined();
  });

  it('refuses a verifier for a code issued without a challenge (a PKCE downgrade, RFC 9700 §2.1.1)', async () => {
    const client = h.oauthClient();
    const { codeVerifier } = await client.generateCodeVerifierAsync();
    const code = await freshCode();
    const downgrade = await failure(() => client.getToken({ code, codeVerifier }));
    expect(downgrade.status).toBe(400);
    expect(downgrade.data).toEqual({
      error: 'invalid_grant',
      error_description: 'code_verifier or verifier is not needed.',
    });
    // Without the verifier the same code is redeemed as usual.
    expect((await client.getToken(code)).tokens.access_token).toBeDefined();
  });

  it('refuses a redirect_uri that differs from the authorization request with redirect_uri_mismatch', async () => {
    const code = await freshCode();
    const result = await failure(() => h.oauthClient().getToken({ code, redirect_uri: 'http://127.0.0.1:9/other' }));
    expect(result.data).toEqual({ error: 'redirect_uri_mismatch', error_description: 'Bad Request' });
  });

  it('answers a wrong client secret with invalid_client 401 "Unauthorized", a bogus code with the right one with invalid_grant', async () => {
    const code = await freshCode();
    const wrongSecret = await failure(() => h.oauthClient({ clientSecret: 'wrong' }).getToken(code));
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.data).toEqual({ error: 'invalid_client', error_description: 'Unauthorized' });
    const bogus = await failure(() => h.oauthClient().getToken('4/0Abogus'));
    expect(bogus.status).toBe(400);
    expect(bogus.data?.error).toBe('invalid_grant');
  });

  it('answers an unknown client with invalid_client "The OAuth client was not found."', async () => {
    const result = await failure(() =>
      h.oauthClient({ clientId: 'ghost.apps.googleusercontent.com' }).getToken('4/0Ax'),
    );
    expect(result.status).toBe(401);
    expect(result.data).toEqual({ error: 'invalid_client', error_description: 'The OAuth client was not found.' });
  });

  it('answers a code or refresh token of another client with unauthorized_client', async () => {
    h.google.control.registerClient({
      clientId: 'other-app',
      clientSecret: 'other-secret',
      redirectUris: [APP.redirectUri],
    });
    const other = h.oauthClient({ clientId: 'other-app', clientSecret: 'other-secret' });
    const code = await freshCode();
    const result = await failure(() => other.getToken(code));
    expect(result.status).toBe(401);
    expect(result.data).toEqual({ error: 'unauthorized_client', error_description: 'Unauthorized' });

    const { tokens } = await h.oauthClient().getToken(code);
    other.setCredentials({ refresh_token: tokens.refresh_token! });
    expect((await failure(() => other.refreshAccessToken())).data?.error).toBe('unauthorized_client');
  });

  it('answers a missing code with invalid_request "Missing required parameter: code"', async () => {
    const result = await failure(() => h.oauthClient().getToken(''));
    expect(result.data).toEqual({ error: 'invalid_request', error_description: 'Missing required parameter: code' });
  });

  it('answers an unknown grant type with unsupported_grant_type', async () => {
    const result = await postToken({
      grant_type: 'password',
      client_id: APP.clientId,
      client_secret: APP.clientSecret,
    });
    expect(result).toEqual({
      status: 400,
      body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: password' },
    });
  });

  it('accepts client authentication by HTTP Basic, as well as in the body', async () => {
    const basic = h.oauthClient({ basic: true });
    const { tokens } = await basic.getToken(await freshCode());
    expect(tokens.access_token).toBeDefined();
    const wrong = await failure(async () =>
      h.oauthClient({ basic: true, clientSecret: 'nope' }).getToken(await freshCode()),
    );
    expect(wrong.data).toEqual({ error: 'invalid_client', error_description: 'Unauthorized' });
  });

  it('refreshes with an account that never authorized as invalid_grant "Token has been expired or revoked."', async () => {
    const client = h.oauthClient();
    client.setCredentials({ refresh_token: '1//0never-issued' });
    const result = await failure(() => client.refreshAccessToken());
    expect(result.message).toBe('invalid_grant');
    expect(result.data).toEqual({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
  });
});
