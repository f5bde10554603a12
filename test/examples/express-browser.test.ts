import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../examples/express/app.js';
import type { Sandbox } from '../../src/cli/sandbox.js';
import { connectUrlBuilder } from '../../src/express/index.js';
import { createTokenBridge, Keyring, openStore, type Store, type TokenBridge } from '../../src/index.js';
import { type Browser, launchBrowser, snap } from '../browser/browser.js';
import { answerGoogle, CONSENT_LABEL } from '../browser/console.js';
import { EXAMPLE_CLIENT, sandboxForApp } from './sandbox-app.js';

// examples/express in Chromium, the same story as the Next.js example: Clerk's own <SignUp/> (clerk-js and its
// components from the Clerk emulator), Connect Google from the server-rendered page, Drive files listed by the server
// with the user's token, and the Reconnect link after the grant is revoked at Google.

const SUITE = 'express example';
const MOUNT = '/api/tokenbridge';

let sandbox: Sandbox;
let store: Store;
let bridge: TokenBridge;
let server: Server;
let closeApp: () => Promise<void>;
let appUrl: string;
let browser: Browser;

beforeAll(async () => {
  // The app's port first: the sandbox registers the app's Google callback and allows its origin.
  const { createServer } = await import('node:http');
  server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  appUrl = `http://localhost:${(server.address() as AddressInfo).port}`;
  sandbox = await sandboxForApp(appUrl, `${MOUNT}/oauth/google/callback`);
  store = await openStore(':memory:');
  await store.migrate();
  const clerk = { secretKey: sandbox.clerk.secretKey, apiUrl: sandbox.clerk.url };
  bridge = createTokenBridge({
    store,
    keyring: Keyring.parse(Keyring.generate('k1')),
    google: { ...EXAMPLE_CLIENT, redirectUri: `${appUrl}${MOUNT}/oauth/google/callback`, baseUrl: sandbox.google.url },
    clerk,
    connectUrl: connectUrlBuilder(`${appUrl}${MOUNT}`),
  });
  const example = createApp({
    bridge,
    store,
    appUrl,
    clerk: {
      ...clerk,
      publishableKey: sandbox.clerk.publishableKey,
      // As `tokenbridge sandbox --write-env` writes it: the emulator under the app's loopback name.
      proxyUrl: sandbox.clerk.url.replace('127.0.0.1', 'localhost'),
    },
    googleClientId: EXAMPLE_CLIENT.clientId,
    googleApisUrl: sandbox.google.url,
  });
  closeApp = example.close;
  server.on('request', example.app);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await closeApp?.();
  await bridge?.close();
  await store?.close();
  await sandbox?.close();
});

describe('the Express example in Chromium', () => {
  it('signs up with Clerk’s components, connects Google, lists Drive files, and offers Reconnect after a revoke', async () => {
    const page = await browser.newPage();
    await page.goto(`${appUrl}/#sign-up`);
    await page.getByLabel('Email address').fill('ada+clerk_test@example.com');
    await snap(page, SUITE, '1 clerk sign-up');
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.getByRole('heading', { name: 'Verify your email' }).waitFor();
    await page.keyboard.type('424242');

    await page.getByRole('link', { name: 'Connect Google' }).click();
    await answerGoogle(page, { account: 'ada@example.com', tick: [CONSENT_LABEL.drive] });
    const drive = page.getByRole('region', { name: 'Drive files' });
    await drive.getByRole('listitem').first().waitFor();
    expect(await drive.getByRole('listitem').count()).toBeGreaterThan(0);
    await snap(page, SUITE, '2 drive files');

    expect(sandbox.google.control.revokeGrant({ email: 'ada@example.com' })).toBeGreaterThan(0);
    await page.reload();
    await page.getByRole('alert').filter({ hasText: 'Google no longer gives this app access.' }).waitFor();
    await page.getByRole('link', { name: 'Reconnect Google' }).waitFor();
    await snap(page, SUITE, '3 reconnect');
  });
});
