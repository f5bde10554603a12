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

  // The app's page: Clerk's own sign-in (clerk-js and its components, from the Frontend API) when signed out; the
  // user's Drive files, read on the server with their Google token, or the link that connects Google, when signed in.
  app.get('/', async (req, res) => {
    res.set('cache-control', 'no-store').type('html');
    const result = await tokenbridge.googleToken(req, ['drive.readonly']);
    if (!result.ok && result.code === 'unauthenticated') {
      res.send(page('Notes', signInHtml(clerk)));
      return;
    }
    if (!result.ok) {
      const words =
        result.code === 'reconnect_required'
          ? ['Google no longer gives this app access.', 'Reconnect Google']
          : ['Connect your Google account to see your Drive files.', 'Connect Google'];
      // Back to this page after Google's consent (the bridge's default is its own base path).
      const connect = result.connectUrl ? new URL(result.connectUrl) : undefined;
      connect?.searchParams.set('return_to', '/');
      const link = connect ? `<a class="button" href="${html(connect.toString())}">${words[1]}</a>` : '';
      res.send(
        page('Notes', `<p role="${result.code === 'reconnect_required' ? 'alert' : 'status'}">${words[0]}</p>${link}`),
      );
      return;
    }
    const drive = await fetch(`${options.googleApisUrl ?? 'https://www.googleapis.com'}/drive/v3/files?pageSize=10`, {
      headers: { authorization: `Bearer ${result.token.accessToken}` },
    });
    if (drive.status === 401) {
      // Google refused a token the bridge still held (revoked at Google): a forced refresh tells the bridge so.
      const again = await tokenbridge.googleToken(req, ['drive.readonly'], { forceRefresh: true });
      if (!again.ok && again.connectUrl) {
        res.redirect(303, '/');
        return;
      }
    }
    const { files = [] } = drive.ok ? ((await drive.json()) as { files?: Array<{ name: string }> }) : {};
    const items = files.map((file) => `<li>${html(file.name)}</li>`).join('');
    res.send(
      page('Notes', `<section aria-labelledby="drive"><h2 id="drive">Drive files</h2><ul>${items}</ul></section>`),
    );
  });

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

const html = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>${title}</h1>${body}</main></body></html>`;
}

/**
 * Clerk's sign-in for a server-rendered page: clerk-js and @clerk/ui from the Frontend API (the proxy URL against the
 * sandbox, else the host the publishable key names), `<SignIn/>` mounted (`<SignUp/>` at `#sign-up`), and the page
 * loaded again once signed in, so the server renders the signed-in page.
 */
function signInHtml(clerk: AppOptions['clerk']): string {
  const host = Buffer.from(clerk.publishableKey.split('_')[2] ?? '', 'base64')
    .toString('utf8')
    .replace(/\$$/, '');
  const frontendApi = clerk.proxyUrl ?? `https://${host}`;
  return `<div id="clerk"></div>
<script async crossorigin="anonymous" data-clerk-publishable-key="${html(clerk.publishableKey)}"
  ${clerk.proxyUrl ? `data-clerk-proxy-url="${html(clerk.proxyUrl)}"` : ''}
  src="${html(frontendApi)}/npm/@clerk/clerk-js@6/dist/clerk.browser.js"></script>
<script async crossorigin="anonymous" src="${html(frontendApi)}/npm/@clerk/ui@1/dist/ui.browser.js"></script>
<script>
window.addEventListener('load', async () => {
  await Clerk.load({ ui: { ClerkUI: window.__internal_ClerkUICtor } });
  Clerk.addListener(({ user }) => { if (user) location.reload(); });
  if (Clerk.user) return;
  const mount = location.hash === '#sign-up' ? Clerk.mountSignUp : Clerk.mountSignIn;
  mount.call(Clerk, document.getElementById('clerk'), { signUpUrl: '/#sign-up', signInUrl: '/' });
});
</script>`;
}
