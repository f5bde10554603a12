import Fastify, { type FastifyInstance } from 'fastify';
import { OAuth2Client } from 'google-auth-library';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GoogleEmulator, googleEndpoints, startGoogleEmulator } from '../../src/sandbox/google/index.js';
import { listen } from '../../src/sandbox/kit/listen.js';
import { type Browser, launchBrowser, snap } from './browser.js';

// Google Identity Services' code model in a real browser, against the Google emulator's /gsi/client: a small app
// page on its own origin, written exactly as Google's guide shows, whose backend exchanges the code.

const CLIENT_ID = 'gsi-browser.apps.googleusercontent.com';
const CLIENT_SECRET = 'GOCSPX-gsi-browser';
const DRIVE = 'https://www.googleapis.com/auth/drive.readonly';
const SUITE = 'gsi code model';

let google: GoogleEmulator;
let app: FastifyInstance;
let appUrl: string;
let closeApp: () => Promise<void>;
let browser: Browser;

function appPage(googleUrl: string, uxMode: 'popup' | 'redirect', origin: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Photo app</title>
<script src="${googleUrl}/gsi/client"></script></head>
<body><main>
<h1>Photo app</h1>
<button type="button" id="connect">Connect Google Drive</button>
<button type="button" id="revoke">Disconnect Google</button>
<p id="out" role="status"></p>
</main>
<script>
const out = document.getElementById('out');
let accessToken = null;
const client = google.accounts.oauth2.initCodeClient({
  client_id: ${JSON.stringify(CLIENT_ID)},
  scope: 'openid email ${DRIVE}',
  ux_mode: ${JSON.stringify(uxMode)},
  redirect_uri: ${JSON.stringify(`${origin}/callback`)},
  state: 'binding-123',
  callback: async (response) => {
    if (response.error) { out.textContent = 'Google said: ' + response.error; return; }
    const reply = await fetch('/exchange', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-requested-with': 'XmlHttpRequest' },
      body: JSON.stringify({ code: response.code }),
    });
    const body = await reply.json();
    accessToken = body.accessToken;
    out.textContent = body.ok
      ? 'Connected. State ' + response.state + '. Drive access: ' + (google.accounts.oauth2.hasGrantedAllScopes(response, ${JSON.stringify(DRIVE)}) ? 'yes' : 'no')
      : 'Exchange failed: ' + body.error;
  },
  error_callback: (error) => { out.textContent = 'Popup problem: ' + error.type; },
});
document.getElementById('connect').addEventListener('click', () => client.requestCode());
document.getElementById('revoke').addEventListener('click', () =>
  google.accounts.oauth2.revoke(accessToken, (done) => { out.textContent = 'Revoked: ' + done.successful; }),
);
</script>
</body></html>`;
}

beforeAll(async () => {
  google = await startGoogleEmulator({ clients: [] });
  app = Fastify();
  app.get<{ Querystring: { mode?: string } }>('/', (request, reply) =>
    reply.type('text/html').send(appPage(google.url, request.query.mode === 'redirect' ? 'redirect' : 'popup', appUrl)),
  );
  app.post<{ Body: { code?: string } }>('/exchange', async (request) => {
    if (request.headers['x-requested-with'] !== 'XmlHttpRequest') return { ok: false, error: 'missing header' };
    const oauth = new OAuth2Client({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: 'postmessage',
      endpoints: googleEndpoints(google.url),
    });
    try {
      const { tokens } = await oauth.getToken(request.body.code ?? '');
      // A demo page only: a real app keeps the token on its server.
      return { ok: typeof tokens.access_token === 'string', accessToken: tokens.access_token };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : 'failed' };
    }
  });
  app.get<{ Querystring: Record<string, string> }>('/callback', (request, reply) => {
    const { code, state, error } = request.query;
    const text = error ? `Google said: ${error}` : `Redirect code received (${code ? 'yes' : 'no'}), state ${state}`;
    return reply.type('text/html').send(`<!doctype html><html lang="en"><title>Callback</title><p>${text}</p></html>`);
  });
  const listening = await listen(app);
  appUrl = listening.url;
  closeApp = listening.close;
  google.control.registerClient({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUris: [`${appUrl}/callback`],
    javascriptOrigins: [appUrl],
    name: 'Photo app',
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await closeApp?.();
  await google?.close();
});

/** Clicks the app's button and returns the Google popup it opens. */
async function openPopup(page: Page): Promise<Page> {
  const [popup] = await Promise.all([
    page.waitForEvent('popup'),
    page.getByRole('button', { name: 'Connect Google Drive' }).click(),
  ]);
  await popup.waitForLoadState();
  return popup;
}

describe('Google Identity Services code model (popup)', () => {
  it('hands the code to the page callback and the backend exchanges it with redirect_uri=postmessage', async () => {
    const page = await browser.newPage();
    await page.goto(appUrl);
    const popup = await openPopup(page);
    await expect.poll(() => popup.getByRole('heading', { name: 'Choose an account' }).isVisible()).toBe(true);
    await snap(popup, SUITE, 'popup account chooser');
    await popup.getByRole('button', { name: 'Continue as ada@example.com' }).click();
    await popup.getByLabel('See and download all your Google Drive files').check();
    await snap(popup, SUITE, 'popup consent');
    await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name: 'Allow' }).click()]);
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toBe('Connected. State binding-123. Drive access: yes');
    await snap(page, SUITE, 'page after popup consent');

    // revoke() ends the grant at Google from the page.
    await page.getByRole('button', { name: 'Disconnect Google' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Revoked: true');
    expect(google.control.revokeGrant({ email: 'ada@example.com', clientId: CLIENT_ID })).toBe(0);
    await page.close();
  });

  it('ignores a forged answer posted by anyone but the Google popup', async () => {
    const page = await browser.newPage();
    await page.goto(appUrl);
    const popup = await openPopup(page);
    // Any script on the page (or another window) can post messages; only the popup on Google's origin counts.
    await page.evaluate(() => window.postMessage({ type: 'gsi:code_response', response: { code: 'forged' } }, '*'));
    await popup.getByRole('button', { name: 'Continue as grace@example.com' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('');
    await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name: 'Allow' }).click()]);
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(/^Connected\./);
    await page.close();
  });

  it('passes access_denied to the callback when the person cancels', async () => {
    const page = await browser.newPage();
    await page.goto(appUrl);
    const popup = await openPopup(page);
    await popup.getByRole('button', { name: 'Continue as linus@acme.test' }).click();
    await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name: 'Cancel' }).click()]);
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Google said: access_denied');
    await snap(page, SUITE, 'page after cancel');
    await page.close();
  });

  it('reports popup_closed when the person closes the window', async () => {
    const page = await browser.newPage();
    await page.goto(appUrl);
    const popup = await openPopup(page);
    await popup.close();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Popup problem: popup_closed');
    await page.close();
  });
});

describe('Google Identity Services code model (redirect)', () => {
  it('sends the browser to consent and back to the redirect_uri with the code and state', async () => {
    const page = await browser.newPage();
    await page.goto(`${appUrl}/?mode=redirect`);
    await page.getByRole('button', { name: 'Connect Google Drive' }).click();
    await page.getByRole('button', { name: 'Continue as linus@acme.test' }).click();
    await page.getByLabel('See and download all your Google Drive files').check();
    await page.getByRole('button', { name: 'Allow' }).click();
    await expect
      .poll(() => page.getByText(/Redirect code received/).textContent())
      .toBe('Redirect code received (yes), state binding-123');
    await snap(page, SUITE, 'redirect callback');
    await page.close();
  });
});
