import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserSignIn } from '../../src/sandbox/clerk/index.js';
import { API_KEY, startWorld, type World } from '../e2e/world.js';

/**
 * Property-based bad input against every route of the real bridge (SQLite, both emulators): arbitrary query strings,
 * headers, cookies and bodies, JSON or not, huge, deep, unicode, wrong types. Every answer must be a 4xx JSON error
 * `{error:{code,message}}` with a stable code (or a success the route legitimately gives), never a 5xx, a crash or a
 * stack trace. Rate limits are off so every case reaches the routes.
 *
 * The same properties run at two sizes: `npm test` about 2,000 requests; `npm run fuzz` sets FUZZ_RUNS=500 (over
 * 10,000 requests) and FUZZ_MIN_REQUESTS=10000, which the last test checks was reached.
 */

let world: World;
let ada: BrowserSignIn;
let cases = 0;
let serverErrors = 0;
const statuses = new Map<number, number>();
const codes = new Set<string>();

beforeAll(async () => {
  world = await startWorld('sqlite', {
    env: { TOKENBRIDGE_RATE_LIMIT_PER_USER: '0', TOKENBRIDGE_RATE_LIMIT_PER_IP: '0' },
  });
  // Time stands still in the world, so Clerk's development limit (100 Backend API calls per 10 s) would never reset
  // under hundreds of API-key reads for random users; what is judged here is the bridge's answer to input.
  world.sandbox.clerk.control.setRateLimit(false);
  ada = await world.signIn('ada@example.com');
  await world.connect(ada, ['drive.readonly'], { account: 'ada@example.com' });
});
afterAll(async () => {
  const byStatus = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
  console.log(
    `fuzz: ${cases} requests against the bridge (seed ${SEED ?? 'random'}); ${serverErrors} answered 5xx; statuses ${byStatus.join(' ')}; codes ${[...codes].sort().join(', ')}`,
  );
  await world.close();
});

/** Runs per property: 120 in `npm test`, FUZZ_RUNS (500) in `npm run fuzz`. */
const RUNS = positive(process.env.FUZZ_RUNS) ?? 120;
/** `npm run fuzz` asks for at least this many requests in all. */
const MIN_REQUESTS = positive(process.env.FUZZ_MIN_REQUESTS) ?? 0;
/**
 * `npm test` sends the same requests every time (a red run is a bug, reproducible, never bad luck); `npm run fuzz`
 * explores with a new seed each time unless FUZZ_SEED repeats one. fast-check names the seed of any failure.
 */
const SEED = positive(process.env.FUZZ_SEED) ?? (process.env.FUZZ_RUNS === undefined ? 20_261_202 : undefined);
if (SEED !== undefined) fc.configureGlobal({ seed: SEED });

function positive(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}
const STABLE_CODE = /^[a-z][a-z_]{2,40}$/;

/** Any string at all, weighted towards the tricky ones. */
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '%',
    '%00',
    '%zz',
    '\u0000',
    '../../etc/passwd',
    '//evil.test',
    'javascript:alert(1)',
    '<script>',
    '{"$gt":""}',
    'drive.readonly',
    'https://www.googleapis.com/auth/drive.readonly',
    '-1',
    '1e309',
    'NaN',
    'true',
    '\u202e',
    '\ud800',
    '😀'.repeat(50),
  ),
  fc.nat({ max: 6_000 }).map((n) => 'x'.repeat(n)),
);

/** encodeURIComponent, but a lone surrogate becomes U+FFFD instead of throwing. */
const encode = (value: string) => encodeURIComponent(value.replace(/\p{Surrogate}/gu, '\ufffd'));

/** A query string with repeated, known and unknown parameters. */
const query = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom('scope', 'scopes', 'minValiditySeconds', 'return_to', 'code', 'state', 'error'), nasty),
      nasty,
    ),
    { maxLength: 6 },
  )
  .map((pairs) => {
    const params = new URLSearchParams();
    for (const [key, value] of pairs) params.append(key, value);
    return params.toString();
  });

