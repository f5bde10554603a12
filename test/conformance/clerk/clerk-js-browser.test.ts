import { verifyToken } from '@clerk/backend';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../../../src/sandbox/kit/listen.js';
import { type Browser, launchBrowser } from '../../browser/browser.js';
import { ADA, type ClerkWorld, DRIVE_READONLY, GMAIL_READONLY, startWorld } from './harness.js';

// A plain page written the way Clerk's "JavaScript quickstart" shows, loading clerk.browser.js from the emulator
// by publishable key, in a real Chromium. Its server reads the __session cookie and verifies it with @clerk/backend.

/** The part of window.Clerk these tests touch (types only: page.evaluate runs in the browser). */
interface BrowserExternalAccount {
  provider: string;
  approvedScopes: string;
  emailAddress: string;
  reauthorize(params: object): Promise<{ verification: { externalVerificationRedirectURL: URL } }>;
}
interface BrowserClerk {
  user: {
    externalAccounts: BrowserExternalAccount[];
    createExternalAccount(params: object): Promise<{ verification: { externalVerificationRedirectURL: URL } }>;
  };
  session: { getToken(options?: object): Promise<string> };
  signOut(): Promise<void>;
}

let world: ClerkWorld;
let app: FastifyInstance;
let appUrl: string;
let closeApp: () => Promise<void>;
let browser: Browser;

