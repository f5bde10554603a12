import { createHash } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CookieJar } from '../../../src/sandbox/google/index.js';
import { ADA, APP, DRIVE_READONLY, failure, GRACE, type Harness, startHarness, TESTING_APP } from './harness.js';
import { startReceiver, type TestReceiver } from './risc-receiver.js';

const EVENT = {
  tokensRevoked: 'https://schemas.openid.net/secevent/oauth/event-type/tokens-revoked',
  tokenRevoked: 'https://schemas.openid.net/secevent/oauth/event-type/token-revoked',
  sessionsRevoked: 'https://schemas.openid.net/secevent/risc/event-type/sessions-revoked',
  accountDisabled: 'https://schemas.openid.net/secevent/risc/event-type/account-disabled',
  accountEnabled: 'https://schemas.openid.net/secevent/risc/event-type/account-enabled',
  credentialChange: 'https://schemas.openid.net/secevent/risc/event-type/account-credential-change-required',
  verification: 'https://schemas.openid.net/secevent/risc/event-type/verification',
};

let h: Harness;
let receiver: TestReceiver;
let testingReceiver: TestReceiver;
beforeAll(async () => {
  h = await startHarness();
  receiver = await startReceiver('/webhooks/google/risc');
  testingReceiver = await startReceiver();
});
beforeEach(() => {
  h.google.control.reset();
  receiver.received.length = 0;
  testingReceiver.received.length = 0;
  receiver.answer(202);
  testingReceiver.answer(202);
});
afterAll(async () => {
  await Promise.all([h.close(), receiver.close(), testingReceiver.close()]);
});

