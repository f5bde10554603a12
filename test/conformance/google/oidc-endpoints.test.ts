import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADA, APP, DRIVE_READONLY, failure, type Harness, LINUS, startHarness, USERINFO_EMAIL } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

async function tokensFor(account: string, scope: string[]) {
  const client = h.oauthClient();
  const callback = await h.authorize(client, { scope, access_type: 'offline', prompt: 'consent' }, { account });
  const { tokens } = await client.getToken(callback.searchParams.get('code')!);
  return { client, tokens };
}

describe('tokeninfo, userinfo, discovery and certs', () => {
  it('describes an access token through getTokenInfo, with every value a string on the wire', async () => {
    const { client, tokens } = await tokensFor(ADA, ['openid', 'email', DRIVE_READONLY]);
    const info = await client.getTokenInfo(tokens.access_token!);
    expect(info).toMatchObject({ aud: APP.clientId, azp: APP.clientId, email: ADA, access_type: 'offline' });
    expect(info.scopes).toEqual(expect.arrayContaining(['openid', USERINFO_EMAIL, DRIVE_READONLY]));
    expect(info.expiry_date).toBeGreaterThan(Date.now());

    const raw = (await (await fetch(`${h.google.url}/tokeninfo?access_token=${tokens.access_token}`)).json()) as Record<
      string,
      unknown
    >;
    for (const value of Object.values(raw)) expect(typeof value).toBe('string');
    expect(raw.email_verified).toBe('true');
    expect(Number(raw.expires_in)).toBeLessThanOrEqual(3599);
  });

  it('describes an id_token at tokeninfo, and refuses garbage with invalid_token "Invalid Value"', async () => {
    const { tokens } = await tokensFor(LINUS, ['openid', 'email']);
    const response = await fetch(`${h.google.url}/tokeninfo?id_token=${tokens.id_token}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      iss: 'https://accounts.google.com',
      aud: APP.clientId,
      email: LINUS,
      email_verified: 'true',
      hd: 'acme.test',
      alg: 'RS256',
    });
    const bad = await fetch(`${h.google.url}/tokeninfo?id_token=eyJhbGciOiJub25lIn0.e30.`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'invalid_token', error_description: 'Invalid Value' });
    expect((await failure(() => h.oauthClient().getTokenInfo('ya29.unknown'))).status).toBe(400);
  });

  it('answers userinfo with the claims the granted scopes allow, at both paths', async () => {
    const { client, tokens } = await tokensFor(LINUS, ['openid', 'email', 'profile']);
    client.setCredentials(tokens);
    const v1 = await client.request<Record<string, unknown>>({ url: `${h.google.url}/v1/userinfo` });
    expect(v1.data).toMatchObject({ email: LINUS, email_verified: true, hd: 'acme.test', name: expect.any(String) });
    const v3 = await client.request<Record<string, unknown>>({ url: `${h.google.url}/oauth2/v3/userinfo` });
    expect(v3.data).toEqual(v1.data);

    const emailOnly = await tokensFor(ADA, ['openid', 'email']);
    emailOnly.client.setCredentials(emailOnly.tokens);
    const limited = await emailOnly.client.request<Record<string, unknown>>({ url: `${h.google.url}/v1/userinfo` });
    expect(limited.data.email).toBe(ADA);
    expect(limited.data.name).toBeUndefined();
  });

  it('refuses userinfo without a valid bearer token with 401', async () => {
    const response = await fetch(`${h.google.url}/v1/userinfo`, { headers: { authorization: 'Bearer ya29.nope' } });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
    expect(await response.json()).toEqual({ error: 'invalid_request', error_description: 'Invalid Credentials' });
  });

  it('publishes a discovery document whose endpoints are on the emulator and whose issuer is Google’s', async () => {
    const doc = (await (await fetch(`${h.google.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(doc).toMatchObject({
      issuer: 'https://accounts.google.com',
      authorization_endpoint: `${h.google.url}/o/oauth2/v2/auth`,
      token_endpoint: `${h.google.url}/token`,
      userinfo_endpoint: `${h.google.url}/v1/userinfo`,
      revocation_endpoint: `${h.google.url}/revoke`,
      jwks_uri: `${h.google.url}/oauth2/v3/certs`,
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['plain', 'S256'],
    });
  });

  it('serves the JWKS and the PEM map with the same key ids and a Cache-Control max-age GAL honours', async () => {
    const jwks = await fetch(`${h.google.url}/oauth2/v3/certs`);
    const pem = await fetch(`${h.google.url}/oauth2/v1/certs`);
    for (const response of [jwks, pem]) expect(response.headers.get('cache-control')).toMatch(/public, max-age=\d+/);
    const keys = ((await jwks.json()) as { keys: Array<{ kid: string; alg: string; kty: string; use: string }> }).keys;
    const pems = (await pem.json()) as Record<string, string>;
    expect(keys.map((k) => k.kid).sort()).toEqual(Object.keys(pems).sort());
    for (const key of keys) expect(key).toMatchObject({ alg: 'RS256', kty: 'RSA', use: 'sig' });
    // X.509 certificates, as Google serves, each holding the JWKS key of the same kid.
    for (const key of keys) {
      const certificate = new X509Certificate(pems[key.kid]!);
      expect(certificate.verify(certificate.publicKey)).toBe(true);
      expect(certificate.publicKey.export({ format: 'jwk' })).toMatchObject({ n: (key as unknown as { n: string }).n });
    }

    // GAL caches the certs for max-age: a second verification does not fetch them again.
    const { client, tokens } = await tokensFor(ADA, ['openid']);
    await client.verifyIdToken({ idToken: tokens.id_token!, audience: APP.clientId });
    const fetched = h.google.control.counters().calls['/oauth2/v1/certs'];
    await client.verifyIdToken({ idToken: tokens.id_token!, audience: APP.clientId });
    expect(h.google.control.counters().calls['/oauth2/v1/certs']).toBe(fetched);
  });

  it('rejects an id_token for another audience in verifyIdToken', async () => {
    const { client, tokens } = await tokensFor(ADA, ['openid']);
    await expect(client.verifyIdToken({ idToken: tokens.id_token!, audience: 'someone-else' })).rejects.toThrow(
      /Wrong recipient/,
    );
  });
});
