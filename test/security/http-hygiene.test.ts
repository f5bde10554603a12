import { afterEach, describe, expect, it } from 'vitest';
import { fakeBridge, sampleToken, startTestServer, testConfig } from '../http/fixtures.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const APP = 'https://app.example.com';

async function start(publicUrl = 'http://localhost:4000') {
  server = await startTestServer({
    bridge: fakeBridge({ getAccessToken: async () => sampleToken() }),
    config: { publicUrl, corsOrigins: [APP] },
  });
  return server;
}

describe('CORS', () => {
  it('a configured origin gets credentialed CORS headers and its preflight answered', async () => {
    const s = await start();
    const token = await s.sign();
    const answer = await fetch(`${s.url}/api/google-token`, {
      headers: { origin: APP, authorization: `Bearer ${token}` },
    });
    expect(answer.headers.get('access-control-allow-origin')).toBe(APP);
    expect(answer.headers.get('access-control-allow-credentials')).toBe('true');
    expect(answer.headers.get('vary')).toMatch(/Origin/);
    const preflight = await fetch(`${s.url}/api/google-token`, {
      method: 'OPTIONS',
      headers: {
        origin: APP,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
  });

  it.each([
    'https://evil.test',
    'https://app.example.com.evil.test',
    'https://evil.test/https://app.example.com',
    'http://app.example.com',
    'null',
    'https://APP.example.com',
  ])('any other origin (%s) gets no CORS headers, on answers and on preflights', async (origin) => {
    const s = await start();
    const token = await s.sign();
    const answer = await fetch(`${s.url}/api/google-token`, { headers: { origin, authorization: `Bearer ${token}` } });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
    const preflight = await fetch(`${s.url}/api/google-token`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    expect(preflight.status).toBeLessThan(500);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
  });
});

describe('security headers', () => {
  it('are on every kind of answer: a token, an error, a 404, a redirect, the console page', async () => {
    const s = await start('https://bridge.example.com');
    // The fixture's Clerk keeps http://localhost:4000 as the authorized party whatever the public URL.
    const token = await s.sign();
    const answers = [
      await fetch(`${s.url}/api/google-token`, { headers: { authorization: `Bearer ${token}` } }),
      await fetch(`${s.url}/api/google-token`),
      await fetch(`${s.url}/nowhere`),
      await fetch(`${s.url}/connect/google`, { headers: { cookie: `__session=${token}` }, redirect: 'manual' }),
      await fetch(`${s.url}/`),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 401, 404, 302, 200]);
    for (const answer of answers) {
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('x-frame-options')).toBe('DENY');
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
      expect(answer.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
      expect(answer.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
      expect(answer.headers.get('x-powered-by')).toBeNull();
    }
    expect(answers[0]!.headers.get('cache-control')).toBe('no-store');
  });

  it('HSTS is not sent when the public URL is plain http (the sandbox)', async () => {
    const s = await start();
    expect((await fetch(`${s.url}/healthz`)).headers.get('strict-transport-security')).toBeNull();
  });
});

/** The console page's CSP as a map from directive to its sources. */
async function consolePolicy(config: Parameters<typeof startTestServer>[0]): Promise<Map<string, string[]>> {
  server = await startTestServer(config);
  const response = await fetch(`${server.url}/`);
  expect(response.status).toBe(200);
  const policy = response.headers.get('content-security-policy') ?? '';
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

describe('the console page’s CSP', () => {
  const KEYWORDS = new Set(["'self'", "'none'", "'unsafe-inline'", 'data:', 'blob:']);
  const FETCHERS = ['script-src', 'connect-src', 'frame-src', 'form-action', 'default-src'];

  it.each([
    [
      'production: Clerk’s Frontend API and accounts.google.com',
      { clerk: { publishableKey: `pk_live_${Buffer.from('clerk.app.example.com$').toString('base64')}` } },
      ['https://clerk.app.example.com', 'https://accounts.google.com'],
    ],
    [
      'the sandbox: the emulators’ origins',
      {
        clerk: { publishableKey: `pk_test_${Buffer.from('localhost:3002$').toString('base64')}` },
        google: { baseUrl: 'http://localhost:3001' },
      },
      ['http://localhost:3002', 'https://localhost:3002', 'http://localhost:3001'],
    ],
  ])(
    '%s: scripts, connections, frames and forms reach the configured origins and nothing else',
    async (_, overrides, origins) => {
      const base = testConfig('unused');
      const policy = await consolePolicy({
        config: {
          clerk: { ...base.clerk, ...overrides.clerk, jwtKey: undefined },
          google: { ...base.google, baseUrl: undefined, ...('google' in overrides ? overrides.google : {}) },
        },
      });
      const allowed = new Set([...KEYWORDS, ...origins]);
      for (const directive of FETCHERS) {
        const sources = policy.get(directive);
        expect(sources, directive).toBeDefined();
        for (const source of sources!) expect(allowed, `${directive} ${source}`).toContain(source);
      }
      for (const origin of origins) expect(policy.get('script-src')).toContain(origin);
      for (const sources of policy.values()) {
        expect(sources).not.toContain('*');
        expect(sources).not.toContain('http:');
      }
      expect(policy.get('script-src')).not.toContain('https:');
      expect(policy.get('object-src')).toEqual(["'none'"]);
      expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    },
  );
});

describe('cookies', () => {
  const returnCookie = async (s: Server) => {
    const token = await s.sign();
    const start = await fetch(`${s.url}/connect/google?return_to=/settings`, {
      headers: { cookie: `__session=${token}` },
      redirect: 'manual',
    });
    expect(start.status).toBe(302);
    const cookies = start.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    return cookies;
  };

  it('are HttpOnly, SameSite=Lax, scoped to the callback and Secure when PUBLIC_URL is https', async () => {
    const s = await start('https://bridge.example.com');
    for (const cookie of await returnCookie(s)) {
      expect(cookie).toMatch(/;\s*HttpOnly/i);
      expect(cookie).toMatch(/;\s*SameSite=Lax/i);
      expect(cookie).toMatch(/;\s*Secure/i);
      expect(cookie).toMatch(/;\s*Path=\/oauth\/google\/callback/i);
    }
  });

  it('are not Secure on the plain-http sandbox, where a browser would drop them', async () => {
    const s = await start();
    for (const cookie of await returnCookie(s)) {
      expect(cookie).toMatch(/;\s*HttpOnly/i);
      expect(cookie).toMatch(/;\s*SameSite=Lax/i);
      expect(cookie).not.toMatch(/;\s*Secure/i);
    }
  });
});
