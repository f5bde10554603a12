import Fastify, { type FastifyInstance } from 'fastify';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { apiKeyName, registerCallers, signedInUser } from '../../src/http/caller.js';
import { MAX_CREDENTIAL_LENGTH } from '../../src/http/credentials.js';
import { toErrorReply } from '../../src/http/error-reply.js';
import { registerRateLimits } from '../../src/http/rate-limit.js';
import { SessionVerifier, type SessionVerifierOptions } from '../../src/http/session-verifier.js';
import { FrozenClock } from '../support/frozen-clock.js';

// The edge identifies each caller once: one hook per route that takes a credential, read by the rate limiter and
// by the route itself.

const ORIGIN = 'http://localhost:4000';
const LONG_KEY = 'k'.repeat(MAX_CREDENTIAL_LENGTH);

/** A verifier that counts the verifications it is asked for. */
class CountingVerifier extends SessionVerifier {
  verifications = 0;
  override verify(token: string, options?: { graceSeconds?: number }) {
    this.verifications++;
    return super.verify(token, options);
  }
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(limits = { perUser: 100, perIp: 100, windowSeconds: 60 }) {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const clock = new FrozenClock();
  const options: SessionVerifierOptions = {
    jwtKey: await exportSPKI(publicKey),
    secretKey: 'sk_test_unused',
    authorizedParties: [ORIGIN],
    clock,
  };
  const verifier = new CountingVerifier(options);
  const server = Fastify();
  app = server;
  server.setErrorHandler((error, _request, reply) => {
    const answer = toErrorReply(error);
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  });
  await server.register(import('@fastify/cookie'));
  registerCallers(server, { verifier, apiKeys: [{ name: 'backend', key: LONG_KEY }] });
  registerRateLimits(server, limits, { clock });
  server.get('/me', { config: { credential: 'session', limitGroup: 'me' } }, async (request) => ({
    userId: signedInUser(request),
  }));
  server.get(
    '/callback',
    { config: { credential: 'session', sessionGraceSeconds: 600, limitGroup: 'me' } },
    async (request) => ({
      userId: signedInUser(request),
    }),
  );
  server.get<{ Params: { userId: string } }>(
    '/users/:userId',
    { config: { credential: 'api_key', limitGroup: 'me' } },
    async (request) => ({ key: apiKeyName(request), userId: request.params.userId }),
  );
  server.get('/open', async (request) => ({ caller: request.caller }));
  const sign = (expiresIn = 60) => {
    const now = Math.floor(clock.now() / 1000);
    return new SignJWT({ sid: 'sess_1', azp: ORIGIN })
      .setProtectedHeader({ alg: 'RS256', kid: 'ins_1' })
      .setSubject('user_ada')
      .setIssuedAt(now - 5)
      .setNotBefore(now - 5)
      .setExpirationTime(now + expiresIn)
      .sign(privateKey);
  };
  const get = (url: string, headers: Record<string, string> = {}) => server.inject({ method: 'GET', url, headers });
  return { verifier, clock, sign, get };
}

describe('the caller hook', () => {
  it('verifies a new session token once per request, for the rate limiter and the route alike', async () => {
    const { verifier, sign, get } = await start();
    const token = await sign();
    const answer = await get('/me', { authorization: `Bearer ${token}` });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ userId: 'user_ada' });
    expect(verifier.verifications).toBe(1);
    // The same token again is known: no verification at all.
    expect((await get('/me', { authorization: `Bearer ${token}` })).statusCode).toBe(200);
    expect(verifier.verifications).toBe(1);
  });

  it('a token answered from memory is refused from its exp on, as verifying it again would', async () => {
    const { verifier, sign, get, clock } = await start();
    const token = await sign(60);
    expect((await get('/me', { authorization: `Bearer ${token}` })).statusCode).toBe(200);
    clock.advance(59_000);
    expect((await get('/me', { authorization: `Bearer ${token}` })).statusCode).toBe(200);
    expect(verifier.verifications).toBe(1);
    // Past its exp (and @clerk/backend's 5 s of clock skew), memory does not answer and verification refuses.
    clock.advance(7_000);
    const expired = await get('/me', { authorization: `Bearer ${token}` });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('unauthenticated');
  });

  it('a session cookie that lapsed during consent is the user on a route with a grace, and spends from their bucket', async () => {
    const { sign, get, clock } = await start({ perUser: 5, perIp: 1, windowSeconds: 60 });
    const token = await sign(60);
    clock.advance(120_000);
    expect((await get('/me', { cookie: `__session=${token}` })).statusCode).toBe(401);
    // The address's single request is spent; the lapsed cookie on the callback is still the user, with their bucket.
    for (let i = 0; i < 3; i++) {
      const answer = await get('/callback', { cookie: `__session=${token}` });
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toEqual({ userId: 'user_ada' });
    }
  });

  it('a malformed Authorization header is refused with 401, says what is expected, and spends from the address', async () => {
    const { sign, get } = await start({ perUser: 100, perIp: 1, windowSeconds: 60 });
    const token = await sign();
    const refused = await get('/me', { authorization: `Token ${token}`, cookie: `__session=${token}` });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error).toMatchObject({ code: 'unauthenticated', message: expect.stringMatching(/Bearer/) });
    expect((await get('/me', { authorization: 'Basic abc' })).statusCode).toBe(429);
    // A good token from the same address has its own bucket.
    expect((await get('/me', { authorization: `Bearer ${token}` })).statusCode).toBe(200);
  });

  it(`holds every credential to one length limit (${MAX_CREDENTIAL_LENGTH}), whichever header brings it`, async () => {
    const { get } = await start();
    expect((await get('/users/user_1', { authorization: `Bearer ${LONG_KEY}` })).json()).toEqual({
      key: 'backend',
      userId: 'user_1',
    });
    expect((await get('/users/user_1', { 'x-api-key': LONG_KEY })).statusCode).toBe(200);
    const tooLong: Array<Record<string, string>> = [
      { authorization: `Bearer ${LONG_KEY}k` },
      { 'x-api-key': `${LONG_KEY}k` },
    ];
    for (const headers of tooLong) {
      const answer = await get('/users/user_1', headers);
      expect(answer.statusCode).toBe(401);
      expect(answer.json().error.code).toBe('unauthenticated');
    }
    const session = await get('/me', { authorization: `Bearer ${'a'.repeat(MAX_CREDENTIAL_LENGTH)}k` });
    expect(session.statusCode).toBe(401);
    expect(session.json().error.code).toBe('unauthenticated');
  });

  it('an API key names the caller; no key, a wrong one or a session token is refused with 401', async () => {
    const { sign, get } = await start();
    const refused: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong-key' },
      { authorization: `Bearer ${await sign()}` },
    ];
    for (const headers of refused) {
      const answer = await get('/users/user_1', headers);
      expect(answer.statusCode).toBe(401);
      expect(answer.json().error.message).toMatch(/API key/);
    }
  });

  it('routes that take no credential are left alone: no caller, no limit', async () => {
    const { get } = await start({ perUser: 1, perIp: 1, windowSeconds: 60 });
    for (let i = 0; i < 3; i++) {
      const answer = await get('/open', { authorization: 'Bearer whatever' });
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toEqual({ caller: null });
    }
  });
});
