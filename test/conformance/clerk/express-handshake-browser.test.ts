import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClerkClient } from '@clerk/backend';
import { clerkMiddleware, getAuth } from '@clerk/express';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInByEmail } from '../../../src/sandbox/clerk/driver.js';
import { type Browser, launchBrowser } from '../../browser/browser.js';
import { type ClerkWorld, startWorld } from './harness.js';

// A server-rendered app on @clerk/express, visited by a real Chromium after its session token went stale: the SDK
// sends the browser through the dev handshake, which works over the emulator's plain HTTP only with proxyUrl set to
// the emulator (CLERK_PROXY_URL). Issue 16, point 6.

let world: ClerkWorld;
let server: Server;
let appUrl: string;
let browser: Browser;

beforeAll(async () => {
  world = await startWorld();
  const app = express();
  app.use(
    clerkMiddleware({
      clerkClient: createClerkClient({
        secretKey: world.clerk.secretKey,
        publishableKey: world.clerk.publishableKey,
        apiUrl: world.clerk.url,
      }),
      secretKey: world.clerk.secretKey,
      publishableKey: world.clerk.publishableKey,
      proxyUrl: world.clerk.url,
    }),
  );
  app.get('/', (request, response) => {
    const { userId } = getAuth(request);
    response.type('html').send(`<!doctype html><p id="status" role="status">${userId ?? 'signed-out'}</p>`);
  });
  server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await world?.close();
});

describe('@clerk/express with proxyUrl = the Clerk emulator, in Chromium', () => {
  it('renews a stale session on a page load through the handshake over plain HTTP', async () => {
    const signIn = await signInByEmail(world.clerk, 'express@example.com', { redirectUrl: `${appUrl}/` });
    await browser.context.addCookies(
      signIn.appCookieHeader.split('; ').map((pair) => {
        const eq = pair.indexOf('=');
        return { name: pair.slice(0, eq), value: pair.slice(eq + 1), url: appUrl };
      }),
    );
    // Two minutes on, the session token in the cookie is stale: the next page load needs a handshake.
    world.clock.advance(120_000);

    const page = await browser.newPage();
    const visited: string[] = [];
    page.on('request', (request) => visited.push(request.url()));
    await page.goto(`${appUrl}/`);
    await page.locator('#status').filter({ hasText: signIn.userId }).waitFor();
    expect(visited.some((url) => url.startsWith(`${world.clerk.url}/v1/client/handshake`))).toBe(true);
    expect(new URL(page.url()).origin).toBe(appUrl);
    const cookies = await browser.context.cookies(appUrl);
    expect(cookies.find((c) => c.name === '__session')?.value).not.toBe(
      /__session=([^;]+)/.exec(signIn.appCookieHeader)?.[1],
    );
  });
});
