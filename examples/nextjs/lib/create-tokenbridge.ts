// The bridge for a Next.js app: the App Router's route handlers and `googleToken()`, and the Pages Router's
// `pages.googleToken(req, …)`, over one store and one bridge made from the environment on the first request (so
// `next build` needs no secrets and opens no database). The signed-in user comes from `@clerk/nextjs/server`'s
// `auth()` (App Router) or `getAuth(req)` (Pages Router) unless `auth` is given.
import { createTokenBridge, Keyring, openStore, type Store, type TokenBridge } from 'tokenbridge';
import {
  connectUrlBuilder,
  createTokenbridgeHandlers,
  createTokenbridgePagesHandler,
  type NextTokenbridgeOptions,
} from 'tokenbridge/next';

/** Where the app mounts the catch-all route `app/api/tokenbridge/[...path]/route.ts`. */
export const TOKENBRIDGE_PATH = '/api/tokenbridge';

export function createTokenbridge(env: Record<string, string | undefined>, auth?: NextTokenbridgeOptions['auth']) {
  let opened: Promise<{ store: Store; bridge: TokenBridge; publicUrl: string; clientId: string }> | undefined;
  const open = () => {
    opened ??= (async () => {
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
      return { store, bridge, publicUrl, clientId: required('GOOGLE_CLIENT_ID') };
    })().catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    return opened;
  };
  const setup = async () => {
    const { store, bridge, publicUrl, clientId } = await open();
    return { bridge, store, config: { publicUrl, google: { clientId, baseUrl: env.GOOGLE_BASE_URL } } };
  };
  const handlers = createTokenbridgeHandlers(async () => ({ ...(await setup()), auth }));
  const pages = createTokenbridgePagesHandler(setup);
  return {
    ...handlers,
    pages,
    close: async () => {
      await handlers.close();
      await pages.close();
      if (opened === undefined) return;
      const { bridge, store } = await opened;
      await bridge.close();
      await store.close();
    },
  };
}
