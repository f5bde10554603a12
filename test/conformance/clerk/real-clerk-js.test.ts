import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyToken } from '@clerk/backend';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuersFromPublishableKey, SessionVerifier } from '../../../src/http/session-verifier.js';
import { type Browser, launchBrowser, snap } from '../../browser/browser.js';
import { answerGoogle } from '../../browser/console.js';
import { until } from '../../support/patience.js';
import { ADA, type ClerkWorld, DRIVE_READONLY, startWorld } from './harness.js';

// Clerk's own clerk-js and @clerk/ui, loaded from the Clerk emulator by a plain page the way Clerk documents it for a
// development instance behind a proxy URL: <SignIn/> and <SignUp/> mounted, sign-in by email code and by password,
// sign-up, Google through the Google emulator, reauthorize for one more scope, the session token, sign-out.

const SUITE = 'real clerk-js';

interface BrowserClerk {
  loaded: boolean;
  user: {
    id: string;
    primaryEmailAddress: { emailAddress: string } | null;
    externalAccounts: Array<{
      provider: string;
      approvedScopes: string;
      reauthorize(params: object): Promise<{ verification: { externalVerificationRedirectURL: URL } }>;
    }>;
  } | null;
  session: { id: string; getToken(): Promise<string> } | null;
  client: {
    signIn: { create(params: object): Promise<{ status: string; createdSessionId: string }> };
    signUp: {
      create(params: object): Promise<{ prepareEmailAddressVerification(params: object): Promise<unknown> }>;
      attemptEmailAddressVerification(params: object): Promise<{ createdSessionId: string }>;
    };
  };
  setActive(params: object): Promise<void>;
  signOut(): Promise<void>;
}

let world: ClerkWorld;
let server: Server;
let appUrl: string;
let browser: Browser;
let frontendApi: string;
/** What the emulator logged (warnings and up). */
const logged: string[] = [];

function page(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Notes app</title>
<script async crossorigin="anonymous" data-clerk-publishable-key="${world.clerk.publishableKey}"
  data-clerk-proxy-url="${frontendApi}" src="${frontendApi}/npm/@clerk/clerk-js@6/dist/clerk.browser.js"></script>
<script async crossorigin="anonymous" src="${frontendApi}/npm/@clerk/ui@1/dist/ui.browser.js"></script>
</head><body><main><div id="clerk"></div><p id="status" role="status">loading</p></main>
<script>
window.addEventListener('load', async () => {
  await Clerk.load({ ui: { ClerkUI: window.__internal_ClerkUICtor } });
  const status = document.getElementById('status');
  const show = () => { status.textContent = Clerk.user ? 'signed in as ' + Clerk.user.primaryEmailAddress?.emailAddress : 'signed out'; };
  Clerk.addListener(show);
  show();
  if (!Clerk.user) (location.hash === '#sign-up' ? Clerk.mountSignUp : Clerk.mountSignIn).call(Clerk, document.getElementById('clerk'), { forceRedirectUrl: location.origin + '/' });
});
</script></body></html>`;
}

beforeAll(async () => {
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) });
  world = await startWorld({ frontendApiHost: 'development', logger });
  server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(page()));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  appUrl = `http://localhost:${(server.address() as AddressInfo).port}`;
  // The browser reaches the Frontend API under the page's loopback name: one site, as a real proxy URL is.
  frontendApi = world.clerk.url.replace('127.0.0.1', 'localhost');
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await world?.close();
});

const clerk = (p: Page) => p.evaluate(() => (window as unknown as { Clerk: BrowserClerk }).Clerk);
const signedInAs = (p: Page, email: string) =>
  p
    .getByRole('status')
    .filter({ hasText: `signed in as ${email}` })
    .waitFor();

async function open(hash = ''): Promise<Page> {
  const p = await browser.newPage();
  await browser.context.clearCookies();
  await p.goto(`${appUrl}/${hash}`);
  await p
    .getByRole('status')
    .filter({ hasText: /signed/ })
    .waitFor();
  return p;
}