function appPage(): string {
  const script = `${world.clerk.url}/npm/@clerk/clerk-js@6/dist/clerk.browser.js`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Notes app</title>
<script async crossorigin="anonymous" data-clerk-publishable-key="${world.clerk.publishableKey}" src="${script}" type="text/javascript"></script>
</head><body>
<p id="status" role="status">loading</p>
<div id="sign-in"></div>
<script>
function render() {
  const status = document.getElementById('status');
  if (Clerk.user) {
    status.textContent = 'signed-in ' + Clerk.user.id + ' ' + Clerk.user.primaryEmailAddress.emailAddress;
  } else {
    status.textContent = 'signed-out';
    Clerk.mountSignIn(document.getElementById('sign-in'));
  }
}
window.addEventListener('load', async () => {
  await Clerk.load();
  Clerk.addListener(render);
});
</script></body></html>`;
}

beforeAll(async () => {
  // The stand-in clerk.browser.js (an explicit option): the real one is driven in real-clerk-js.test.ts.
  world = await startWorld({ clerkJs: 'stand-in' });
  app = Fastify();
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(appPage()));
  app.get('/api/me', async (request, reply) => {
    const cookie = /(?:^|;\s*)__session=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
    if (cookie === undefined) return reply.code(401).send({ error: 'no session cookie' });
    try {
      const claims = await verifyToken(cookie, { jwtKey: world.clerk.jwtKey, authorizedParties: [appUrl] });
      return { userId: claims.sub };
    } catch (error) {
      return reply.code(401).send({ error: (error as { reason?: string }).reason ?? 'invalid' });
    }
  });
  const listening = await listen(app, { port: 0 });
  appUrl = listening.url;
  closeApp = listening.close;
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await closeApp?.();
  await world?.close();
});

async function status(page: Page, prefix: string): Promise<string> {
  const locator = page.locator('#status');
  await locator.filter({ hasText: prefix }).waitFor();
  return (await locator.textContent()) ?? '';
}

async function clickThroughGoogle(page: Page, account: string): Promise<void> {
  await page.waitForURL((url) => url.origin === world.google.url);
  const chooser = page.getByRole('button', { name: `Continue as ${account}` });
  if (await chooser.isVisible()) await chooser.click();
  const boxes = page.locator('input[type=checkbox]');
  for (let i = 0; i < (await boxes.count()); i++) await boxes.nth(i).check();
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL((url) => url.origin === appUrl);
}

describe('clerk.browser.js in a real browser', () => {
  let page: Page;
  let userId: string;

  it('loads from the publishable key, shows the mounted sign-in, and signs in by email', async () => {
    page = await browser.newPage();
    await page.goto(appUrl);
    expect(await status(page, 'signed-out')).toBe('signed-out');
    await page.getByLabel('Email address').fill(ADA);
    await page.getByRole('button', { name: 'Continue' }).click();
    const text = await status(page, 'signed-in');
    userId = text.split(' ')[1] ?? '';
    expect(userId).toMatch(/^user_/);
    expect(text).toContain(ADA);
    expect(new URL(page.url()).searchParams.has('__clerk_db_jwt')).toBe(false);
  });

  it('keeps a __session cookie on the app origin that the app’s server verifies', async () => {
    const cookies = await browser.context.cookies(appUrl);
    expect(cookies.find((c) => c.name === '__session')?.value).toMatch(/^ey/);
    expect(Number(cookies.find((c) => c.name === '__client_uat')?.value)).toBeGreaterThan(0);
    const me = await page.evaluate(() => fetch('/api/me').then((r) => r.json()));
    expect(me).toEqual({ userId });
  });

  it('hands out session tokens through session.getToken()', async () => {
    const token = await page.evaluate(() =>
      (window as unknown as { Clerk: BrowserClerk }).Clerk.session.getToken({
        skipCache: true,
      }),
    );
    const claims = await verifyToken(token, { jwtKey: world.clerk.jwtKey, authorizedParties: [appUrl] });
    expect(claims.sub).toBe(userId);
  });

  it('connects Google with extra scopes through user.createExternalAccount and Google’s consent pages', async () => {
    const redirect = await page.evaluate(
      async ([scope]) => {
        const clerk = (window as unknown as { Clerk: BrowserClerk }).Clerk;
        const account = await clerk.user.createExternalAccount({
          strategy: 'oauth_google',
          additionalScopes: [scope],
          redirectUrl: window.location.href,
        });
        return account.verification.externalVerificationRedirectURL.href as string;
      },
      [DRIVE_READONLY],
    );
    await page.goto(redirect);
    await clickThroughGoogle(page, ADA);
    await status(page, 'signed-in');
    const accounts = await page.evaluate(() =>
      (window as unknown as { Clerk: BrowserClerk }).Clerk.user.externalAccounts.map((a) => ({
        provider: a.provider,
        approvedScopes: a.approvedScopes,
        emailAddress: a.emailAddress,
      })),
    );
    expect(accounts).toHaveLength(1);
    expect(accounts[0]?.provider).toBe('google');
    expect(accounts[0]?.approvedScopes.split(' ')).toContain(DRIVE_READONLY);
    const tokens = await world.backend.users.getUserOauthAccessToken(userId, 'google');
    expect(tokens.data[0]?.scopes).toContain(DRIVE_READONLY);
  });

  it('adds a scope with externalAccount.reauthorize, and oidcPrompt consent reaches Google as prompt=consent', async () => {
    const redirect = await page.evaluate(
      async ([scope]) => {
        const clerk = (window as unknown as { Clerk: BrowserClerk }).Clerk;
        const account = clerk.user.externalAccounts.find((a) => a.provider === 'google');
        if (account === undefined) throw new Error('no Google account');
        const result = await account.reauthorize({
          additionalScopes: [scope],
          redirectUrl: window.location.href,
          oidcPrompt: 'consent',
        });
        return result.verification.externalVerificationRedirectURL.href as string;
      },
      [GMAIL_READONLY],
    );
    expect(new URL(redirect).searchParams.get('prompt')).toBe('consent');
    await page.goto(redirect);
    await clickThroughGoogle(page, ADA);
    await status(page, 'signed-in');
    const scopes = await page.evaluate(
      () => (window as unknown as { Clerk: BrowserClerk }).Clerk.user.externalAccounts[0]?.approvedScopes ?? '',
    );
    expect(scopes.split(' ')).toEqual(expect.arrayContaining([DRIVE_READONLY, GMAIL_READONLY]));
  });

  it('signs out: listeners hear it, the cookies are cleared and the server refuses the app', async () => {
    await page.evaluate(() => (window as unknown as { Clerk: BrowserClerk }).Clerk.signOut());
    expect(await status(page, 'signed-out')).toBe('signed-out');
    const cookies = await browser.context.cookies(appUrl);
    expect(cookies.find((c) => c.name === '__session')).toBeUndefined();
    expect(cookies.find((c) => c.name === '__client_uat')?.value).toBe('0');
    const me = await page.evaluate(() => fetch('/api/me').then((r) => r.status));
    expect(me).toBe(401);
  });
});
