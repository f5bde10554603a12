import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GoogleEmulator, googleEndpoints, startGoogleEmulator } from '../index.js';

// The popup half of Google Identity Services' code model, over plain HTTP: what the popup window loads and what it
// posts back. The browser half (window.open, postMessage, origin checks) is covered in test/browser.

const APP_ORIGIN = 'http://127.0.0.1:4400';
const CLIENT = {
  clientId: 'gsi-test.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-gsi-test',
  redirectUris: [`${APP_ORIGIN}/oauth/google/callback`],
  javascriptOrigins: [APP_ORIGIN],
  name: 'GSI Test',
};

let google: GoogleEmulator;

beforeAll(async () => {
  google = await startGoogleEmulator({ clients: [CLIENT] });
});

afterAll(async () => {
  await google.close();
});

/** The popup's authorization URL, as the GIS script builds it. */
function popupUrl(params: Record<string, string>): string {
  const url = new URL('/o/oauth2/v2/auth', google.url);
  url.search = new URLSearchParams({
    gsiwebsdk: '3',
    client_id: CLIENT.clientId,
    scope: 'openid email https://www.googleapis.com/auth/drive.readonly',
    redirect_uri: 'postmessage',
    origin: APP_ORIGIN,
    response_type: 'code',
    access_type: 'offline',
    include_granted_scopes: 'true',
    login_hint: 'ada@example.com',
    ...params,
  }).toString();
  return url.toString();
}

/** The message the relay page posts to the opener, read from the page. */
function postedMessage(html: string): { origin: string; response: Record<string, string> } {
  const match = /<script type="application\/json" id="gsi-response">([^<]*)<\/script>/.exec(html);
  if (!match?.[1]) throw new Error('no relay payload in the page');
  return JSON.parse(match[1]);
}

/** Answers the consent page the way a person would, returning the final page. */
async function answerConsent(url: string, action: 'allow' | 'cancel', ticked: string[]) {
  const consent = await fetch(url);
  const html = await consent.text();
  const requestId = /name="request" value="([^"]+)"/.exec(html)?.[1];
  if (!requestId) throw new Error(`no consent form: ${html.slice(0, 200)}`);
  const cookie = consent.headers.get('set-cookie')?.split(';', 1)[0] ?? '';
  const form = new URLSearchParams({ request: requestId, action });
  for (const scope of ticked) form.append('scope', scope);
  return fetch(new URL('/o/oauth2/v2/auth/consent', google.url), {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
    redirect: 'manual',
  });
}

describe('Google Identity Services at /gsi/client', () => {
  it('serves the script that defines google.accounts.oauth2.initCodeClient, loadable cross-origin', async () => {
    const response = await fetch(new URL('/gsi/client', google.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const source = await response.text();
    expect(source).toContain('initCodeClient');
    expect(source).toContain('google.accounts.oauth2');
  });

  it('refuses a popup request from an origin the client did not register, on its own page', async () => {
    const response = await fetch(popupUrl({ origin: 'http://evil.example' }));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('origin_mismatch');
  });

  it('refuses a popup request that names no origin', async () => {
    const url = new URL(popupUrl({}));
    url.searchParams.delete('origin');
    const response = await fetch(url);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('origin_mismatch');
  });

  it('posts the code to the page origin only, and the backend exchanges it with redirect_uri=postmessage', async () => {
    const drive = 'https://www.googleapis.com/auth/drive.readonly';
    const relay = await answerConsent(popupUrl({ state: 'xyz' }), 'allow', [drive]);
    expect(relay.status).toBe(200);
    expect(relay.headers.get('content-security-policy')).toMatch(/script-src 'nonce-/);
    const { origin, response } = postedMessage(await relay.text());
    expect(origin).toBe(APP_ORIGIN);
    expect(response.state).toBe('xyz');
    expect(response.scope?.split(' ')).toContain(drive);
    expect(response.code).toMatch(/^4\/0A/);

    const oauth = new OAuth2Client({
      clientId: CLIENT.clientId,
      clientSecret: CLIENT.clientSecret,
      redirectUri: 'postmessage',
      endpoints: googleEndpoints(google.url),
    });
    const { tokens } = await oauth.getToken(response.code ?? '');
    expect(tokens.access_token).toMatch(/^ya29\./);
    expect(tokens.refresh_token).toBeTruthy();
  });

  it('hands access_denied to the page when the person cancels', async () => {
    const relay = await answerConsent(
      popupUrl({ login_hint: 'ada@example.com', scope: 'openid https://www.googleapis.com/auth/gmail.readonly' }),
      'cancel',
      [],
    );
    const { origin, response } = postedMessage(await relay.text());
    expect(origin).toBe(APP_ORIGIN);
    expect(response).toEqual({ error: 'access_denied' });
  });
});
