import { createHash, createPublicKey } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { RiscTokenInvalidError, UpstreamUnavailableError } from '../../src/core/errors.js';
import {
  createRiscVerifier,
  matchesTokenIdentifier,
  type RiscVerifier,
  riscEventLookupKey,
  riscTokenIdentifier,
  riscTokenLookupKeys,
} from '../../src/core/risc.js';
import { type GoogleEmulator, startGoogleEmulator } from '../../src/sandbox/google/index.js';
import { startReceiver, type TestReceiver } from '../conformance/google/risc-receiver.js';

const APP_ID = '555-risc.apps.googleusercontent.com';
const OTHER_APP_ID = '666-other.apps.googleusercontent.com';
const ADA = 'ada@example.com';
const GOOGLE_RISC_ISSUER = 'https://accounts.google.com/';
const TOKENS_REVOKED = 'https://schemas.openid.net/secevent/oauth/event-type/tokens-revoked';

/** The reason a verification was refused with, or a failure if it was not refused as invalid. */
async function refusal(verifier: RiscVerifier, jwt: string): Promise<string> {
  try {
    await verifier.verify(jwt);
  } catch (error) {
    expect(error).toBeInstanceOf(RiscTokenInvalidError);
    const invalid = error as RiscTokenInvalidError;
    expect(invalid.code).toBe('invalid_security_event');
    expect(invalid.status).toBe(400);
    // The token never reaches the message or the details that the HTTP layer may log.
    expect(invalid.message).not.toContain(String(jwt).slice(0, 20));
    expect(JSON.stringify(invalid.details)).not.toContain(String(jwt).slice(0, 20));
    return String(invalid.details['reason']);
  }
  throw new Error('expected the security event token to be refused');
}

