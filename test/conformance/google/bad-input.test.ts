import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const ENDPOINTS: Array<[method: string, path: string]> = [
  ['GET', '/o/oauth2/v2/auth'],
  ['POST', '/o/oauth2/v2/auth'],
  ['POST', '/o/oauth2/v2/auth/chooser'],
  ['POST', '/o/oauth2/v2/auth/consent'],
  ['POST', '/token'],
  ['POST', '/revoke'],
  ['GET', '/tokeninfo'],
  ['POST', '/tokeninfo'],
  ['GET', '/v1/userinfo'],
  ['GET', '/oauth2/v3/userinfo'],
  ['GET', '/.well-known/openid-configuration'],
  ['GET', '/oauth2/v3/certs'],
  ['POST', '/__emulator/clients'],
  ['POST', '/__emulator/faults'],
  ['POST', '/__emulator/grants/revoke'],
  ['POST', '/__emulator/tokens/expire'],
  ['POST', '/__emulator/clock/advance'],
  ['POST', '/__emulator/token-lifetime'],
  ['GET', '/no/such/path'],
];
const OAUTH_JSON = new Set(['/token', '/revoke', '/tokeninfo']);

const PARAM_NAMES = [
  'client_id',
  'client_secret',
  'redirect_uri',
  'response_type',
  'scope',
  'prompt',
  'code',
  'code_verifier',
  'code_challenge',
  'code_challenge_method',
  'grant_type',
  'refresh_token',
  'token',
  'access_token',
  'id_token',
  'request',
  'account',
  'action',
  'login_hint',
  'access_type',
];

const params = fc.dictionary(
  fc.constantFrom(...PARAM_NAMES),
  fc.oneof(fc.string(), fc.constant('4/0A'), fc.constant('')),
  {
    maxKeys: 6,
  },
);
const body = fc.oneof(
  params.map((p) => ({ type: 'application/x-www-form-urlencoded', text: new URLSearchParams(p).toString() })),
  fc.jsonValue().map((v) => ({ type: 'application/json', text: JSON.stringify(v) })),
  fc.string().map((s) => ({ type: 'application/json', text: s })),
  fc.string().map((s) => ({ type: 'text/plain', text: s })),
  fc
    .uint8Array({ maxLength: 64 })
    .map((b) => ({ type: 'application/octet-stream', text: Buffer.from(b).toString('latin1') })),
  fc.constant(undefined),
);

describe('bad input to any emulator endpoint', () => {
  it('never gets a 5xx or a crash, and OAuth endpoints answer errors as {error, error_description}', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENDPOINTS), params, body, async ([method, path], query, payload) => {
        const url = `${h.google.url}${path}?${new URLSearchParams(query).toString()}`;
        const response = await fetch(url, {
          method,
          redirect: 'manual',
          ...(method === 'POST' && payload !== undefined
            ? { headers: { 'content-type': payload.type }, body: payload.text }
            : {}),
        });
        const text = await response.text();
        expect(response.status, `${method} ${url} -> ${text.slice(0, 200)}`).toBeLessThan(500);
        if (OAUTH_JSON.has(path) && response.status >= 400) {
          const parsed = JSON.parse(text) as Record<string, unknown>;
          expect(typeof parsed.error).toBe('string');
          expect(typeof parsed.error_description).toBe('string');
        }
        expect(text).not.toMatch(/at .*\.(ts|js):\d+/);
      }),
      { numRuns: 400 },
    );
  });

  it('answers a malformed Authorization header at the token endpoint with invalid_client, not a crash', async () => {
    for (const header of ['Basic', 'Basic !!!', 'Basic bm9jb2xvbg==', 'Bearer x', 'Basic ' + 'A'.repeat(5000)]) {
      const response = await fetch(`${h.google.url}/token`, {
        method: 'POST',
        headers: { authorization: header, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=authorization_code&code=4/0Ax',
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(((await response.json()) as { error: string }).error).toMatch(/invalid_client|invalid_request/);
    }
  });

  it('answers an unknown path with Google’s 404 page', async () => {
    const response = await fetch(`${h.google.url}/nothing/here`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('was not found on this server');
  });
});
