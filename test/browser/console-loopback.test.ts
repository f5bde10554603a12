import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Browser, launchBrowser, snap } from './browser.js';
import { answerGoogle, expectNotice, expectStatus, signInByEmail } from './console.js';
import { type Stack, startStack } from './stack.js';

// Issue 15: the sandbox's console works under every loopback name a person may type (localhost, 127.0.0.1, [::1]),
// and when it cannot start it says why: an origin Clerk does not allow, or a Clerk that does not answer.
vi.setConfig({ testTimeout: 120_000 });

let stack: Stack | undefined;
let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  await stack?.close();
  browser = undefined;
  stack = undefined;
});

/** The sandbox, and a browser page on its console opened as `http://<host>:<port>/`. */
async function consoleAt(host: string, env: Record<string, string> = {}): Promise<Page> {
  stack = await startStack(env);
  browser = await launchBrowser();
  const page = await browser.newPage();
  await page.goto(`http://${host}:${new URL(stack.sandbox.service!.url).port}/`);
  return page;
}

/** The "could not start" card's words, once it shows. */
async function startFailure(page: Page): Promise<string> {
  const card = page.getByRole('region', { name: 'The console could not start' });
  await card.waitFor();
  return (await card.locator('#load-failed-text').textContent()) ?? '';
}

describe('the console under each loopback name', () => {
  it('signs in at http://127.0.0.1:<port> and connects Google with the popup', async () => {
    const page = await consoleAt('127.0.0.1');
    await signInByEmail(page, 'ipv4@example.com');
    await snap(page, 'loopback', '1 signed in at 127.0.0.1');
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.getByRole('button', { name: 'Connect with popup' }).click(),
    ]);
    await answerGoogle(popup, { account: 'ada@example.com' });
    await expectNotice(page, 'Google connected as ada@example.com.');
    await expectStatus(page, 'Connected');
    await snap(page, 'loopback', '2 connected at 127.0.0.1');
  });

  it('connects Google by redirect at http://127.0.0.1:<port>, and Google sends it back there', async () => {
    const page = await consoleAt('127.0.0.1');
    await signInByEmail(page, 'redirect-ipv4@example.com');
    await page.getByRole('button', { name: 'Connect Google', exact: true }).click();
    await answerGoogle(page, { account: 'ada@example.com' });
    await expectNotice(page, 'Google connected as ada@example.com.');
    await expectStatus(page, 'Connected');
    // Back on the name the flow started at, where the browser's Clerk session is.
    expect(new URL(page.url()).hostname).toBe('127.0.0.1');
    await snap(page, 'loopback', '2b connected by redirect at 127.0.0.1');
  });

  it('signs in at http://[::1]:<port> and connects Google by redirect there', async () => {
    const page = await consoleAt('[::1]');
    await signInByEmail(page, 'ipv6@example.com');
    await snap(page, 'loopback', '3 signed in at ipv6');
    await page.getByRole('button', { name: 'Connect Google', exact: true }).click();
    await answerGoogle(page, { account: 'ada@example.com' });
    await expectStatus(page, 'Connected');
    expect(new URL(page.url()).hostname).toBe('[::1]');
  });

  it('still signs in at http://localhost:<port>', async () => {
    const page = await consoleAt('localhost');
    await signInByEmail(page, 'name@example.com');
  });
});

describe('the console, when it cannot start, names the cause', () => {
  it('an origin Clerk does not allow: a CORS/origin mismatch, not "is the bridge running"', async () => {
    // The bridge's public URL is elsewhere, so Clerk allows only that origin, not the loopback one the page is on.
    const page = await consoleAt('127.0.0.1', { PUBLIC_URL: 'https://bridge.example.com' });
    const text = await startFailure(page);
    await snap(page, 'loopback', '4 origin refused');
    expect(text).toContain('CORS/origin mismatch');
    expect(text).toContain('http://127.0.0.1:');
    expect(text).not.toContain('bridge at');
  });

  it('a Clerk that does not answer: says Clerk cannot be reached', async () => {
    stack = await startStack();
    await stack.sandbox.clerk.close();
    browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(stack.url);
    const text = await startFailure(page);
    expect(text).toContain(`at ${stack.sandbox.clerk.url} could not be reached`);
    expect(text).not.toContain('CORS');
  });
});