describe('verifying SETs the Google emulator sends', () => {
  let google: GoogleEmulator;
  let receiver: TestReceiver;
  let clock: ManualClock;
  let verifier: RiscVerifier;

  beforeAll(async () => {
    clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
    google = await startGoogleEmulator({
      clock,
      clients: [
        { clientId: APP_ID, clientSecret: 'GOCSPX-risc', redirectUris: ['http://127.0.0.1:9/cb'] },
        { clientId: OTHER_APP_ID, clientSecret: 'GOCSPX-other', redirectUris: ['http://127.0.0.1:9/cb'] },
      ],
    });
    receiver = await startReceiver();
  });
  beforeEach(() => {
    google.control.reset();
    google.control.risc.registerReceiver({ clientId: APP_ID, url: receiver.url });
    google.control.risc.registerReceiver({ clientId: OTHER_APP_ID, url: receiver.url });
    verifier = createRiscVerifier({
      configurationUrl: `${google.url}/.well-known/risc-configuration`,
      audiences: [APP_ID],
      clock,
    });
  });
  afterAll(async () => {
    await Promise.all([google.close(), receiver.close()]);
  });

  /** Sends an event to APP_ID and returns the signed SET. */
  async function sent(input: Parameters<GoogleEmulator['control']['risc']['sendEvent']>[0]): Promise<string> {
    const { deliveries } = await google.control.risc.sendEvent({ clientId: APP_ID, ...input });
    expect(deliveries).toHaveLength(1);
    return deliveries[0]!.set;
  }

  it('reads tokens-revoked as the iss-sub subject, with the jti, iat and audience of the SET', async () => {
    const set = await sent({ type: 'tokens-revoked', email: ADA });
    expect(await verifier.verify(set)).toEqual([
      {
        type: 'tokens-revoked',
        subject: { type: 'iss-sub', iss: GOOGLE_RISC_ISSUER, sub: expect.stringMatching(/^\d+$/) },
        jti: google.control.risc.sent()[0]!.jti,
        issuedAt: Math.floor(clock.now() / 1000),
        audience: APP_ID,
      },
    ]);
  });

  it.each([
    ['sessions-revoked', {}],
    ['account-enabled', {}],
    ['account-credential-change-required', {}],
    ['account-disabled', { reason: 'hijacking' }],
  ] as const)('reads %s with its subject', async (type, extra) => {
    const events = await verifier.verify(await sent({ type, email: ADA, ...extra }));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type, subject: { type: 'iss-sub', iss: GOOGLE_RISC_ISSUER }, ...extra });
  });

  it('reads the reason of account-disabled (bulk-account)', async () => {
    const [event] = await verifier.verify(await sent({ type: 'account-disabled', email: ADA, reason: 'bulk-account' }));
    expect(event).toMatchObject({ type: 'account-disabled', reason: 'bulk-account' });
  });

  it('reads the state of a verification event', async () => {
    const [event] = await verifier.verify(await sent({ type: 'verification', state: 'ping-7' }));
    expect(event).toMatchObject({ type: 'verification', state: 'ping-7' });
  });

  it.each(['prefix', 'hash_base64_sha512_sha512'] as const)(
    'reads token-revoked (%s), and its identifier matches the revoked refresh token only',
    async (alg) => {
      const refreshToken = '1//0abcdefghijklmnopqrstuvwxyz0123456789-_ABCDEFGHIJKLMNOPQRSTUVWXYZ';
      const [event] = await verifier.verify(
        await sent({ type: 'token-revoked', token: refreshToken, tokenIdentifierAlg: alg }),
      );
      expect(event).toMatchObject({ type: 'token-revoked', tokenType: 'refresh_token', tokenIdentifierAlg: alg });
      if (event?.type !== 'token-revoked') throw new Error('expected token-revoked');
      expect(matchesTokenIdentifier(refreshToken, event)).toBe(true);
      expect(matchesTokenIdentifier(`${refreshToken.slice(0, 15)}X${refreshToken.slice(16)}`, event)).toBe(false);
      expect(matchesTokenIdentifier('1//0another-refresh-token-entirely-000000000000', event)).toBe(false);
      expect(event.token).not.toBe(refreshToken);
    },
  );

  it('accepts a replayed SET again with the same jti: de-duplicating by jti is the caller’s job', async () => {
    const set = await sent({ type: 'account-enabled', email: ADA });
    const [first] = await verifier.verify(set);
    const [again] = await verifier.verify(set);
    expect(again!.jti).toBe(first!.jti);
  });

  it('refuses a SET addressed to another client id', async () => {
    const { deliveries } = await google.control.risc.sendEvent({
      type: 'tokens-revoked',
      email: ADA,
      clientId: OTHER_APP_ID,
    });
    expect(await refusal(verifier, deliveries[0]!.set)).toBe('audience');
    const both = createRiscVerifier({
      configurationUrl: `${google.url}/.well-known/risc-configuration`,
      audiences: [APP_ID, OTHER_APP_ID],
    });
    expect((await both.verify(deliveries[0]!.set))[0]!.audience).toBe(OTHER_APP_ID);
  });

  it('refuses a SET whose issuer differs from the configured one, even by a trailing slash', async () => {
    const configuration = (await (await fetch(`${google.url}/.well-known/risc-configuration`)).json()) as {
      jwks_uri: string;
    };
    const strict = createRiscVerifier({
      issuer: 'https://accounts.google.com',
      jwksUri: configuration.jwks_uri,
      audiences: [APP_ID],
    });
    expect(await refusal(strict, await sent({ type: 'tokens-revoked', email: ADA }))).toBe('issuer');
  });

  it('refuses a SET whose payload was altered after signing', async () => {
    const set = await sent({ type: 'account-enabled', email: ADA });
    const [header, payload, signature] = set.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JWTPayload;
    const forged = Buffer.from(JSON.stringify({ ...claims, events: { [TOKENS_REVOKED]: {} } })).toString('base64url');
    expect(await refusal(verifier, `${header}.${forged}.${signature}`)).toBe('signature');
  });

  it("refuses a SET signed by another key that claims the emulator's kid", async () => {
    const set = await sent({ type: 'account-enabled', email: ADA });
    const [header] = set.split('.') as [string];
    const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string };
    const attacker = await generateKeyPair('RS256');
    const forged = await new SignJWT(payloadFor({}))
      .setProtectedHeader({ alg: 'RS256', kid })
      .sign(attacker.privateKey);
    expect(await refusal(verifier, forged)).toBe('signature');
  });

  it('refuses a SET signed with a key the jwks_uri does not hold', async () => {
    const attacker = await generateKeyPair('RS256');
    const forged = await new SignJWT(payloadFor({}))
      .setProtectedHeader({ alg: 'RS256', kid: 'attacker-key' })
      .sign(attacker.privateKey);
    expect(await refusal(verifier, forged)).toBe('unknown_key');
  });

  it('refuses alg none and HS256 signed with the public key (algorithm confusion)', async () => {
    const set = await sent({ type: 'account-enabled', email: ADA });
    const [header, payload] = set.split('.') as [string, string];
    const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string };
    const none = Buffer.from(JSON.stringify({ alg: 'none', kid })).toString('base64url');
    expect(await refusal(verifier, `${none}.${payload}.`)).toBe('algorithm');

    const jwks = (await (await fetch(`${google.url}/risc/v1beta/jwks`)).json()) as { keys: JWK[] };
    const publicPem = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const hs256 = await new SignJWT(payloadFor({}))
      .setProtectedHeader({ alg: 'HS256', kid })
      .sign(new TextEncoder().encode(publicPem));
    expect(await refusal(verifier, hs256)).toBe('algorithm');
  });

  it('refuses what is not a compact JWS at all', async () => {
    expect(await refusal(verifier, 'not-a-jwt')).toBe('malformed');
    expect(await refusal(verifier, 'a.b.c.d.e')).toBe('malformed');
    expect(await refusal(verifier, `${'a'.repeat(20_000)}.b.c`)).toBe('malformed');
    expect(await refusal(verifier, 'e30.e30.AAAA')).toBe('algorithm');
    expect(await refusal(verifier, 42 as unknown as string)).toBe('malformed');
  });
});

