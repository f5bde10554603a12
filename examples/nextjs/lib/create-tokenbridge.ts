// The bridge for a Next.js App Router app: the route handlers and `googleToken()`, with the store and the bridge made
// from the environment on the first request (so `next build` needs no secrets and opens no database). The signed-in
// user comes from `@clerk/nextjs/server`'s `auth()` unless `auth` is given.
import { createTokenBridge, Keyring, openStore, type Store, type TokenBridge } from 'tokenbridge';
import { connectUrlBuilder, createTokenbridgeHandlers, type NextTokenbridgeOptions } from 'tokenbridge/next';

/** Where the app mounts the catch-all route `app/api/tokenbridge/[...path]/route.ts`. */
export const TOKENBRIDGE_PATH = '/api/tokenbridge';

export function createTokenbridge(env: Record<string, string | undefined>, auth?: NextTokenbridgeOptions['auth']) {
  let opened: { store: Store; bridge: TokenBridge } | undefined;
  const handlers = createTokenbridgeHandlers(async () => {
    const required = (name: string): string => {
      const value = env[name];
      if (!value) throw new Error(`${name} is not set`);
      return value;
    };
    const publicUrl = `${required('APP_URL')}${TOKENBRIDGE_PATH}`;
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
    opened = { store, bridge };
    return {
      bridge,
      store,
      config: { publicUrl, google: { clientId: required('GOOGLE_CLIENT_ID'), baseUrl: env.GOOGLE_BASE_URL } },
      auth,
    };
  });
  return {
    ...handlers,
    close: async () => {
      await handlers.close();
      await opened?.bridge.close();
      await opened?.store.close();
    },
  };
}
