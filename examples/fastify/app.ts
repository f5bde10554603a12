// Tokenbridge inside a Fastify app. In your app import from 'tokenbridge' and 'tokenbridge/fastify' instead of the
// relative paths.
import Fastify, { type FastifyInstance } from 'fastify';
import { tokenbridgePlugin } from '../../src/fastify/index.js';
import type { Store, TokenBridge } from '../../src/index.js';

export interface AppOptions {
  bridge: TokenBridge;
  store: Store;
  /** The app's public origin, e.g. https://app.example.com. The bridge's routes are under `$appUrl/api/tokenbridge`. */
  appUrl: string;
  /** How the bridge verifies Clerk session tokens (`apiUrl` only against the sandbox's Clerk emulator). */
  clerk: { secretKey: string; publishableKey?: string; apiUrl?: string };
  googleClientId: string;
  /** The sandbox's Google emulator; unset for Google itself. */
  googleBaseUrl?: string;
}

/** The app: a route of its own, and the bridge's routes registered under /api/tokenbridge. */
export async function createApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify();
  app.get('/', async () => ({ app: 'mine' }));
  await app.register(tokenbridgePlugin, {
    prefix: '/api/tokenbridge',
    bridge: options.bridge,
    store: options.store,
    config: {
      publicUrl: `${options.appUrl}/api/tokenbridge`,
      clerk: options.clerk,
      google: { clientId: options.googleClientId, baseUrl: options.googleBaseUrl },
    },
  });
  return app;
}