describe('the real clerk-js and @clerk/ui against the Clerk emulator, in Chromium', () => {
  it('mounts <SignIn/> and signs in by email code; the session token verifies with @clerk/backend and the bridge', async () => {
    world.clerk.control.createUser({ email: 'ada+clerk_test@example.com' });
    const p = await open();
    await p.getByLabel('Email address').fill('ada+clerk_test@example.com');
    await snap(p, SUITE, '1 sign-in');
    await p.getByRole('button', { name: 'Continue', exact: true }).click();
    await p.getByRole('heading', { name: 'Check your email' }).waitFor();
    await p.keyboard.type('424242');
    await signedInAs(p, 'ada+clerk_test@example.com');

    const token = await p.evaluate(() => (window as unknown as { Clerk: BrowserClerk }).Clerk.session!.getToken());
    const claims = await verifyToken(token, { jwtKey: world.clerk.jwtKey, authorizedParties: [appUrl] });
    expect(claims.sub).toBe((await clerk(p)).user?.id);
    const verifier = new SessionVerifier({
      secretKey: world.clerk.secretKey,
      apiUrl: world.clerk.url,
      jwtKey: world.clerk.jwtKey,
      authorizedParties: [appUrl],
      issuers: issuersFromPublishableKey(world.clerk.publishableKey),
      clock: world.clock,
    });
    expect((await verifier.verify(token)).userId).toBe(claims.sub);

    await p.evaluate(() => (window as unknown as { Clerk: BrowserClerk }).Clerk.signOut());
    await p.getByRole('status').filter({ hasText: 'signed out' }).waitFor();
  });

  it('mounts <SignUp/>: the code sent (read through the control API) creates the user and signs in', async () => {
    const p = await open('#sign-up');
    await p.getByLabel('Email address').fill('grace@example.org');
    await p.getByRole('button', { name: 'Continue', exact: true }).click();
    await p.getByRole('heading', { name: 'Verify your email' }).waitFor();
    // <SignUp/> shows this step while its prepare_verification request is still on its way: wait for the code to be
    // sent, as a person waits for the email.
    const [sent] = await until(
      async () => world.clerk.control.emailCodes('grace@example.org'),
      (codes) => codes.length > 0,
    );
    expect(sent?.code).toMatch(/^\d{6}$/);
    await p.keyboard.type(sent!.code);
    await signedInAs(p, 'grace@example.org');
    await snap(p, SUITE, '2 signed up');
  });

  it('signs up with a password through clerk-js’s sign-up resource, then signs in with it; a wrong one is refused', async () => {
    const p = await open();
    await p.evaluate(async () => {
      const c = (window as unknown as { Clerk: BrowserClerk }).Clerk;
      const signUp = await c.client.signUp.create({
        emailAddress: 'linus@example.org',
        password: 'correct horse battery',
      });
      await signUp.prepareEmailAddressVerification({ strategy: 'email_code' });
    });
    const [sent] = world.clerk.control.emailCodes('linus@example.org');
    await p.evaluate(async (code) => {
      const c = (window as unknown as { Clerk: BrowserClerk }).Clerk;
      const done = await c.client.signUp.attemptEmailAddressVerification({ code });
      await c.setActive({ session: done.createdSessionId });
    }, sent!.code);
    await signedInAs(p, 'linus@example.org');
    await p.evaluate(() => (window as unknown as { Clerk: BrowserClerk }).Clerk.signOut());
    await p.getByRole('status').filter({ hasText: 'signed out' }).waitFor();

    const wrong = await p.evaluate(() =>
      (window as unknown as { Clerk: BrowserClerk }).Clerk.client.signIn
        .create({ identifier: 'linus@example.org', password: 'wrong password' })
        .then(
          () => 'signed in',
          (error: { errors?: Array<{ code: string }> }) => error.errors?.[0]?.code,
        ),
    );
    expect(wrong).toBe('form_password_incorrect');
    await p.evaluate(async () => {
      const c = (window as unknown as { Clerk: BrowserClerk }).Clerk;
      const attempt = await c.client.signIn.create({
        identifier: 'linus@example.org',
        password: 'correct horse battery',
      });
      await c.setActive({ session: attempt.createdSessionId });
    });
    await signedInAs(p, 'linus@example.org');
  });

  it('signs in with Google through the Google emulator, then adds Drive with reauthorize', async () => {
    const p = await open();
    await p.getByRole('button', { name: /Continue with Google/ }).click();
    await answerGoogle(p, { account: ADA });
    await signedInAs(p, ADA);
    await snap(p, SUITE, '3 signed in with google');

    const next = await p.evaluate(async (scope) => {
      const c = (window as unknown as { Clerk: BrowserClerk }).Clerk;
      const account = c.user!.externalAccounts.find((a) => a.provider === 'google')!;
      const updated = await account.reauthorize({ additionalScopes: [scope], redirectUrl: location.href });
      return String(updated.verification.externalVerificationRedirectURL);
    }, DRIVE_READONLY);
    await p.goto(next);
    await answerGoogle(p, { account: ADA, tick: ['See and download all your Google Drive files'] });
    await signedInAs(p, ADA);
    const scopes = await p.evaluate(
      () => (window as unknown as { Clerk: BrowserClerk }).Clerk.user!.externalAccounts[0]!.approvedScopes,
    );
    expect(scopes.split(' ')).toContain(DRIVE_READONLY);
  });

  it('answers a Frontend API path it does not implement with Clerk’s 404 error, logged once', async () => {
    const response = await fetch(`${world.clerk.url}/v1/me/organization_memberships`, {
      headers: { origin: appUrl },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ errors: [{ code: 'resource_not_found' }] });
    await fetch(`${world.clerk.url}/v1/me/organization_memberships?again=1`, { headers: { origin: appUrl } });
    const said = logged.filter((line) => line.includes('GET /v1/me/organization_memberships'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('not implemented');
  });

  afterAll(() => {
    // Every path the real clerk-js asked for in these flows is implemented.
    expect(
      logged.filter((line) => line.includes('not implemented') && !line.includes('organization_memberships')),
    ).toEqual([]);
  });
});
