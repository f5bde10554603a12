import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADA, APP, type Harness, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const ENDPOINTS: Array<[method: string, path: string]> = [
  ['GET', '/.well-known/risc-configuration'],
  ['GET', '/risc/v1beta/jwks'],
  ['GET', '/__emulator/risc/receivers'],
  ['POST', '/__emulator/risc/receivers'],
  ['DELETE', '/__emulator/risc/receivers/x'],
  ['GET', '/__emulator/risc/events'],
  ['POST', '/__emulator/risc/events'],
  ['POST', '/__emulator/risc/events/abc/redeliver'],
];

/** Bodies that look like the real thing often enough to get past the first checks. */
const eventLike = fc.record(
  {
    type: fc.oneof(
      fc.constantFrom('tokens-revoked', 'token-revoked', 'account-disabled', 'verification', 'sessions-revoked'),
      fc.string(),
    ),
    email: fc.oneof(fc.constant(ADA), fc.string()),
    sub: fc.string(),
    clientId: fc.oneof(fc.constant(APP.clientId), fc.string()),
    reason: fc.oneof(fc.constantFrom('hijacking', 'bulk-account'), fc.string()),
    token: fc.string(),
    tokenIdentifierAlg: fc.oneof(fc.constantFrom('prefix', 'hash_base64_sha512_sha512'), fc.string()),
    state: fc.string(),
    url: fc.string(),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  eventLike.map((v) => ({ type: 'application/json', text: JSON.stringify(v) })),
  fc.jsonValue().map((v) => ({ type: 'application/json', text: JSON.stringify(v) })),
  fc.string().map((s) => ({ type: 'application/json', text: s })),
  fc.string().map((s) => ({ type: 'application/secevent+jwt', text: s })),
  fc.constant(undefined),
);

describe('bad input to the RISC endpoints and their control API', () => {
  it('never gets a 5xx, a crash or a stack trace, and leaves no receiver behind', async () => {
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENDPOINTS), body, async ([method, path], payload) => {
        tried += 1;
        const response = await fetch(`${h.google.url}${path}`, {
          method,
          redirect: 'manual',
          ...(method !== 'GET' && payload !== undefined
            ? { headers: { 'content-type': payload.type }, body: payload.text }
            : {}),
        });
        const text = await response.text();
        expect(response.status, `${method} ${path} -> ${text.slice(0, 200)}`).toBeLessThan(500);
        if (response.status >= 400 && path.startsWith('/__emulator/')) {
          expect(JSON.parse(text)).toMatchObject({ error: { code: response.status } });
        }
        expect(text).not.toMatch(/at .*\.(ts|js):\d+/);
      }),
      { numRuns: 300 },
    );
    expect(tried).toBe(300);
    // Random strings never make an http(s) URL for a known client, so nothing can have been registered.
    expect(h.google.control.risc.receivers()).toEqual([]);
  });
});
