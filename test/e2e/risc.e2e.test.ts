import fc from 'fast-check';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_BRIDGE_CLIENT, SANDBOX_CLERK_CLIENT } from '../../src/cli/sandbox.js';
import type { BridgeEvent } from '../../src/core/types.js';
import type { BrowserSignIn } from '../../src/sandbox/clerk/index.js';
import type { RiscDelivery, RiscEventInput } from '../../src/sandbox/google/index.js';
import { BACKENDS, startWorld, type World } from './world.js';

const ADA = 'ada@example.com';
const GRACE = 'grace@example.com';
const ADA_SUB = '110169484474386276334';
const RISC_PATH = '/webhooks/google/risc';

interface ErrorBody {
  error: { code: string; message: string; reason?: string; connectUrl?: string };
}

describe.each(BACKENDS)('Google Cross-Account Protection (RISC) through the bridge, on %s', (backend) => {
  let world: World;
  let events: BridgeEvent[];
  beforeEach(async () => {
    world = await startWorld(backend);
    events = [];
    world.service.bridge.on((event) => events.push(event));
  });
  afterEach(async () => {
    await world?.close();
  });

  const risc = () => world.sandbox.google.control.risc;
  /** Google sends one event to the bridge's client; the bridge's answer is in the delivery. */
  const send = async (input: Omit<RiscEventInput, 'clientId'> & { clientId?: string }): Promise<RiscDelivery> => {
    const { deliveries } = await risc().sendEvent({ clientId: SANDBOX_BRIDGE_CLIENT.clientId, ...input });
    expect(deliveries).toHaveLength(1);
    return deliveries[0]!;
  };
  const tokenFor = (who: BrowserSignIn) => world.call('/api/google-token?scope=drive.readonly', { who });
  const connected = async (email: string) => {
    const who = await world.signIn(email);
    await world.connect(who, ['drive.readonly'], { account: email });
    expect((await tokenFor(who)).status).toBe(200);
    return who;
  };
  const expectReconnectRequired = async (who: BrowserSignIn) => {
    const response = await tokenFor(who);
    expect(response.status).toBe(409);
    const body = (await response.json()) as ErrorBody;
    expect(body.error).toMatchObject({ code: 'reconnect_required', reason: 'revoked' });
    expect(body.error.connectUrl).toContain('/connect/google');
  };
  const stored = (userId: string) => world.service.store.getConnection(userId);
  const post = (body: string, contentType = 'application/secevent+jwt') =>
    fetch(`${world.service.url}${RISC_PATH}`, { method: 'POST', headers: { 'content-type': contentType }, body });

  it('the sandbox registers the bridge as the RISC receiver of its own Google client', () => {
    expect(risc().receivers()).toContainEqual({
      clientId: SANDBOX_BRIDGE_CLIENT.clientId,
      url: `${world.publicUrl}${RISC_PATH}`,
    });
  });

  it('tokens-revoked marks the account’s connection needs_reconnect and drops its tokens; a reconnect repairs it', async () => {
    const ada = await connected(ADA);
    const grace = await connected(GRACE);

    const delivery = await send({ type: 'tokens-revoked', email: ADA });
    expect(delivery).toMatchObject({ status: 202, accepted: true });

    await expectReconnectRequired(ada);
    const row = await stored(ada.userId);
    expect(row).toMatchObject({ status: 'needs_reconnect', reconnectReason: 'revoked', refreshToken: null });
    expect(row?.accessToken).toBeNull();
    const shown = (await (await world.call('/api/google/connection', { who: ada })).json()) as {
      connection: { status: string; reconnectReason: string; lastError: { code: string } | null };
    };
    expect(shown.connection).toMatchObject({ status: 'needs_reconnect', reconnectReason: 'revoked' });
    expect(shown.connection.lastError?.code).toBe('google_tokens_revoked');
    expect(events).toContainEqual({ type: 'connection.needs_reconnect', userId: ada.userId, reason: 'revoked' });
    const audit = await world.service.store.listAudit({ userId: ada.userId });
    expect(audit.find((entry) => entry.actor === 'google_risc')).toMatchObject({
      action: 'needs_reconnect',
      detail: { reason: 'revoked', event: 'tokens-revoked', jti: delivery.jti },
    });

    // Another Google account's connection is untouched.
    expect((await tokenFor(grace)).status).toBe(200);

    await world.connect(ada, ['drive.readonly'], { account: ADA });
    expect((await tokenFor(ada)).status).toBe(200);
    expect((await stored(ada.userId))?.status).toBe('active');
  });

  it('every audit entry a security event causes names google_risc as its actor', async () => {
    const ada = await connected(ADA);
    const before = new Set((await world.service.store.listAudit({ userId: ada.userId })).map((entry) => entry.id));
    for (const type of ['sessions-revoked', 'tokens-revoked'] as const) {
      await world.connect(ada, ['drive.readonly'], { account: ADA });
      for (const entry of await world.service.store.listAudit({ userId: ada.userId })) before.add(entry.id);
      world.clock.advance(2000);
      expect(await send({ type, email: ADA })).toMatchObject({ status: 202, accepted: true });
      await expectReconnectRequired(ada);
      const caused = (await world.service.store.listAudit({ userId: ada.userId })).filter((e) => !before.has(e.id));
      expect(caused.length).toBeGreaterThan(0);
      expect(caused.map((entry) => [entry.action, entry.actor])).toEqual(
        caused.map((entry) => [entry.action, 'google_risc']),
      );
    }
  });

  it('token-revoked finds the one connection holding that refresh token, by prefix or by double SHA-512', async () => {
    const ada = await connected(ADA);
    const grace = await connected(GRACE);

    expect(await send({ type: 'token-revoked', email: ADA, tokenIdentifierAlg: 'prefix' })).toMatchObject({
      status: 202,
    });
    await expectReconnectRequired(ada);
    expect((await tokenFor(grace)).status).toBe(200);

    expect(
      await send({ type: 'token-revoked', email: GRACE, tokenIdentifierAlg: 'hash_base64_sha512_sha512' }),
    ).toMatchObject({ status: 202 });
    await expectReconnectRequired(grace);
    expect(events.filter((e) => e.type === 'connection.needs_reconnect').map((e) => e.userId)).toEqual([
      ada.userId,
      grace.userId,
    ]);
  });

  it('sessions-revoked and account-disabled mark the connection; the disabled reason is in the audit trail', async () => {
    const ada = await connected(ADA);
    const grace = await connected(GRACE);

    expect(await send({ type: 'sessions-revoked', email: ADA })).toMatchObject({ status: 202 });
    await expectReconnectRequired(ada);

    const disabled = await send({ type: 'account-disabled', sub: '104727018593224091586', reason: 'bulk-account' });
    expect(disabled).toMatchObject({ status: 202 });
    await expectReconnectRequired(grace);
    const audit = await world.service.store.listAudit({ userId: grace.userId });
    expect(audit.find((entry) => entry.actor === 'google_risc')?.detail).toMatchObject({
      event: 'account-disabled',
      disabledReason: 'bulk-account',
      reason: 'revoked',
    });
  });

  it('account-enabled, account-credential-change-required and verification are accepted and change nothing', async () => {
    const ada = await connected(ADA);
    const before = await stored(ada.userId);
    for (const type of ['account-enabled', 'account-credential-change-required'] as const) {
      expect(await send({ type, email: ADA })).toMatchObject({ status: 202, accepted: true });
    }
    expect(await send({ type: 'verification', state: 'state-from-stream-verify' })).toMatchObject({ status: 202 });

    expect((await tokenFor(ada)).status).toBe(200);
    expect((await stored(ada.userId))?.version).toBe(before?.version);
    expect(events.some((e) => e.type === 'connection.needs_reconnect')).toBe(false);
  });

  it('a replayed jti is accepted with 202 and ignored, even when the event would otherwise apply again', async () => {
    const ada = await connected(ADA);
    const first = await send({ type: 'tokens-revoked', email: ADA });
    await expectReconnectRequired(ada);
    // Reconnected within the same second the event was issued: only the jti tells the replay from a new event.
    await world.connect(ada, ['drive.readonly'], { account: ADA });
    expect((await tokenFor(ada)).status).toBe(200);

    const replay = await risc().redeliver(first.jti);
    expect(replay).toMatchObject({ jti: first.jti, status: 202, accepted: true });
    expect((await tokenFor(ada)).status).toBe(200);
    expect(events.filter((e) => e.type === 'connection.needs_reconnect')).toHaveLength(1);
  });

  it('forged events are refused with 400 and change nothing: bad signature, unknown key, wrong audience, not a JWT', async () => {
    const ada = await connected(ADA);
    const grace = await connected(GRACE);
    // A genuine SET (a harmless account-enabled), to tamper with.
    const genuine = await send({ type: 'account-enabled', email: GRACE });
    const [header, , signature] = genuine.set.split('.');
    const claims = decodeJwt(genuine.set) as Record<string, unknown>;
    const retyped = {
      ...claims,
      jti: 'forged-1',
      events: {
        'https://schemas.openid.net/secevent/oauth/event-type/tokens-revoked': {
          subject: { subject_type: 'iss-sub', iss: claims['iss'], sub: ADA_SUB },
        },
      },
    };
    const forgedPayload = Buffer.from(JSON.stringify(retyped)).toString('base64url');
    const refusals: Array<[string, Response]> = [];
    refusals.push(['signature', await post(`${header}.${forgedPayload}.${signature}`)]);

    // Signed with a key of the attacker's, under the kid Google uses and under one of its own.
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const kid = String(decodeProtectedHeader(genuine.set).kid);
    for (const useKid of [kid, 'attacker-key']) {
      const jwt = await new SignJWT({ ...retyped, jti: `forged-${useKid}` })
        .setProtectedHeader({ alg: 'RS256', kid: useKid, typ: 'secevent+jwt', jwk: await exportJWK(publicKey) })
        .sign(privateKey);
      refusals.push([useKid === kid ? 'signature' : 'unknown_key', await post(jwt)]);
    }
    refusals.push(['malformed', await post('not-a-jwt')]);
    refusals.push(['malformed', await post('{"events":{}}', 'application/json')]);
    refusals.push([
      'algorithm',
      await post(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${forgedPayload}.`),
    ]);

    for (const [reason, response] of refusals) {
      expect(response.status, reason).toBe(400);
      const body = (await response.json()) as ErrorBody & { error: { reason?: string } };
      expect(body.error).toMatchObject({ code: 'invalid_security_event', reason });
      expect(JSON.stringify(body)).not.toContain(forgedPayload);
    }

    // Google's genuine key, but addressed to another client (Clerk's) than the bridge's.
    risc().registerReceiver({ clientId: SANDBOX_CLERK_CLIENT.clientId, url: `${world.publicUrl}${RISC_PATH}` });
    const misaddressed = await send({ type: 'tokens-revoked', email: ADA, clientId: SANDBOX_CLERK_CLIENT.clientId });
    expect(misaddressed.status).toBe(400);
    expect(misaddressed.error).toContain('invalid_security_event');

    const oversized = await post('a'.repeat(64 * 1024));
    expect(oversized.status).toBe(413);
    expect(((await oversized.json()) as ErrorBody).error.code).toBe('payload_too_large');

    expect((await tokenFor(ada)).status).toBe(200);
    expect((await tokenFor(grace)).status).toBe(200);
    expect(events.some((e) => e.type === 'connection.needs_reconnect')).toBe(false);
  });

  it('a SET whose issuer is not the one Google’s RISC configuration names is refused with 400', async () => {
    const ada = await connected(ADA);
    const google = world.sandbox.google;
    // Google's configuration (fetched on the first event) names another issuer than the SETs carry.
    google.control.injectFault({
      endpoint: '/.well-known/risc-configuration',
      status: 200,
      body: { issuer: 'https://issuer.example.test/', jwks_uri: `${google.url}/risc/v1beta/jwks` },
      times: 1,
    });
    const delivery = await send({ type: 'tokens-revoked', email: ADA });
    expect(delivery.status).toBe(400);
    expect(delivery.error).toContain('issuer');
    expect((await stored(ada.userId))?.status).toBe('active');
  });

  it('Google’s keys unreachable answers 503 with Retry-After, and the redelivery is applied, not lost', async () => {
    const ada = await connected(ADA);
    world.sandbox.google.control.injectFault({ endpoint: '/risc/v1beta/jwks', status: 503, times: 100 });
    const failed = await send({ type: 'tokens-revoked', email: ADA });
    expect(failed).toMatchObject({ status: 503, accepted: false });
    expect((await stored(ada.userId))?.status).toBe('active');

    const direct = await post(failed.set);
    expect(direct.status).toBe(503);
    expect(Number(direct.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await direct.json()) as ErrorBody).error.code).toBe('upstream_unavailable');

    world.sandbox.google.control.clearFaults();
    expect(await risc().redeliver(failed.jti)).toMatchObject({ status: 202, accepted: true });
    await expectReconnectRequired(ada);
  });

  it('an event issued before the user reconnected is ignored when it arrives late', async () => {
    const ada = await connected(ADA);
    world.sandbox.google.control.injectFault({ endpoint: '/risc/v1beta/jwks', status: 503, times: 100 });
    const delayed = await send({ type: 'tokens-revoked', email: ADA });
    expect(delayed.status).toBe(503);
    world.sandbox.google.control.clearFaults();

    // Google revoked the grant; the user reconnects a little later, before the event gets through.
    world.clock.advance(5_000);
    await world.connect(ada, ['drive.readonly'], { account: ADA });
    expect(await risc().redeliver(delayed.jti)).toMatchObject({ status: 202, accepted: true });

    expect((await tokenFor(ada)).status).toBe(200);
    expect((await stored(ada.userId))?.status).toBe('active');
    expect(events.some((e) => e.type === 'connection.needs_reconnect')).toBe(false);
  });
});

describe('the RISC receiver under arbitrary input', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld('sqlite');
  });
  afterEach(async () => {
    await world?.close();
  });

  it('answers arbitrary bodies and content types with a 4xx JSON error, never a 5xx', async () => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const body = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.base64String({ maxLength: 200 }),
      fc
        .tuple(fc.jsonValue(), fc.jsonValue(), fc.string({ maxLength: 40 }))
        .map(([header, payload, signature]) => `${b64(header)}.${b64(payload)}.${signature}`),
      fc
        .record({ kid: fc.string({ maxLength: 20 }), typ: fc.constantFrom('secevent+jwt', 'JWT', 'at+jwt') })
        .map((header) => `${b64({ alg: 'RS256', ...header })}.${b64({ iss: 'x', events: {} })}.c2ln`),
    );
    const contentType = fc.constantFrom(
      'application/secevent+jwt',
      'application/json',
      'text/plain',
      'application/jwt',
    );
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(body, contentType, async (payload, type) => {
        tried += 1;
        const response = await fetch(`${world.service.url}${RISC_PATH}`, {
          method: 'POST',
          headers: { 'content-type': type },
          body: payload,
        });
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        const answer = (await response.json()) as ErrorBody;
        expect(typeof answer.error.code).toBe('string');
      }),
      { numRuns: 150 },
    );
    expect(tried).toBeGreaterThanOrEqual(150);
  });
});
