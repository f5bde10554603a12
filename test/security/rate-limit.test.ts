import { afterEach, describe, expect, it } from 'vitest';
import { EnvError, parseEnv, type ServiceConfig, type TrustProxy } from '../../src/config/env.js';
import { API_KEY, fakeBridge, sampleToken, startTestServer } from '../http/fixtures.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface ErrorBody {
  error: { code: string; message: string; scope?: string };
}

async function start(
  limits: { perUser: number; perIp: number; windowSeconds: number },
  config: Partial<ServiceConfig> = {},
) {
  server = await startTestServer({
    bridge: fakeBridge({ getAccessToken: async () => sampleToken() }),
    config: { rateLimit: limits, ...config },
  });
  return server;
}

const get = (s: Server, path: string, token?: string, headers: Record<string, string> = {}) =>
  fetch(`${s.url}${path}`, {
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    redirect: 'manual',
  });

describe('rate limits on every route that takes a session or an API key', () => {
  it('a user over the per-user limit gets 429 rate_limited with Retry-After; other users are unaffected', async () => {
    const s = await start({ perUser: 3, perIp: 100, windowSeconds: 60 });
    const ada = await s.sign({ sub: 'user_ada' });
    const bob = await s.sign({ sub: 'user_bob' });
    for (let i = 0; i < 3; i++) expect((await get(s, '/api/google-token', ada)).status).toBe(200);
    const limited = await get(s, '/api/google-token', ada);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/application\/json/);
    expect(limited.headers.get('retry-after')).toBe('20');
    expect(((await limited.json()) as ErrorBody).error).toMatchObject({ code: 'rate_limited', scope: 'user' });
    // Same address, another user: the limit is per user, not global.
    expect((await get(s, '/api/google-token', bob)).status).toBe(200);
    // Once the Retry-After delay has passed, the user may ask again.
    s.clock.advance(20_000);
    expect((await get(s, '/api/google-token', ada)).status).toBe(200);
    expect((await get(s, '/api/google-token', ada)).status).toBe(429);
  });

  it('the token, connect and proxy groups have their own buckets, so proxy traffic cannot starve token reads', async () => {
    const s = await start({ perUser: 2, perIp: 100, windowSeconds: 60 });
    const ada = await s.sign({ sub: 'user_ada' });
    const cookie = { cookie: `__session=${ada}` };
    for (let i = 0; i < 2; i++)
      expect((await get(s, '/connect/google?scope=drive.readonly', undefined, cookie)).status).toBe(302);
    const connect = await get(s, '/connect/google?scope=drive.readonly', undefined, cookie);
    expect(connect.status).toBe(429);
    expect(Number(connect.headers.get('retry-after'))).toBeGreaterThan(0);
    for (let i = 0; i < 2; i++) expect((await get(s, '/api/google/proxy/drive/v3/files', ada)).status).not.toBe(429);
    expect((await get(s, '/api/google/proxy/drive/v3/files', ada)).status).toBe(429);
    expect((await get(s, '/api/google-token', ada)).status).toBe(200);
  });

  it('requests without a valid identity spend from their address: token guessing is cut off with 429', async () => {
    const s = await start({ perUser: 100, perIp: 4, windowSeconds: 60 });
    const stranger = await s.sign({ sub: 'user_x' }, s.otherKey);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await get(s, '/api/google-token', i % 2 ? stranger : undefined)).status);
    expect(answers).toEqual([401, 401, 401, 401]);
    const limited = await get(s, '/api/google-token', stranger);
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as ErrorBody).error).toMatchObject({ code: 'rate_limited', scope: 'ip' });
    expect(Number(limited.headers.get('retry-after'))).toBe(15);
    // A wrong API key on the server-to-server route is guessing too.
    expect((await get(s, '/api/users/user_ada/google-token', 'wrong-key-0123456789abcdefghij')).status).toBe(429);
    // A signed-in user from the same address is not punished for the guesser.
    expect((await get(s, '/api/google-token', await s.sign({ sub: 'user_ada' }))).status).toBe(200);
    expect((await get(s, '/api/users/user_ada/google-token', API_KEY)).status).toBe(200);
  });

  it('wrong API keys on /api/users/{id}/audit spend from their address: key guessing is cut off with 429', async () => {
    const s = await start({ perUser: 100, perIp: 5, windowSeconds: 60 });
    const answers = [];
    for (let i = 0; i < 350; i++) {
      const status = (await get(s, '/api/users/user_ada/audit', `wrong-key-${i}-0123456789abcdef`)).status;
      answers.push(status);
      if (status === 429) break;
    }
    expect(answers).toEqual([401, 401, 401, 401, 401, 429]);
    const limited = await get(s, '/api/users/user_ada/audit', undefined, {
      'x-api-key': 'another-wrong-key-0123456789',
    });
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as ErrorBody).error).toMatchObject({ code: 'rate_limited', scope: 'ip' });
    expect(Number(limited.headers.get('retry-after'))).toBe(12);
    // The app's backend with the right key, from the same address, is not punished for the guesser.
    expect((await get(s, '/api/users/user_ada/audit', API_KEY)).status).not.toBe(429);
  });

  it.each([
    ['GET', '/api/google/connection'],
    ['DELETE', '/api/google/connection'],
    ['GET', '/api/audit'],
  ])('forged sessions on %s %s spend from their address and are cut off with 429', async (method, path) => {
    const s = await start({ perUser: 100, perIp: 3, windowSeconds: 60 });
    const stranger = await s.sign({ sub: 'user_x' }, s.otherKey);
    const ask = (token: string | undefined) =>
      fetch(`${s.url}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await ask(i % 2 ? stranger : undefined)).status);
    expect(answers).toEqual([401, 401, 401, 429]);
    // A genuine session from the same address has its own bucket.
    expect((await ask(await s.sign({ sub: 'user_ada' }))).status).not.toBe(429);
  });

  it('a signed-in user reading the connection over the limit gets 429 with scope user; token reads keep their bucket', async () => {
    const s = await start({ perUser: 2, perIp: 100, windowSeconds: 60 });
    const ada = await s.sign({ sub: 'user_ada' });
    for (let i = 0; i < 2; i++) expect((await get(s, '/api/google/connection', ada)).status).toBe(200);
    const limited = await get(s, '/api/google/connection', ada);
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as ErrorBody).error).toMatchObject({ code: 'rate_limited', scope: 'user' });
    expect((await get(s, '/api/google-token', ada)).status).toBe(200);
  });

  it('a wrong metrics token is guessing too: cut off with 429, while the right one scrapes', async () => {
    const s = await start({ perUser: 100, perIp: 2, windowSeconds: 60 }, { metricsToken: 'metrics-token-0123456789' });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await get(s, '/metrics', `wrong-metrics-token-${i}`)).status);
    expect(answers).toEqual([401, 401, 429]);
    expect((await get(s, '/metrics', 'metrics-token-0123456789')).status).toBe(200);
  });

  it('health and the console are not limited', async () => {
    const s = await start({ perUser: 1, perIp: 1, windowSeconds: 60 });
    for (let i = 0; i < 5; i++) expect((await get(s, '/healthz')).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await get(s, '/api/config')).status).toBe(200);
  });

  it('behind no trusted proxy, X-Forwarded-For is ignored: a guesser cannot pick a fresh address per request', async () => {
    const s = await start({ perUser: 100, perIp: 2, windowSeconds: 60 });
    const answers = [];
    for (const forwarded of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      answers.push((await get(s, '/api/google-token', undefined, { 'x-forwarded-for': forwarded })).status);
    }
    expect(answers).toEqual([401, 401, 429]);
  });

  const proxies: [string, TrustProxy][] = [
    ['one proxy hop', 1],
    ['the proxy by address', ['127.0.0.1/8']],
    ['the proxy by name', ['loopback']],
  ];
  for (const [name, trustProxy] of proxies) {
    it(`behind a trusted proxy (${name}), each client's address from X-Forwarded-For has its own bucket`, async () => {
      const s = await start({ perUser: 100, perIp: 2, windowSeconds: 60 }, { trustProxy });
      const from = (address: string) => get(s, '/api/google-token', undefined, { 'x-forwarded-for': address });
      expect([(await from('203.0.113.1')).status, (await from('203.0.113.1')).status]).toEqual([401, 401]);
      expect((await from('203.0.113.1')).status).toBe(429);
      // Another client behind the same proxy still has its own allowance; a client's spoofed first hop is not trusted.
      expect((await from('198.51.100.7')).status).toBe(401);
      expect((await from('192.0.2.9, 203.0.113.1')).status).toBe(429);
    });
  }

  it('0 switches a limit off', async () => {
    const s = await start({ perUser: 0, perIp: 0, windowSeconds: 60 });
    const ada = await s.sign({ sub: 'user_ada' });
    for (let i = 0; i < 30; i++) expect((await get(s, '/api/google-token', ada)).status).toBe(200);
  });
});

