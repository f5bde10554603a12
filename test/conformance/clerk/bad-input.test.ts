import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClerkWorld, startWorld } from './harness.js';

let world: ClerkWorld;
let userId: string;
let sessionId: string;
beforeAll(async () => {
  world = await startWorld();
  userId = world.clerk.control.createUser({ email: 'fuzz@example.com' }).id;
  sessionId = world.clerk.control.createSession(userId).id;
});
afterAll(() => world.close());

const BACKEND = [
  ['POST', '/v1/users'],
  ['PATCH', '/v1/users/:user'],
  ['GET', '/v1/users'],
  ['GET', '/v1/users/:user/oauth_access_tokens/oauth_google'],
  ['POST', '/v1/sessions'],
  ['POST', '/v1/sessions/:session/tokens'],
  ['POST', '/v1/sessions/:session/revoke'],
  ['GET', '/v1/sessions'],
  ['DELETE', '/v1/users/user_nobody'],
] as const;

const CONTROL = [
  ['POST', '/__emulator/users'],
  ['POST', '/__emulator/sessions'],
  ['POST', '/__emulator/sessions/:session/token'],
  ['POST', '/__emulator/users/:user/google'],
  ['PUT', '/__emulator/rate-limit'],
  ['POST', '/__emulator/faults'],
  ['PUT', '/__emulator/webhooks'],
  ['POST', '/__emulator/clock/advance'],
  ['POST', '/__emulator/google/tokens/expire'],
] as const;

const FRONTEND = [
  ['POST', '/v1/client/sessions/:session/tokens'],
  ['POST', '/v1/me/external_accounts'],
  ['PATCH', '/v1/me/external_accounts/eac_x/reauthorize'],
  ['GET', '/v1/client'],
  ['POST', '/sign-in'],
  ['GET', '/sign-in/google'],
  ['GET', '/v1/oauth_callback'],
  ['POST', '/sign-out'],
] as const;

function fill(path: string): string {
  return path.replace(':user', userId).replace(':session', sessionId);
}

const bodies = fc.oneof(
  fc.json(),
  fc.string(),
  fc.constantFrom('', '{', '[]', 'null', '{"email_address":{"$gt":""}}', '{"user_id":null}', '\u0000', '{"a":'),
);
const contentTypes = fc.constantFrom(
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'application/json; charset=utf-8',
  'multipart/form-data; boundary=x',
  'application/xml',
);
const queries = fc.constantFrom(
  '',
  '?limit=abc',
  '?offset=-1',
  '?redirect_url=javascript:alert(1)',
  '?state=x&code=y',
  '?paginated=maybe',
  '?user_id=',
);

async function call(method: string, path: string, body: string, type: string, auth = true) {
  const headers: Record<string, string> = { 'content-type': type };
  if (auth) headers.authorization = `Bearer ${world.clerk.secretKey}`;
  return fetch(`${world.clerk.url}${path}`, {
    method,
    headers,
    ...(method === 'GET' ? {} : { body }),
    redirect: 'manual',
  });
}

describe('bad input never crashes the emulator', () => {
  it('the Backend API answers arbitrary bodies with a 2xx or a 4xx in Clerk’s error shape', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...BACKEND),
        bodies,
        contentTypes,
        queries,
        async ([method, path], body, type, query) => {
          world.clerk.control.setRateLimit(false);
          const response = await call(method, fill(path) + query, body, type);
          expect(response.status).toBeLessThan(500);
          expect(response.headers.get('content-type')).toBe('application/json');
          const json = await response.json();
          if (response.status >= 400) {
            expect(json.errors[0].code).toEqual(expect.any(String));
            expect(json.clerk_trace_id).toEqual(expect.any(String));
          }
        },
      ),
      { numRuns: 120, seed: 20261125 },
    );
  });

  it('the control API answers arbitrary bodies with a 2xx or a 4xx JSON error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CONTROL), bodies, contentTypes, async ([method, path], body, type) => {
        const response = await call(method, fill(path), body, type, false);
        expect(response.status).toBeLessThan(500);
        expect(response.headers.get('content-type')).toBe('application/json');
        await response.json();
      }),
      { numRuns: 80, seed: 7 },
    );
    world.clerk.control.clearFaults();
    world.clerk.control.setRateLimit(false);
  });

  it('the Frontend API and hosted pages answer arbitrary input without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...FRONTEND),
        bodies,
        contentTypes,
        queries,
        async ([method, path], body, type, query) => {
          const response = await call(method, fill(path) + query, body, type, false);
          expect(response.status).toBeLessThan(500);
          const text = await response.text();
          expect(text).not.toMatch(/at .*\.(ts|js):\d+/);
        },
      ),
      { numRuns: 80, seed: 42 },
    );
  });

  it('never puts the secret key or a client token in an error message', async () => {
    const response = await call('GET', '/v1/users', '', 'application/json', false);
    const text = await (
      await fetch(`${world.clerk.url}/v1/users`, { headers: { authorization: 'Bearer sk_test_leaky_secret' } })
    ).text();
    expect(response.status).toBe(401);
    expect(text).not.toContain('sk_test_leaky_secret');
  });
});
