import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser as Chromium, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHROMIUM } from '../browser/browser.js';
import { answerGoogle, expectNotice, expectStatus, signInByEmail } from '../browser/console.js';
import { startStack } from '../browser/stack.js';
import { PATIENCE_MS, until } from '../support/patience.js';
import { type LocalCertificate, makeLocalCertificate } from './local-ca.js';
import {
  CADDY_TEMPLATE,
  handToProxyUser,
  NGINX_TEMPLATE,
  type ProxyOptions,
  type RunningProxy,
  reservePort,
  startCaddy,
  startNginx,
} from './reverse-proxy.js';

// The sandbox mounted at https://localhost:<port>/tokenbridge behind Debian's nginx and Caddy, each started here as an
// unprivileged process with the very site snippet docs/production.md shows (deploy/nginx.conf, deploy/Caddyfile),
// terminating TLS with a certificate from a CA made for this run. Node trusts that CA (`ca`); Chromium trusts the
// server's key and nothing else (its SPKI hash). A missing nginx or Caddy fails the test.

vi.setConfig({ testTimeout: 180_000 });

const PATH = '/tokenbridge';

let root: string;
let tls: LocalCertificate;
let browser: Chromium;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tokenbridge-proxy-'));
  for (const folder of ['tls', 'nginx', 'caddy']) mkdirSync(join(root, folder));
  tls = makeLocalCertificate(join(root, 'tls'));
  handToProxyUser(root);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      `--ignore-certificate-errors-spki-list=${tls.spkiSha256}`,
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET over https that trusts the test's CA only. */
function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((done, fail) => {
    const request = httpsRequest(url, { ca: tls.caPem, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => done({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', fail);
    request.end();
  });
}

const proxies: Array<[string, (options: ProxyOptions) => RunningProxy | Promise<RunningProxy>]> = [
  ['nginx', startNginx],
  ['caddy', startCaddy],
];

describe.each(proxies)('behind %s, under /tokenbridge, with TLS', (name, startProxy) => {
  it('serves the console, the API and the whole connect flow under the path, with Secure cookies on the prefixed path', async () => {
    // The proxy's port is held while the bridge starts (its redirect URI and origin name it), released as the proxy starts.
    const reserved = await reservePort();
    const port = reserved.port;
    const publicUrl = `https://localhost:${port}${PATH}`;
    const stack = await startStack({ PUBLIC_URL: publicUrl, TOKENBRIDGE_TRUST_PROXY: 'loopback' });
    let proxy: RunningProxy | undefined;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(PATIENCE_MS);
    try {
      await reserved.release();
      proxy = await startProxy({ dir: join(root, name), port, upstreamPort: stack.sandbox.service!.port, tls });
      const running = proxy;
      const health = await until(
        () => get(`${publicUrl}/healthz`).catch((error: Error) => ({ status: 0, headers: {}, body: error.message })),
        (answer) => answer.status !== 0 || !running.running(),
      );
      expect(health.status, `${name} said:\n${proxy.log()}`).toBe(200);

      // Through the proxy, from Node: the API answers under the path, in its own error shape.
      const token = await get(`${publicUrl}/api/google-token?scope=drive.readonly`);
      expect(token.status).toBe(401);
      expect(JSON.parse(token.body)).toMatchObject({ error: { code: 'unauthenticated' } });
      const doc = JSON.parse((await get(`${publicUrl}/openapi.json`)).body) as { servers: unknown };
      expect(doc.servers).toEqual([{ url: publicUrl }]);
      // The path without its slash leads to the console's page.
      const bare = await get(`https://localhost:${port}${PATH}`);
      expect([301, 308]).toContain(bare.status);
      expect(new URL(String(bare.headers.location), publicUrl).href).toBe(`${publicUrl}/`);

      const page = await context.newPage();
      const requests: string[] = [];
      const setCookies: Array<{ url: string; value: string }> = [];
      page.on('request', (request) => requests.push(request.url()));
      page.on('response', async (response) => {
        const value = await response.headerValue('set-cookie').catch(() => null);
        if (value !== null) setCookies.push({ url: response.url(), value });
      });
      await page.goto(`${publicUrl}/`);
      await signInByEmail(page, 'ada.user@example.com');
      await expectStatus(page, 'Not connected');
      await page.getByRole('button', { name: 'Connect Google', exact: true }).click();
      await answerGoogle(page, { account: 'ada@example.com' });
      await expectNotice(page, 'Google connected as ada@example.com.');
      await expectStatus(page, 'Connected');
      // Back on the console under the path, nothing of the flow left in the address bar.
      expect(page.url()).toBe(`${publicUrl}/`);
      await page.getByRole('button', { name: 'Get a token' }).click();
      await expect.poll(() => page.locator('#token-value').textContent()).toMatch(/^ya29\.a0/);
      // What the console tells an app developer names the path too.
      const use = (await page.getByRole('region', { name: 'Use it from your app' }).textContent()) ?? '';
      expect(use).toContain("createTokenbridgeClient({ baseUrl: '/tokenbridge', getSessionToken");
      expect(use).toContain(`"${publicUrl}/api/users/`);

      // Google sent the browser back to the callback under the path, through the proxy.
      expect(requests.some((url) => url.startsWith(`${publicUrl}/oauth/google/callback?`))).toBe(true);
      expect(requests.some((url) => url.startsWith(`${publicUrl}/api/google-token`))).toBe(true);
      // Nothing the page asked of the site left the bridge's path. (clerk-js returns to the page after sign-in at the
      // path without its trailing slash, which the proxy sends on to the console; `blob:` URLs are clerk-js's worker.)
      const onSite = requests.filter(
        (url) => !url.startsWith('blob:') && new URL(url).origin === `https://localhost:${port}`,
      );
      const underPath = (url: string) => {
        const { pathname } = new URL(url);
        return pathname === PATH || pathname.startsWith(`${PATH}/`);
      };
      expect(onSite.filter((url) => !underPath(url))).toEqual([]);
      // The return cookie: on the prefixed callback path, Secure, HttpOnly; set by connect, cleared by the callback.
      const returnCookies = setCookies.filter((cookie) => cookie.value.startsWith('tb_return_to='));
      expect(returnCookies.map((cookie) => new URL(cookie.url).pathname)).toEqual([
        `${PATH}/connect/google`,
        `${PATH}/oauth/google/callback`,
      ]);
      for (const { value } of returnCookies) {
        expect(value).toMatch(/;\s*Path=\/tokenbridge\/oauth\/google\/callback(;|$)/i);
        expect(value).toMatch(/;\s*Secure/i);
        expect(value).toMatch(/;\s*HttpOnly/i);
      }
    } finally {
      await reserved.release();
      await context.close();
      await proxy?.close();
      await stack.close();
    }
  });
});

describe('the docs show the snippets this test runs', () => {
  const production = readFileSync(resolve(import.meta.dirname, '../../docs/production.md'), 'utf8');
  it.each([
    ['nginx', NGINX_TEMPLATE],
    ['caddy', CADDY_TEMPLATE],
  ])('docs/production.md holds deploy/%s verbatim', (fence, template) => {
    expect(production).toContain(`\`\`\`${fence}\n${readFileSync(template, 'utf8')}\`\`\``);
  });
});
