// The bridge for a Next.js App Router app. In your app import from 'tokenbridge' and 'tokenbridge/next' instead of the
// relative paths.
import { createTokenBridge, Keyring, openStore } from '../../../src/index.js';
import { connectUrlBuilder, createTokenbridgeHandlers, type NextTokenbridgeOptions } from '../../../src/next/index.js';

/**
 * Opens the store and creates the route handlers and `googleToken()` from the environment. `auth` defaults to
 * `@clerk/nextjs/server`'s `auth()`.
 */
export async function createTokenbridge(
  env: Record<string, string | undefined>,
  auth?: NextTokenbridgeOptions['auth'],
) {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  const publicUrl = `${required('APP_URL')}/api/tokenbridge`;
  const store = await openStore(env.DATABASE_URL ?? './data/tokenbridge.db');
  await store.migrate();
  const bridge = createTokenBridge({
    store,
    keyring: Keyring.parse(required('TOKENBRIDGE_ENCRYPTION_KEYS')),
    google: {
      clientId: required('GOOGLE_CLIENT_ID'),
      clientSecret: required('GOOGLE_CLIENT_SECRET'),
      redirectUri: `${publicUrl}/oauth/google/callback`,
      baseUrl: env.GOOGLE_BASE_URL,
    },
    clerk: { secretKey: required('CLERK_SECRET_KEY'), apiUrl: env.CLERK_API_URL },
    connectUrl: connectUrlBuilder(publicUrl),
  });
  const handlers = createTokenbridgeHandlers({
    bridge,
    store,
    config: { publicUrl, google: { clientId: required('GOOGLE_CLIENT_ID'), baseUrl: env.GOOGLE_BASE_URL } },
    auth,
  });
  return {
    ...handlers,
    close: () =>
      handlers
        .close()
        .then(() => bridge.close())
        .then(() => store.close()),
  };
}
