import { describe, expect, it } from 'vitest';
import { optionalGetAuth } from '../../src/adapters/embedded.js';
import { ConfigurationError } from '../../src/core/errors.js';

const MISSING = 'tokenbridge/express needs @clerk/express installed, or an `auth` option.';
const MIDDLEWARE = 'clerkMiddleware() from @clerk/express must run before the Tokenbridge router.';

describe("an adapter's Clerk getAuth, loaded on first use", () => {
  it('names the missing package, and loads again on the next call', async () => {
    let loads = 0;
    const getAuth = optionalGetAuth<object>(
      async () => {
        loads++;
        if (loads === 1) throw new Error("Cannot find package '@clerk/express'");
        return { getAuth: () => ({ userId: 'user_ada' }) };
      },
      MISSING,
      MIDDLEWARE,
    );
    const first = getAuth({}).catch((error: unknown) => error);
    expect(await first).toBeInstanceOf(ConfigurationError);
    expect(await first).toMatchObject({ code: 'configuration_error', message: MISSING });
    await expect(getAuth({})).resolves.toEqual({ userId: 'user_ada' });
    await expect(getAuth({})).resolves.toEqual({ userId: 'user_ada' });
    expect(loads).toBe(2);
  });

  it("says which middleware is missing when the SDK's getAuth throws", async () => {
    const getAuth = optionalGetAuth<object>(
      async () => ({
        getAuth: () => {
          throw new Error('clerkMiddleware() was not run');
        },
      }),
      MISSING,
      MIDDLEWARE,
    );
    await expect(getAuth({})).rejects.toMatchObject({ code: 'configuration_error', message: MIDDLEWARE });
  });
});
