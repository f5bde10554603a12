// Tokenbridge inside an Express 5 app on @clerk/express. In your app import from 'tokenbridge/express' instead of the
// relative path.
import { createClerkClient } from '@clerk/backend';
import { clerkMiddleware } from '@clerk/express';
import express from 'express';
import { createTokenbridgeRouter } from '../../src/express/index.js';
import type { Store, TokenBridge } from '../../src/index.js';

export interface AppOptions {
  bridge: TokenBridge;
  store: Store;
  /** The app's public origin, e.g. https://app.example.com. The bridge's routes are under `$appUrl/api/tokenbridge`. */
  appUrl: string;
  /** `apiUrl` and `proxyUrl` only against the sandbox's Clerk emulator (`CLERK_API_URL`, `CLERK_PROXY_URL`). */
  clerk: { secretKey: string; publishableKey: string; apiUrl?: string; proxyUrl?: string };
  /** The Google OAuth client id (the popup flow reads it from the bridge). */
  googleClientId: string;
  /** Google's APIs: https://www.googleapis.com, or the sandbox emulator. */
  googleApisUrl?: string;
}

/**
 * The Express app: the bridge's routes (token, connect, callback, popup code, connection, proxy) under
 * `/api/tokenbridge`, and `/drive/files`, a route of the app's own that reads Drive with the user's token.
 */
export function createApp(options: AppOptions): { app: express.Express; close: () => Promise<void> } {
  const { clerk } = options;
  const app = express();
  app.use(
    clerkMiddleware({
      secretKey: clerk.secretKey,
      publishableKey: clerk.publishableKey,
      ...(clerk.apiUrl ? { clerkClient: createClerkClient({ ...clerk, apiUrl: clerk.apiUrl }) } : {}),
      ...(clerk.proxyUrl ? { proxyUrl: clerk.proxyUrl } : {}),
    }),
  );

  const tokenbridge = createTokenbridgeRouter({
    bridge: options.bridge,
    store: options.store,
    config: {
      publicUrl: `${options.appUrl}/api/tokenbridge`,
      google: { clientId: options.googleClientId, baseUrl: options.googleApisUrl },
    },
  });
  app.use('/api/tokenbridge', tokenbridge.router);

  app.get('/drive/files', async (req, res) => {
    const result = await tokenbridge.googleToken(req, ['drive.readonly']);
    if (!result.ok) {
      // not_connected, reconnect_required and scopes_missing carry the connect URL to offer the user.
      const { ok: _, status, ...error } = result;
      res.status(status).json({ error });
      return;
    }
    const drive = await fetch(`${options.googleApisUrl ?? 'https://www.googleapis.com'}/drive/v3/files?pageSize=10`, {
      headers: { authorization: `Bearer ${result.token.accessToken}` },
    });
    if (!drive.ok) {
      res.status(502).json({ error: { code: 'drive_error', status: drive.status } });
      return;
    }
    const { files } = (await drive.json()) as { files: Array<{ id: string; name: string }> };
    res.set('cache-control', 'no-store').json({ files });
  });
  return { app, close: tokenbridge.close };
}