/** A SET payload as Google would write it, for forged and hand-made tokens. */
function payloadFor(overrides: Record<string, unknown>): JWTPayload {
  return {
    iss: GOOGLE_RISC_ISSUER,
    aud: APP_ID,
    iat: 1_772_366_400,
    jti: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    events: { [TOKENS_REVOKED]: { subject: { subject_type: 'iss-sub', iss: GOOGLE_RISC_ISSUER, sub: '1234' } } },
    ...overrides,
  };
}

/** An in-memory Google: the RISC configuration and a key set, served through the verifier's injected fetch. */
async function fakeGoogle() {
  const makeKey = async (kid: string) => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    return { kid, privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256' } };
  };
  const state = {
    keys: [await makeKey('key-1')],
    calls: { configuration: 0, jwks: 0 },
    down: false,
  };
  const fetchImpl = (async (input: string | URL | Request) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (state.down) throw new TypeError('fetch failed');
    if (url.pathname === '/.well-known/risc-configuration') {
      state.calls.configuration += 1;
      return Response.json({ issuer: GOOGLE_RISC_ISSUER, jwks_uri: 'https://keys.google.test/risc/jwks' });
    }
    if (url.pathname === '/risc/jwks') {
      state.calls.jwks += 1;
      return Response.json({ keys: state.keys.map((k) => k.jwk) });
    }
    return new Response('not found', { status: 404 });
  }) as typeof fetch;
  const sign = (payload: JWTPayload, header: Record<string, unknown> = {}, key = state.keys[0]!) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: key.kid, ...header }).sign(key.privateKey);
  return { state, fetch: fetchImpl, sign, makeKey };
}