/** Header values HTTP can carry (Latin-1, no CR/LF): the session, cookies, content types. */
const headerValue = fc.oneof(
  fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
  fc.constantFrom('Bearer', 'Bearer ', 'Basic abc', 'Bearer a.b.c', 'Bearer eyJhbGciOiJub25lIn0.e30.', 'bearer  x'),
);
const auth = fc.oneof(
  fc.constant<Record<string, string>>({}),
  fc.constant(null).map(() => ({ authorization: `Bearer ${ada.sessionToken}` })),
  fc.constant(null).map(() => ({ cookie: `__session=${ada.sessionToken}` })),
  headerValue.map((value) => ({ authorization: value })),
  headerValue.map((value) => ({ cookie: `__session=${value}; tb_return_to=${value}` })),
  headerValue.map((value) => ({ cookie: value })),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '',
  'application/json, text/plain',
);
const deep = fc.nat({ max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n));
const body = fc.oneof(
  fc.json().map((json) => json),
  fc.jsonValue().map((value) => JSON.stringify({ scopes: value, code: value, minValiditySeconds: value })),
  nasty,
  deep,
  fc.constantFrom(
    '{',
    '{"scopes":',
    'null',
    '[]',
    '""',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{}}}',
  ),
  fc.nat({ max: 200_000 }).map((n) => JSON.stringify({ scopes: ['x'.repeat(n)] })),
);

interface Answer {
  status: number;
  type: string;
  text: string;
}

async function send(method: string, path: string, headers: Record<string, string>, payload?: string): Promise<Answer> {
  cases++;
  const response = await fetch(`${world.service.url}${path}`, {
    method,
    headers,
    redirect: 'manual',
    ...(payload === undefined || method === 'GET' || method === 'HEAD' ? {} : { body: payload }),
  });
  const text = await response.text();
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  if (response.status >= 500) serverErrors++;
  return { status: response.status, type: response.headers.get('content-type') ?? '', text };
}

/** The property every answer must satisfy; `ok` lists the non-error statuses the route may legitimately give. */
function judge(answer: Answer, ok: number[], where: string): void {
  const context = `${where} → ${answer.status} ${answer.text.slice(0, 200)}`;
  expect(answer.status, context).toBeLessThan(500);
  expect(answer.text, context).not.toMatch(/\n\s+at |node_modules|\.ts:\d+|TypeError|ReferenceError/);
  if (ok.includes(answer.status)) return;
  expect(answer.status, context).toBeGreaterThanOrEqual(400);
  expect(answer.type, context).toMatch(/^application\/json/);
  const parsed = JSON.parse(answer.text) as { error?: { code?: unknown; message?: unknown } };
  expect(typeof parsed.error?.message, context).toBe('string');
  expect(String(parsed.error?.code), context).toMatch(STABLE_CODE);
  codes.add(String(parsed.error?.code));
}

const ROUTES: Array<{ method: string; path: string; ok: number[]; withBody?: boolean }> = [
  { method: 'GET', path: '/api/google-token', ok: [200] },
  { method: 'POST', path: '/api/google-token', ok: [200], withBody: true },
  { method: 'GET', path: '/connect/google', ok: [302] },
  { method: 'GET', path: '/oauth/google/callback', ok: [302] },
  { method: 'POST', path: '/api/google/code', ok: [200], withBody: true },
  { method: 'GET', path: '/api/google/connection', ok: [200] },
  { method: 'POST', path: '/webhooks/clerk', ok: [], withBody: true },
  { method: 'GET', path: '/healthz', ok: [200] },
  { method: 'GET', path: '/readyz', ok: [200] },
  { method: 'GET', path: '/api/config', ok: [200] },
  { method: 'GET', path: '/api/audit', ok: [200] },
  { method: 'GET', path: '/api/users/user_fuzz/audit', ok: [200] },
  { method: 'POST', path: '/webhooks/google/risc', ok: [202], withBody: true },
  { method: 'GET', path: '/metrics', ok: [200] },
  { method: 'GET', path: '/openapi.json', ok: [200] },
  { method: 'GET', path: '/docs', ok: [200, 301, 302] },
  { method: 'GET', path: '/', ok: [200] },
  { method: 'GET', path: '/web/console.js', ok: [200] },
];

