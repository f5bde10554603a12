import { verifyToken } from '@clerk/backend';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClerkWorld, failure, startWorld } from './harness.js';

const APP_ORIGIN = 'http://localhost:3000';

let world: ClerkWorld;
let userId: string;
let sessionId: string;
beforeAll(async () => {
  world = await startWorld();
  const user = await world.backend.users.createUser({ emailAddress: ['tokens@example.com'] });
  userId = user.id;
  sessionId = (await world.backend.sessions.createSession({ userId })).id;
});
afterAll(() => world.close());

const reasonOf = async (promise: Promise<unknown>) => ((await failure(promise)) as { reason?: string }).reason;

describe('session tokens', () => {
  it('are RS256 JWTs with a kid and the v2 claims, living 60 s', async () => {
    const { jwt } = await world.backend.sessions.getToken(sessionId);
    const header = decodeProtectedHeader(jwt);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(header.kid).toMatch(/^ins_/);
    const claims = decodeJwt(jwt);
    const now = Math.floor(world.clock.now() / 1000);
    expect(claims).toMatchObject({ iss: world.clerk.url, sub: userId, sid: sessionId, v: 2, sts: 'active' });
    expect(claims.iat).toBe(now);
    expect(claims.exp).toBe(now + 60);
    expect(claims.nbf).toBeLessThanOrEqual(now);
    expect(claims.fva).toEqual([0, -1]);
  });

  it('verify with the real SDK by JWKS (secretKey + apiUrl)', async () => {
    const { jwt } = await world.backend.sessions.getToken(sessionId);
    const payload = await verifyToken(jwt, { secretKey: world.clerk.secretKey, apiUrl: world.clerk.url });
    expect(payload.sub).toBe(userId);
    expect(payload.sid).toBe(sessionId);
  });

  it('verify with the real SDK networklessly by jwtKey (CLERK_JWT_KEY)', async () => {
    expect(world.clerk.jwtKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const { jwt } = await world.backend.sessions.getToken(sessionId);
    const payload = await verifyToken(jwt, { jwtKey: world.clerk.jwtKey });
    expect(payload.sub).toBe(userId);
  });

  it('carry the azp of the page that asked, and authorizedParties refuses other origins', async () => {
    const jwt = await world.clerk.control.sessionToken(sessionId, { azp: APP_ORIGIN });
    const ok = await verifyToken(jwt, { jwtKey: world.clerk.jwtKey, authorizedParties: [APP_ORIGIN] });
    expect(ok.azp).toBe(APP_ORIGIN);
    expect(
      await reasonOf(verifyToken(jwt, { jwtKey: world.clerk.jwtKey, authorizedParties: ['https://evil.example'] })),
    ).toBe('token-invalid-authorized-parties');
  });

  it('are refused once expired', async () => {
    // verifyToken reads Date.now(), which the world's frozen clock moves too: two minutes later the token is dead.
    const { jwt } = await world.backend.sessions.getToken(sessionId);
    world.clock.advance(120_000);
    expect(await reasonOf(verifyToken(jwt, { jwtKey: world.clerk.jwtKey }))).toBe('token-expired');
    expect(await reasonOf(verifyToken(jwt, { secretKey: world.clerk.secretKey, apiUrl: world.clerk.url }))).toBe(
      'token-expired',
    );
  });

  it('honour expires_in_seconds from getToken', async () => {
    const { jwt } = await world.backend.sessions.getToken(sessionId, undefined, 600);
    const claims = decodeJwt(jwt);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(600);
  });

  it('signed by another instance are refused', async () => {
    const other = await startWorld();
    try {
      const user = await other.backend.users.createUser({ emailAddress: ['x@example.com'] });
      const session = await other.backend.sessions.createSession({ userId: user.id });
      const { jwt } = await other.backend.sessions.getToken(session.id);
      expect(await reasonOf(verifyToken(jwt, { jwtKey: world.clerk.jwtKey }))).toBe('token-invalid-signature');
      expect(await reasonOf(verifyToken(jwt, { secretKey: world.clerk.secretKey, apiUrl: world.clerk.url }))).toBe(
        'jwk-kid-mismatch',
      );
    } finally {
      await other.close();
    }
  });

  it('are not minted for a session that was revoked', async () => {
    const session = await world.backend.sessions.createSession({ userId });
    await world.backend.sessions.revokeSession(session.id);
    const error = (await failure(world.backend.sessions.getToken(session.id))) as { status?: number };
    expect(error.status).toBe(422);
  });
});