describe('verifying hand-made SETs against an in-memory Google', () => {
  const configurationUrl = 'https://accounts.google.test/.well-known/risc-configuration';

  it('does not check exp: a SET with an expired exp still verifies', async () => {
    const google = await fakeGoogle();
    const verifier = createRiscVerifier({ configurationUrl, audiences: [APP_ID], fetch: google.fetch });
    const events = await verifier.verify(await google.sign(payloadFor({ exp: 1_000 })));
    expect(events[0]).toMatchObject({ type: 'tokens-revoked', subject: { sub: '1234' } });
  });

  it('accepts an aud array that holds one of its client ids', async () => {
    const google = await fakeGoogle();
    const verifier = createRiscVerifier({ configurationUrl, audiences: [APP_ID], fetch: google.fetch });
    const [event] = await verifier.verify(await google.sign(payloadFor({ aud: ['someone-else', APP_ID] })));
    expect(event!.audience).toBe(APP_ID);
  });

  it('returns an unknown event type as unknown, next to the events it knows', async () => {
    const google = await fakeGoogle();
    const verifier = createRiscVerifier({ configurationUrl, audiences: [APP_ID], fetch: google.fetch });
    const events = await verifier.verify(
      await google.sign(
        payloadFor({
          events: {
            'https://schemas.example.test/event-type/new-thing': { anything: true },
            'https://schemas.openid.net/secevent/risc/event-type/account-enabled': {
              subject: { subject_type: 'email', email: 'ada@example.com' },
            },
          },
        }),
      ),
    );
    expect(events.map((e) => e.type)).toEqual(['unknown', 'account-enabled']);
    expect(events[0]).toMatchObject({ eventType: 'https://schemas.example.test/event-type/new-thing' });
    expect(events[1]).toMatchObject({ subject: { type: 'email', email: 'ada@example.com' } });
  });

  it.each([
    ['no events', { events: undefined }],
    ['an empty events object', { events: {} }],
    ['no jti', { jti: undefined }],
    ['no iat', { iat: undefined }],
    ['a subject it cannot read', { events: { [TOKENS_REVOKED]: { subject: { subject_type: 'phone' } } } }],
    [
      'a token-revoked without oauth_token subject',
      { events: { 'https://schemas.openid.net/secevent/oauth/event-type/token-revoked': { subject: {} } } },
    ],
  ])('refuses a SET with %s', async (_name, overrides) => {
    const google = await fakeGoogle();
    const verifier = createRiscVerifier({ configurationUrl, audiences: [APP_ID], fetch: google.fetch });
    expect(await refusal(verifier, await google.sign(payloadFor(overrides)))).toBe('claims');
  });

  it('refuses a token typed as something other than a SET (an access token, say)', async () => {
    const google = await fakeGoogle();
    const verifier = createRiscVerifier({ configurationUrl, audiences: [APP_ID], fetch: google.fetch });
    expect(await refusal(verifier, await google.sign(payloadFor({}), { typ: 'at+jwt' }))).toBe('type');
    expect(await verifier.verify(await google.sign(payloadFor({}), { typ: 'secevent+jwt' }))).toHaveLength(1);
  });

  it('fetches the configuration once, and again only after it has aged out (by the injected clock)', async () => {
    const google = await fakeGoogle();
    const clock = new ManualClock(0);
    const verifier = createRiscVerifier({
      configurationUrl,
      audiences: [APP_ID],
      fetch: google.fetch,
      clock,
      configurationMaxAgeMs: 60_000,
    });
    const set = await google.sign(payloadFor({}));
    await Promise.all([verifier.verify(set), verifier.verify(set), verifier.verify(set)]);
    expect(google.state.calls.configuration).toBe(1);
    expect(google.state.calls.jwks).toBe(1);
    clock.advance(60_001);
    await verifier.verify(set);
    expect(google.state.calls.configuration).toBe(2);
    // The same jwks_uri keeps its cached keys.
    expect(google.state.calls.jwks).toBe(1);
  });

  it('keeps verifying with the configuration it has while Google is unreachable', async () => {
    const google = await fakeGoogle();
    const clock = new ManualClock(0);
    const verifier = createRiscVerifier({ configurationUrl, audiences: [APP_ID], fetch: google.fetch, clock });
    const set = await google.sign(payloadFor({}));
    await verifier.verify(set);
    clock.advance(2 * 3_600_000);
    google.state.down = true;
    expect(await verifier.verify(set)).toHaveLength(1);
  });

  it('answers Google being unreachable with upstream_unavailable (so the receiver asks Google to retry), not 400', async () => {
    const google = await fakeGoogle();
    google.state.down = true;
    const verifier = createRiscVerifier({ configurationUrl, audiences: [APP_ID], fetch: google.fetch });
    const error = await verifier.verify(await google.sign(payloadFor({}))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect((error as UpstreamUnavailableError).status).toBe(503);

    const direct = createRiscVerifier({
      issuer: GOOGLE_RISC_ISSUER,
      jwksUri: 'https://keys.google.test/risc/jwks',
      audiences: [APP_ID],
      fetch: google.fetch,
    });
    expect(await direct.verify(await google.sign(payloadFor({}))).catch((e: unknown) => e)).toBeInstanceOf(
      UpstreamUnavailableError,
    );
  });

  it('picks up a rotated key: an unknown kid makes it fetch the key set again', async () => {
    const google = await fakeGoogle();
    const verifier = createRiscVerifier({
      configurationUrl,
      audiences: [APP_ID],
      fetch: google.fetch,
      jwksCooldownMs: 0,
    });
    await verifier.verify(await google.sign(payloadFor({})));
    const rotated = await google.makeKey('key-2');
    google.state.keys = [rotated];
    expect(await verifier.verify(await google.sign(payloadFor({}), {}, rotated))).toHaveLength(1);
    expect(google.state.calls.jwks).toBe(2);
  });

  it('refuses to be built without audiences or with a half configuration', () => {
    expect(() => createRiscVerifier({ configurationUrl, audiences: [] })).toThrow(/audience/);
    expect(() => createRiscVerifier({ issuer: GOOGLE_RISC_ISSUER, audiences: [APP_ID] })).toThrow(/jwksUri/);
    expect(() => createRiscVerifier({ audiences: [APP_ID] })).toThrow(/configurationUrl/);
    expect(() =>
      createRiscVerifier({ configurationUrl, issuer: 'x', jwksUri: 'https://k.test/', audiences: [APP_ID] }),
    ).toThrow(/either/);
  });
});

describe('matching a token-revoked identifier against a stored refresh token', () => {
  const token = '1//0gLpZ8mQ2vX7rT4kN9sW3bY6cA1dE5fH8jK0lM2nP4qR6tU8vW0xY2zA4bC6dE8f';

  it('matches the 16-character prefix, and refuses shorter prefixes that would match too much', () => {
    expect(matchesTokenIdentifier(token, { tokenIdentifierAlg: 'prefix', token: token.slice(0, 16) })).toBe(true);
    expect(matchesTokenIdentifier(token, { tokenIdentifierAlg: 'prefix', token: token.slice(0, 15) })).toBe(false);
    expect(matchesTokenIdentifier(token, { tokenIdentifierAlg: 'prefix', token: '1//0' })).toBe(false);
    expect(matchesTokenIdentifier(token, { tokenIdentifierAlg: 'prefix', token: `${token}x` })).toBe(false);
  });

  it('matches the double SHA-512 hash in base64 or base64url, padded or not', () => {
    const digest = createHash('sha512').update(createHash('sha512').update(token).digest()).digest();
    for (const spelling of [
      digest.toString('base64'),
      digest.toString('base64url'),
      digest.toString('base64').replace(/=+$/, ''),
    ]) {
      expect(matchesTokenIdentifier(token, { tokenIdentifierAlg: 'hash_base64_sha512_sha512', token: spelling })).toBe(
        true,
      );
    }
    expect(riscTokenIdentifier(token, 'hash_base64_sha512_sha512')).toBe(digest.toString('base64'));
    expect(riscTokenIdentifier(token, 'prefix')).toBe(token.slice(0, 16));
  });

  it('never matches another token, an unknown algorithm, or garbage', () => {
    const other = `${token.slice(0, -1)}Z`;
    const hashed = riscTokenIdentifier(token, 'hash_base64_sha512_sha512');
    expect(matchesTokenIdentifier(other, { tokenIdentifierAlg: 'hash_base64_sha512_sha512', token: hashed })).toBe(
      false,
    );
    expect(matchesTokenIdentifier(token, { tokenIdentifierAlg: 'sha256', token: hashed })).toBe(false);
    expect(matchesTokenIdentifier(token, { tokenIdentifierAlg: 'hash_base64_sha512_sha512', token: '!!!' })).toBe(
      false,
    );
    expect(matchesTokenIdentifier('', { tokenIdentifierAlg: 'prefix', token: token.slice(0, 16) })).toBe(false);
  });

  it('gives index keys a token-revoked event finds in one lookup, without storing any part of the token', () => {
    const keys = riscTokenLookupKeys(token);
    expect(JSON.stringify(keys)).not.toContain(token.slice(0, 8));
    const digest = createHash('sha512').update(createHash('sha512').update(token).digest()).digest();
    expect(riscEventLookupKey({ tokenIdentifierAlg: 'prefix', token: token.slice(0, 16) })).toEqual({
      alg: 'prefix',
      key: keys.prefix,
    });
    for (const spelling of [digest.toString('base64'), digest.toString('base64url')]) {
      expect(riscEventLookupKey({ tokenIdentifierAlg: 'hash_base64_sha512_sha512', token: spelling })).toEqual({
        alg: 'hash_base64_sha512_sha512',
        key: keys.hash,
      });
    }
    expect(riscTokenLookupKeys(`${token.slice(0, -1)}Z`).hash).not.toBe(keys.hash);
    expect(riscEventLookupKey({ tokenIdentifierAlg: 'prefix', token: '1//0' })).toBeNull();
    expect(riscEventLookupKey({ tokenIdentifierAlg: 'hash_base64_sha512_sha512', token: 'c2hvcnQ=' })).toBeNull();
    expect(riscEventLookupKey({ tokenIdentifierAlg: 'md5', token: 'x'.repeat(16) })).toBeNull();
  });
});
