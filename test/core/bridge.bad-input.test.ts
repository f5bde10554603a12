import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenBridgeError } from '../../src/core/errors.js';
import { type Harness, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('sqlite');
});
afterAll(async () => {
  await h?.close();
});

/** Runs `call` and reports how it failed: `typed` for a TokenBridgeError, else the raw error. */
async function outcome(call: () => Promise<unknown>): Promise<'ok' | 'typed' | unknown> {
  try {
    await call();
    return 'ok';
  } catch (error) {
    return error instanceof TokenBridgeError && error.status >= 400 && error.status < 600 ? 'typed' : error;
  }
}

const junk = fc.oneof(
  fc.anything(),
  fc.string(),
  fc.constantFrom('', ' ', 'user_1', 'x'.repeat(5000), '\u0000', '../../etc', 'drive.readonly'),
);

describe('the library API under arbitrary input', () => {
  it('getAccessToken answers junk with a typed error, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(junk, junk, async (userId, options) => {
        const result = await outcome(() => h.bridge.getAccessToken(userId as string, options as never));
        expect(['ok', 'typed']).toContain(result);
      }),
      { numRuns: 300 },
    );
  });

  it('the flow operations answer junk with typed errors', async () => {
    await fc.assert(
      fc.asyncProperty(junk, junk, junk, junk, async (userId, scopes, state, code) => {
        for (const call of [
          () => h.bridge.createAuthorizationUrl({ userId, scopes, returnTo: state } as never),
          () => h.bridge.completeAuthorization({ userId, state, code } as never),
          () => h.bridge.exchangeCode({ userId, code } as never),
          () => h.bridge.connection(userId as string),
          () => h.bridge.disconnect(userId as string),
          () => h.bridge.handleOnce(state as never, code as string, async () => 'handled'),
        ]) {
          expect(['ok', 'typed']).toContain(await outcome(call));
        }
      }),
      { numRuns: 150 },
    );
  });
});