describe('rate limit configuration', () => {
  it('defaults to 1200 per user and 300 per unauthenticated address per minute', () => {
    expect(parseEnv({}).rateLimit).toEqual({ perUser: 1200, perIp: 300, windowSeconds: 60 });
  });

  it('reads TOKENBRIDGE_RATE_LIMIT_PER_USER, _PER_IP and _WINDOW_SECONDS, and names a bad one', () => {
    expect(
      parseEnv({
        TOKENBRIDGE_RATE_LIMIT_PER_USER: '50',
        TOKENBRIDGE_RATE_LIMIT_PER_IP: '0',
        TOKENBRIDGE_RATE_LIMIT_WINDOW_SECONDS: '10',
      }).rateLimit,
    ).toEqual({ perUser: 50, perIp: 0, windowSeconds: 10 });
    for (const [name, value] of [
      ['TOKENBRIDGE_RATE_LIMIT_PER_USER', 'lots'],
      ['TOKENBRIDGE_RATE_LIMIT_PER_IP', '-1'],
      ['TOKENBRIDGE_RATE_LIMIT_WINDOW_SECONDS', '0'],
    ] as const) {
      expect(() => parseEnv({ [name]: value })).toThrow(EnvError);
      try {
        parseEnv({ [name]: value });
      } catch (error) {
        expect((error as EnvError).variable).toBe(name);
      }
    }
  });

  it('TOKENBRIDGE_TRUST_PROXY takes a hop count or proxy addresses, refuses true, and names itself when wrong', () => {
    expect(parseEnv({}).trustProxy).toBeUndefined();
    expect(parseEnv({ TOKENBRIDGE_TRUST_PROXY: '0' }).trustProxy).toBeUndefined();
    expect(parseEnv({ TOKENBRIDGE_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(parseEnv({ TOKENBRIDGE_TRUST_PROXY: '10.0.0.0/8, loopback,fd00::/8,192.0.2.1' }).trustProxy).toEqual([
      '10.0.0.0/8',
      'loopback',
      'fd00::/8',
      '192.0.2.1',
    ]);
    for (const value of ['true', '11', '10.0.0.0/33', 'proxy.internal', '10.0.0.1/8/2', '::1/129']) {
      expect(() => parseEnv({ TOKENBRIDGE_TRUST_PROXY: value }), value).toThrow(/^TOKENBRIDGE_TRUST_PROXY: /);
    }
  });
});
