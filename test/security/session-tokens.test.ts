import { exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeBridge, ORIGIN, sampleToken, startTestServer, WEBHOOK_SECRET } from '../http/fixtures.js';

/** The Frontend API the bridge's publishable key names: the only accepted `iss`. */
const ISSUER = 'https://clerk.example.test';
const PUBLISHABLE_KEY = `pk_test_${Buffer.from('clerk.example.test$').toString('base64')}`;

type Server = Awaited<ReturnType<typeof startTestServer>>;
let server: Server;
let pem: string;
let privateKey: CryptoKey;

beforeAll(async () => {
  const keys = await generateKeyPair('RS256', { modulusLength: 2048 });
  privateKey = keys.privateKey;
  pem = await exportSPKI(keys.publicKey);
  server = await startTestServer({
    bridge: fakeBridge({ getAccessToken: async () => sampleToken() }),
    config: {
      clerk: {
        secretKey: 'sk_test_unused',
        publishableKey: PUBLISHABLE_KEY,
        apiUrl: undefined,
        jwtKey: pem,
        authorizedParties: [ORIGIN],
        webhookSigningSecret: WEBHOOK_SECRET,
      },
    },
  });
});
afterAll(() => server.close());

const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function claims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: ISSUER,
    sub: 'user_ada',
    sid: 'sess_1',
    azp: ORIGIN,
    iat: now() - 5,
    nbf: now() - 10,
    exp: now() + 60,
    ...overrides,
  };
}

function sign(payload: JWTPayload, key: CryptoKey | Uint8Array = privateKey, alg = 'RS256'): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, kid: 'ins_1', typ: 'JWT' }).sign(key);
}

async function ask(token: string) {
  const response = await fetch(`${server.url}/api/google-token`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { error?: { code: string; message: string } };
  return { status: response.status, body };
}

describe('Clerk session tokens', () => {
  it('a token from the right instance, for this origin, in its lifetime, is accepted', async () => {
    expect((await ask(await sign(claims()))).status).toBe(200);
  });

  const refused: Array<[string, () => Promise<string>, RegExp]> = [
    ['issued for another origin (azp)', () => sign(claims({ azp: 'https://evil.test' })), /azp|origin/i],
    [
      'issued by another Clerk instance (iss)',
      () => sign(claims({ iss: 'https://clerk.evil.test' })),
      /instance|issu/i,
    ],
    ['without an issuer', () => sign(claims({ iss: undefined })), /instance|issu|invalid/i],
    [
      'with alg "none" and no signature',
      async () => `${b64({ alg: 'none', typ: 'JWT', kid: 'ins_1' })}.${b64(claims())}.`,
      /algorithm|invalid|malformed/i,
    ],
    [
      'signed HS256 with the public key as the HMAC secret (algorithm confusion)',
      () => sign(claims(), new TextEncoder().encode(pem), 'HS256'),
      /algorithm|signature|invalid/i,
    ],
    ['signed by a stranger’s key with the same kid', async () => sign(claims(), server.otherKey), /signature/i],
    ['expired', () => sign(claims({ iat: now() - 600, nbf: now() - 600, exp: now() - 300 })), /expired/i],
    ['not valid yet (nbf in the future)', () => sign(claims({ nbf: now() + 300, exp: now() + 600 })), /not valid yet/i],
    [
      'issued in the future (iat)',
      () => sign(claims({ iat: now() + 300, nbf: now() - 10, exp: now() + 600 })),
      /not valid yet|invalid/i,
    ],
    [
      'with a tampered payload',
      async () => {
        const [header, , signature] = (await sign(claims())).split('.');
        return `${header}.${b64(claims({ sub: 'user_victim' }))}.${signature}`;
      },
      /signature/i,
    ],
  ];

  it.each(refused)(
    'a token %s is refused with 401 unauthenticated, its reason named, the token never echoed',
    async (_what, make, reason) => {
      const token = await make();
      const { status, body } = await ask(token);
      expect(status).toBe(401);
      expect(body.error?.code).toBe('unauthenticated');
      expect(body.error?.message).toMatch(reason);
      expect(JSON.stringify(body)).not.toContain(token.split('.')[1]!.slice(0, 20));
    },
  );

  it('a token whose session is active (sts "active"), or that carries no sts claim, is accepted', async () => {
    expect((await ask(await sign(claims({ sts: 'active' })))).status).toBe(200);
    expect((await ask(await sign(claims({ sts: undefined })))).status).toBe(200);
  });

  it.each(['pending', 'ended', 'expired', 'revoked', 'removed', 'abandoned', 'replaced'])(
    'a token whose session is %s (sts) counts as signed out: 401 unauthenticated naming the status, never the token',
    async (status) => {
      const token = await sign(claims({ sts: status, sub: `user_${status}` }));
      const { status: code, body } = await ask(token);
      expect(code).toBe(401);
      expect(body.error?.code).toBe('unauthenticated');
      expect(body.error?.message).toMatch(new RegExp(`not active \\(${status}\\)`));
      expect(JSON.stringify(body)).not.toContain(token.split('.')[1]!.slice(0, 20));
      // The cookie carries the same token to the same refusal.
      const cookie = await fetch(`${server.url}/api/google-token`, { headers: { cookie: `__session=${token}` } });
      expect(cookie.status).toBe(401);
    },
  );

  it('an sts that is not a plain status word is refused without being echoed', async () => {
    const { status, body } = await ask(await sign(claims({ sts: '<script>alert(1)</script>' })));
    expect(status).toBe(401);
    expect(body.error?.message).toMatch(/not active/);
    expect(body.error?.message).not.toContain('script');
    expect((await ask(await sign(claims({ sts: 1 })))).status).toBe(401);
  });

  it('the same refusals hold for the __session cookie', async () => {
    const token = await sign(claims({ azp: 'https://evil.test' }));
    const response = await fetch(`${server.url}/api/google-token`, { headers: { cookie: `__session=${token}` } });
    expect(response.status).toBe(401);
  });
});