describe('every bridge endpoint answers arbitrary input with a 4xx JSON error, never a 5xx', () => {
  it.each(ROUTES)('$method $path with arbitrary query, headers, cookies and body', async (route) => {
    await fc.assert(
      fc.asyncProperty(query, auth, contentType, body, fc.boolean(), async (q, headers, type, payload, extra) => {
        const all: Record<string, string> = { ...headers };
        if (route.withBody && type !== '') all['content-type'] = type;
        if (extra) all['x-requested-with'] = 'XmlHttpRequest';
        const answer = await send(
          route.method,
          `${route.path}${q ? `?${q}` : ''}`,
          all,
          route.withBody ? payload : undefined,
        );
        judge(answer, route.ok, `${route.method} ${route.path}?${q.slice(0, 80)}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('DELETE /api/google/connection with arbitrary credentials', async () => {
    await fc.assert(
      fc.asyncProperty(
        auth.filter((h) => !Object.values(h).some((v) => v.includes(ada.sessionToken))),
        async (headers) => {
          judge(await send('DELETE', '/api/google/connection', headers), [204], 'DELETE /api/google/connection');
        },
      ),
      { numRuns: Math.max(40, Math.round(RUNS / 3)) },
    );
  });

  it('GET /api/users/{userId}/google-token with arbitrary user ids, keys and queries', async () => {
    const key = fc.oneof(
      fc.constant(API_KEY),
      headerValue,
      fc.constant(`${API_KEY}x`),
      fc.constant(API_KEY.toUpperCase()),
    );
    await fc.assert(
      fc.asyncProperty(nasty, key, query, fc.boolean(), async (userId, apiKey, q, asHeader) => {
        const headers: Record<string, string> = asHeader
          ? { 'x-api-key': apiKey }
          : { authorization: `Bearer ${apiKey}` };
        const path = `/api/users/${encode(userId) || 'x'}/google-token${q ? `?${q}` : ''}`;
        judge(await send('GET', path, headers), [200], `GET ${path.slice(0, 120)}`);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('the proxy with arbitrary services, paths, methods and bodies: refused with 4xx or Google’s own answer', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'drive',
        'people',
        'gmail',
        'calendar',
        'v3',
        'files',
        'v1',
        '..',
        '.',
        '%2e%2e',
        '%2f',
        '@evil',
        '',
      ),
      nasty.map((s) => encode(s.slice(0, 30))),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
        query,
        body,
        async (segments, method, q, payload) => {
          const path = `/api/google/proxy/${segments.join('/')}${q ? `?${q}` : ''}`;
          const answer = await send(method, path, { authorization: `Bearer ${ada.sessionToken}` }, payload);
          const context = `${method} ${path.slice(0, 120)} → ${answer.status}`;
          expect(answer.status, context).toBeLessThan(500);
          expect(answer.text, context).not.toMatch(/\n\s+at |node_modules/);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('unknown paths and methods get 404 not_found in the same shape', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          nasty.map((s) => encode(s.slice(0, 40))),
          { minLength: 1, maxLength: 5 },
        ),
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
        async (segments, method) => {
          const path = `/x/${segments.join('/')}`;
          judge(await send(method, path, {}), [], `${method} ${path.slice(0, 120)}`);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('the size of the run', () => {
  it('sent at least the requests asked for, and no answer was a 5xx', () => {
    expect(cases).toBeGreaterThanOrEqual(MIN_REQUESTS);
    expect(serverErrors).toBe(0);
  });
});

describe('oversized input is refused', () => {
  it('a body over the limit gets 413 payload_too_large', async () => {
    const answer = await send(
      'POST',
      '/api/google-token',
      { authorization: `Bearer ${ada.sessionToken}`, 'content-type': 'application/json' },
      JSON.stringify({ scopes: ['x'.repeat(2 * 1024 * 1024)] }),
    );
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('headers over the limit get 431 headers_too_large in the JSON error shape', async () => {
    const port = Number(new URL(world.service.url).port);
    const raw = await new Promise<string>((resolve) => {
      let data = '';
      const socket = net.connect(port, '127.0.0.1', () =>
        socket.write(`GET /api/google-token HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`),
      );
      socket.on('data', (chunk) => (data += chunk));
      socket.on('end', () => resolve(data));
      socket.on('error', () => resolve(data));
    });
    cases++;
    expect(raw).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'headers_too_large' } });
  });

  it('a malformed request line gets 400 invalid_request in the JSON error shape', async () => {
    const port = Number(new URL(world.service.url).port);
    const raw = await new Promise<string>((resolve) => {
      let data = '';
      const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /\x00 HTTP/9.9\r\n\r\n'));
      socket.on('data', (chunk) => (data += chunk));
      socket.on('end', () => resolve(data));
      socket.on('error', () => resolve(data));
    });
    cases++;
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'invalid_request' } });
  });
});
