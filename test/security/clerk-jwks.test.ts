import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { ClerkKeySet } from '../../src/http/clerk-key-set.js';
import { fakeBridge, ORIGIN, sampleToken, startTestServer, WEBHOOK_SECRET } from '../http/fixtures.js';

const SECRET_KEY = 'sk_test_jwks_owner';
const COOLDOWN_MS = 30_000;

/** A stand-in for Clerk's Backend API `GET /v1/jwks`: counts every fetch and serves whatever keys the test sets. */
let jwksServer: Server;
const jwksFetches: { authorization: string | undefined }[] = [];
let servedKeys: JWK[] = [];
let server: Awaited<ReturnType<typeof startTestServer>>;
let signingKey: CryptoKey;

beforeAll(async () => {
  const keys = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  signingKey = keys.privateKey;
  servedKeys = [{ ...(await exportJWK(keys.publicKey)), kid: 'ins_1', alg: 'RS256', use: 'sig' }];
  jwksServer = createServer((request, response) => {
    if (request.url !== '/v1/jwks') return void response.writeHead(404).end();
    jwksFetches.push({ authorization: request.headers.authorization });
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: servedKeys }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  server = await startTestServer({
    bridge: fakeBridge({ getAccessToken: async () => sampleToken() }),
    config: {
      clerk: {
        secretKey: SECRET_KEY,
        publishableKey: undefined,
        apiUrl: `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`,
        jwtKey: undefined,
        authorizedParties: [ORIGIN],
        webhookSigningSecret: WEBHOOK_SECRET,
      },
      // The limits are switched off here: this file counts JWKS fetches, not 429s.
      rateLimit: { perUser: 0, perIp: 0, windowSeconds: 60 },
    },
  });
});
afterAll(async () => {
  await server.close();
  await new Promise((resolve) => jwksServer.close(resolve));
});

function sign(kid: string, key: CryptoKey = signingKey, sub = 'user_ada'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sid: 'sess_1', azp: ORIGIN })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt(now - 5)
    .setNotBefore(now - 5)
    .setExpirationTime(now + 60)
    .sign(key);
}

async function ask(token: string) {
  const response = await fetch(`${server.url}/api/google-token`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } } };
}

describe('without CLERK_JWT_KEY, the Clerk JWKS is cached with a cool-down on unknown kids', () => {
  it('genuine tokens are verified with keys fetched once, with the secret key, from the Backend API', async () => {
    for (let i = 0; i < 3; i++) expect((await ask(await sign('ins_1', signingKey, `user_${i}`))).status).toBe(200);
    expect(jwksFetches).toEqual([{ authorization: `Bearer ${SECRET_KEY}` }]);
  });

  it('forged tokens naming 100 unknown kids cost at most one JWKS fetch per cool-down, and are refused 401', async () => {
    const stranger = (await generateKeyPair('RS256', { modulusLength: 2048 })).privateKey;
    server.clock.advance(COOLDOWN_MS);
    const before = jwksFetches.length;
    const answers = await Promise.all(
      Array.from({ length: 100 }, async () => ask(await sign(`kid_${randomUUID()}`, stranger))),
    );
    for (const { status, body } of answers) {
      expect(status).toBe(401);
      expect(body.error).toMatchObject({ code: 'unauthenticated', message: expect.stringMatching(/signature/) });
    }
    expect(jwksFetches.length - before).toBe(1);
    // Still inside the cool-down: no fetch at all.
    expect((await ask(await sign(`kid_${randomUUID()}`, stranger))).status).toBe(401);
    expect(jwksFetches.length - before).toBe(1);
    // Genuine users are unaffected meanwhile.
    expect((await ask(await sign('ins_1', signingKey, 'user_meanwhile'))).status).toBe(200);
    expect(jwksFetches.length - before).toBe(1);
  });

  it('a key Clerk rotates in is fetched once the cool-down has passed, and its tokens accepted', async () => {
    const next = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    servedKeys = [...servedKeys, { ...(await exportJWK(next.publicKey)), kid: 'ins_2', alg: 'RS256', use: 'sig' }];
    server.clock.advance(COOLDOWN_MS);
    const before = jwksFetches.length;
    expect((await ask(await sign('ins_2', next.privateKey, 'user_rotated'))).status).toBe(200);
    expect((await ask(await sign('ins_1', signingKey, 'user_old_key'))).status).toBe(200);
    expect(jwksFetches.length - before).toBe(1);
  });
});

describe('the Clerk key set while Clerk cannot be reached', () => {
  it('refuses tokens as unverifiable, fetches again after a short cool-down, then serves the keys', async () => {
    const clock = new ManualClock(0);
    let up = false;
    let fetches = 0;
    const keys = new ClerkKeySet({
      secretKey: SECRET_KEY,
      apiUrl: 'https://api.clerk.test',
      clock,
      fetch: async () => {
        fetches++;
        return up
          ? new Response(JSON.stringify({ keys: servedKeys }), { headers: { 'content-type': 'application/json' } })
          : new Response('{}', { status: 503 });
      },
    });
    await expect(keys.publicKey('ins_1')).rejects.toMatchObject({ code: 'unauthenticated', message: /unavailable/ });
    await expect(keys.publicKey('ins_1')).rejects.toMatchObject({ message: /unavailable/ });
    expect(fetches).toBe(1);
    up = true;
    clock.advance(5_000);
    expect(await keys.publicKey('ins_1')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(fetches).toBe(2);
    // Once held, the keys outlive a later outage: an hour on, a failed refresh keeps serving them.
    up = false;
    clock.advance(3_600_000);
    expect(await keys.publicKey('ins_1')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(fetches).toBe(3);
  });
});