async function control(method: string, path: string, body?: unknown) {
  const response = await fetch(`${h.google.url}/__emulator/risc${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Consents offline for `account` and returns the tokens and the account's sub. */
async function connected(account = ADA, app = APP) {
  const client = h.oauthClient(app);
  const callback = await h.authorize(
    client,
    { scope: ['openid', 'email', DRIVE_READONLY], access_type: 'offline', prompt: 'consent' },
    { account },
  );
  const { tokens } = await client.getToken(callback.searchParams.get('code')!);
  client.setCredentials(tokens);
  return { client, tokens, sub: decodeJwt(tokens.id_token!).sub! };
}

/** Verifies a SET the way Google documents it: keys from the configuration's jwks_uri, RS256, iss, aud, no exp. */
async function verifySet(set: string, audience = APP.clientId): Promise<JWTPayload> {
  const configuration = (await (await fetch(`${h.google.url}/.well-known/risc-configuration`)).json()) as {
    issuer: string;
    jwks_uri: string;
  };
  const keys = createRemoteJWKSet(new URL(configuration.jwks_uri));
  const { payload } = await jwtVerify(set, keys, { issuer: configuration.issuer, audience, algorithms: ['RS256'] });
  return payload;
}

describe('the RISC configuration and signing key', () => {
  it("publishes Google's issuer and a jwks_uri on the emulator's origin, with an RS256 key of its own", async () => {
    const response = await fetch(`${h.google.url}/.well-known/risc-configuration`);
    expect(response.status).toBe(200);
    const configuration = (await response.json()) as Record<string, unknown>;
    expect(configuration['issuer']).toBe('https://accounts.google.com/');
    expect(configuration['delivery_methods_supported']).toEqual([
      'https://schemas.openid.net/secevent/risc/delivery-method/push',
    ]);
    const jwksUri = new URL(String(configuration['jwks_uri']));
    expect(jwksUri.origin).toBe(h.google.url);
    const jwks = (await (await fetch(jwksUri)).json()) as { keys: Array<Record<string, string>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    const idTokenKids = (
      (await (await fetch(`${h.google.url}/oauth2/v3/certs`)).json()) as { keys: { kid: string }[] }
    ).keys.map((k) => k.kid);
    expect(idTokenKids).not.toContain(jwks.keys[0]!['kid']);
  });
});

describe('sending security events to a registered receiver', () => {
  it('POSTs a tokens-revoked SET as application/secevent+jwt that verifies, and really revokes the grant', async () => {
    const { client, sub } = await connected();
    expect((await control('POST', '/receivers', { clientId: APP.clientId, url: receiver.url })).status).toBe(200);

    const sent = await control('POST', '/events', { type: 'tokens-revoked', email: ADA });
    expect(sent.status).toBe(200);
    expect(sent.body['revoked']).toBeGreaterThan(0);
    const [delivery] = sent.body['deliveries'] as Array<Record<string, unknown>>;
    expect(delivery).toMatchObject({ clientId: APP.clientId, url: receiver.url, status: 202, accepted: true });

    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request!.path).toBe('/webhooks/google/risc');
    expect(request!.headers['content-type']).toBe('application/secevent+jwt');
    const header = decodeProtectedHeader(request!.body);
    expect(header.alg).toBe('RS256');
    expect(header.kid).toEqual(expect.any(String));
    const payload = await verifySet(request!.body);
    expect(payload).toMatchObject({ iss: 'https://accounts.google.com/', aud: APP.clientId, jti: delivery!['jti'] });
    expect(payload.iat).toBe(Math.floor(h.clock.now() / 1000));
    expect(payload.exp).toBeUndefined();
    expect(payload['events']).toEqual({
      [EVENT.tokensRevoked]: { subject: { subject_type: 'iss-sub', iss: 'https://accounts.google.com/', sub } },
    });

    const refused = await failure(() => client.refreshAccessToken());
    expect(refused.data).toEqual({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
  });

  it('names the newest refresh token by its 16-character prefix in token-revoked, and revokes that grant', async () => {
    const { client, tokens } = await connected();
    h.google.control.risc.registerReceiver({ clientId: APP.clientId, url: receiver.url });
    const { deliveries, revoked } = await h.google.control.risc.sendEvent({
      type: 'token-revoked',
      email: ADA,
      clientId: APP.clientId,
    });
    expect(revoked).toBeGreaterThan(0);
    const payload = await verifySet(deliveries[0]!.set);
    expect(payload['events']).toEqual({
      [EVENT.tokenRevoked]: {
        subject: {
          subject_type: 'oauth_token',
          token_type: 'refresh_token',
          token_identifier_alg: 'prefix',
          token: tokens.refresh_token!.slice(0, 16),
        },
      },
    });
    expect((await failure(() => client.refreshAccessToken())).data?.['error']).toBe('invalid_grant');
  });

  it('names a given refresh token by base64(SHA-512(SHA-512(token))) with hash_base64_sha512_sha512', async () => {
    const { tokens } = await connected();
    h.google.control.risc.registerReceiver({ clientId: APP.clientId, url: receiver.url });
    const { deliveries } = await h.google.control.risc.sendEvent({
      type: 'token-revoked',
      token: tokens.refresh_token!,
      tokenIdentifierAlg: 'hash_base64_sha512_sha512',
    });
    const inner = createHash('sha512').update(tokens.refresh_token!).digest();
    const expected = createHash('sha512').update(inner).digest('base64');
    const event = (await verifySet(deliveries[0]!.set))['events'] as Record<string, { subject: { token: string } }>;
    expect(event[EVENT.tokenRevoked]!.subject.token).toBe(expected);
  });

  it('sends account-disabled with its reason to every app the account granted, and revokes all its grants', async () => {
    const ada = await connected(ADA, APP);
    const adaTesting = await connected(ADA, TESTING_APP);
    const grace = await connected(GRACE, APP);
    h.google.control.risc.registerReceiver({ clientId: APP.clientId, url: receiver.url });
    h.google.control.risc.registerReceiver({ clientId: TESTING_APP.clientId, url: testingReceiver.url });

    const { deliveries } = await h.google.control.risc.sendEvent({
      type: 'account-disabled',
      email: ADA,
      reason: 'bulk-account',
    });
    expect(deliveries.map((d) => d.clientId).sort()).toEqual([APP.clientId, TESTING_APP.clientId].sort());
    expect(testingReceiver.received).toHaveLength(1);
    const payload = await verifySet(testingReceiver.received[0]!.body, TESTING_APP.clientId);
    expect(payload['events']).toEqual({
      [EVENT.accountDisabled]: {
        subject: { subject_type: 'iss-sub', iss: 'https://accounts.google.com/', sub: ada.sub },
        reason: 'bulk-account',
      },
    });
    for (const { client } of [ada, adaTesting]) {
      expect((await failure(() => client.refreshAccessToken())).data?.['error']).toBe('invalid_grant');
    }
    // Another account's grant is untouched.
    expect((await grace.client.refreshAccessToken()).credentials.access_token).toBeDefined();
  });

  it('defaults the account-disabled reason to hijacking', async () => {
    await connected();
    h.google.control.risc.registerReceiver({ clientId: APP.clientId, url: receiver.url });
    const { deliveries } = await h.google.control.risc.sendEvent({ type: 'account-disabled', email: ADA });
    const events = (await verifySet(deliveries[0]!.set))['events'] as Record<string, { reason: string }>;
    expect(events[EVENT.accountDisabled]!.reason).toBe('hijacking');
  });

  it.each([
    ['sessions-revoked', EVENT.sessionsRevoked],
    ['account-enabled', EVENT.accountEnabled],
    ['account-credential-change-required', EVENT.credentialChange],
  ] as const)('sends %s with the iss-sub subject and leaves the OAuth grant working', async (type, uri) => {
    const { client, sub } = await connected();
    h.google.control.risc.registerReceiver({ clientId: APP.clientId, url: receiver.url });
    const { deliveries, revoked } = await h.google.control.risc.sendEvent({ type, sub });
    expect(revoked).toBe(0);
    expect((await verifySet(deliveries[0]!.set))['events']).toEqual({
      [uri]: { subject: { subject_type: 'iss-sub', iss: 'https://accounts.google.com/', sub } },
    });
    expect((await client.refreshAccessToken()).credentials.access_token).toBeDefined();
  });

  it.each(['sessions-revoked', 'account-disabled'] as const)(
    'signs the account out of the browser on %s, so prompt=none answers login_required',
    async (type) => {
      const cookies = new CookieJar();
      const client = h.oauthClient();
      const silent = () => h.authorize(client, { scope: ['openid', 'email'], prompt: 'none' }, { cookies });
      await h.authorize(client, { scope: ['openid', 'email'] }, { account: ADA, cookies });
      expect((await silent()).searchParams.get('code')).toEqual(expect.any(String));

      h.google.control.risc.registerReceiver({ clientId: APP.clientId, url: receiver.url });
      await h.google.control.risc.sendEvent({ type, email: ADA });
      expect((await silent()).searchParams.get('error')).toBe('login_required');
    },
  );

  it('sends a verification event echoing the state to the receivers', async () => {
    h.google.control.risc.registerReceiver({ clientId: APP.clientId, url: receiver.url });
    const sent = await control('POST', '/events', { type: 'verification', state: 'stream-check-42' });
    expect(sent.status).toBe(200);
    expect((await verifySet(receiver.received[0]!.body))['events']).toEqual({
      [EVENT.verification]: { state: 'stream-check-42' },
    });
  });

  it('tells only the apps the account granted: an account without a grant reaches nobody', async () => {
    await connected(ADA, APP);
    h.google.control.risc.registerReceiver({ clientId: APP.clientId, url: receiver.url });
    h.google.control.risc.registerReceiver({ clientId: TESTING_APP.clientId, url: testingReceiver.url });
    const { deliveries } = await h.google.control.risc.sendEvent({ type: 'account-enabled', email: GRACE });
    expect(deliveries).toEqual([]);
    expect(receiver.received).toHaveLength(0);
    const adaOnly = await h.google.control.risc.sendEvent({ type: 'account-enabled', email: ADA });
    expect(adaOnly.deliveries.map((d) => d.clientId)).toEqual([APP.clientId]);
  });

  it('gives every SET its own jti, and redelivers the very same SET on demand', async () => {
    await connected();
    h.google.control.risc.registerReceiver({ clientId: APP.clientId, url: receiver.url });
    const first = await h.google.control.risc.sendEvent({ type: 'account-enabled', email: ADA });
    const second = await h.google.control.risc.sendEvent({ type: 'account-enabled', email: ADA });
    expect(first.deliveries[0]!.jti).not.toBe(second.deliveries[0]!.jti);

    const again = await control('POST', `/events/${first.deliveries[0]!.jti}/redeliver`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ jti: first.deliveries[0]!.jti, accepted: true });
    expect(receiver.received.map((r) => r.body)).toEqual([
      first.deliveries[0]!.set,
      second.deliveries[0]!.set,
      first.deliveries[0]!.set,
    ]);
    const log = await control('GET', '/events');
    expect((log.body['deliveries'] as unknown[]).length).toBe(3);
  });

  it("records a receiver's refusal and an unreachable receiver without failing the control call", async () => {
    await connected();
    h.google.control.risc.registerReceiver({ clientId: APP.clientId, url: receiver.url });
    receiver.answer(400, '{"err":"invalid_request","description":"bad SET"}');
    const refused = await h.google.control.risc.sendEvent({ type: 'account-enabled', email: ADA });
    expect(refused.deliveries[0]).toMatchObject({ status: 400, accepted: false });
    expect(refused.deliveries[0]!.error).toContain('bad SET');

    const gone = await startReceiver();
    await gone.close();
    h.google.control.risc.registerReceiver({ clientId: APP.clientId, url: gone.url });
    const unreachable = await h.google.control.risc.sendEvent({ type: 'account-enabled', email: ADA });
    expect(unreachable.deliveries[0]).toMatchObject({ status: null, accepted: false });
    expect(unreachable.deliveries[0]!.error).toEqual(expect.any(String));
  });
});

describe('the RISC control API refuses bad requests with nothing changed', () => {
  it('lists, moves and removes receivers', async () => {
    await control('POST', '/receivers', { clientId: APP.clientId, url: receiver.url });
    await control('POST', '/receivers', { clientId: APP.clientId, url: testingReceiver.url });
    expect((await control('GET', '/receivers')).body).toEqual({
      receivers: [{ clientId: APP.clientId, url: testingReceiver.url }],
    });
    expect((await control('DELETE', `/receivers/${encodeURIComponent(APP.clientId)}`)).status).toBe(200);
    expect((await control('DELETE', `/receivers/${encodeURIComponent(APP.clientId)}`)).status).toBe(404);
    expect((await control('GET', '/receivers')).body).toEqual({ receivers: [] });
  });

  it('forgets receivers and sent events on reset', async () => {
    await connected();
    h.google.control.risc.registerReceiver({ clientId: APP.clientId, url: receiver.url });
    await h.google.control.risc.sendEvent({ type: 'account-enabled', email: ADA });
    h.google.control.reset();
    expect(h.google.control.risc.receivers()).toEqual([]);
    expect(h.google.control.risc.sent()).toEqual([]);
  });

  it.each([
    ['a receiver for an unknown client', '/receivers', { clientId: 'nobody', url: 'http://127.0.0.1:9/x' }, 404],
    ['a receiver URL that is not http(s)', '/receivers', { clientId: APP.clientId, url: 'ftp://x.test/' }, 400],
    ['a receiver without url', '/receivers', { clientId: APP.clientId }, 400],
    ['an unknown event type', '/events', { type: 'account-purged', email: ADA }, 400],
    ['an unknown field', '/events', { type: 'account-enabled', email: ADA, colour: 'red' }, 400],
    ['an unknown account', '/events', { type: 'tokens-revoked', email: 'nobody@example.com' }, 404],
    ['an account event naming no account', '/events', { type: 'tokens-revoked' }, 400],
    ['an unknown reason', '/events', { type: 'account-disabled', email: ADA, reason: 'boredom' }, 400],
    ['a client without receiver', '/events', { type: 'tokens-revoked', email: ADA, clientId: APP.clientId }, 404],
    ['an unknown refresh token without client', '/events', { type: 'token-revoked', token: '1//0nope' }, 400],
    ['a token-revoked naming nothing', '/events', { type: 'token-revoked', email: ADA }, 400],
    ['a redelivery of an unknown jti', '/events/0123/redeliver', undefined, 404],
  ])('refuses %s', async (_name, path, body, status) => {
    const { client } = await connected();
    const answer = await control('POST', path, body);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ error: { code: status } });
    expect((await client.refreshAccessToken()).credentials.access_token).toBeDefined();
  });

  it('refuses a malformed JSON body with a 400, not a crash', async () => {
    const response = await fetch(`${h.google.url}/__emulator/risc/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"type":',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 400 } });
  });
});
