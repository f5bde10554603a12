import type { Locator, Page } from 'playwright-core';
import { afterEach, expect, vi } from 'vitest';
import { until } from '../support/patience.js';
import { type Browser, launchBrowser, snap } from './browser.js';
import { type Stack, startStack } from './stack.js';

/** What Google's consent screen says next to each scope's checkbox. */
export const CONSENT_LABEL = {
  drive: 'See and download all your Google Drive files',
  contacts: 'See and download your contacts',
  gmail: 'View your email messages and settings',
} as const;

/** One test's world: the sandbox, a fresh Chromium profile, and a console page. */
export interface ConsoleSession {
  stack: Stack;
  browser: Browser;
  page: Page;
  /** Every URL the console's tab requested, in order. */
  requests: string[];
  /** The bodies of the bridge's `/api/` answers the console received. */
  apiBodies: Promise<string>[];
  /** Saves a screenshot of `page` (default: the console) under this test's name. */
  snap(step: string, page?: Page): Promise<string>;
  close(): Promise<void>;
}

/** Starts the sandbox and a browser at phone or desktop width, on the console page. */
export async function openConsole(suite: string, options: { width?: number } = {}): Promise<ConsoleSession> {
  const stack = await startStack();
  const browser = await launchBrowser();
  const page = await browser.newPage(options.width === undefined ? {} : { width: options.width, height: 844 });
  const requests: string[] = [];
  const apiBodies: Promise<string>[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('response', (response) => {
    if (response.url().startsWith(`${stack.url}/api/`)) apiBodies.push(response.text().catch(() => ''));
  });
  await page.goto(stack.url);
  return {
    stack,
    browser,
    page,
    requests,
    apiBodies,
    snap: (step, target = page) => snap(target, suite, step),
    async close() {
      await browser.close();
      await stack.close();
    },
  };
}

/**
 * For a test file: gives each test its own console (sandbox and browser), closed after the test. Each one starts the
 * whole sandbox and a browser, which on a loaded machine takes a while, hence the longer timeout.
 */
export function consoleSessions(): typeof openConsole {
  vi.setConfig({ testTimeout: 120_000 });
  let open: ConsoleSession | undefined;
  afterEach(async () => {
    await open?.close();
    open = undefined;
  });
  return async (suite, options) => {
    open = await openConsole(suite, options);
    return open;
  };
}

/**
 * Signs in through Clerk's `<SignIn/>` on the console, as a person does: types the address, presses Continue, and
 * enters the code Clerk "mailed" (an address Clerk does not know goes on to sign-up and is verified the same way). The
 * code is read where a person would read their mail in the sandbox: the Clerk emulator's `/__emulator/email-codes`,
 * at the Frontend API the console names in `/api/config`.
 */
export async function signInByEmail(page: Page, email: string): Promise<void> {
  await page.getByRole('heading', { name: 'Sign in to try Tokenbridge' }).waitFor();
  const mailbox = await clerkMailbox(page, email);
  const before = (await mailbox()).length;
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await page.getByRole('heading', { name: /^(Check|Verify) your email$/ }).waitFor();
  // Clerk's UI shows the code step while its request for the code is still on its way: wait for the mail.
  const codes = await until(mailbox, (sent) => sent.length > before);
  await page.keyboard.type(codes[codes.length - 1]!);
  await page.getByText(`Signed in as ${email}`).waitFor();
}

/** The codes the Clerk emulator has "mailed" to `email`, oldest first, read at the console's Frontend API. */
async function clerkMailbox(page: Page, email: string): Promise<() => Promise<string[]>> {
  // Asked from the page, as the console asks: behind a TLS proxy only the browser trusts the certificate.
  const config = await page.evaluate(
    async () => (await (await fetch('api/config')).json()) as { clerkProxyUrl: string | null },
  );
  if (config.clerkProxyUrl === null) throw new Error('the console names no Clerk proxy URL: is this the sandbox?');
  const url = `${config.clerkProxyUrl}/__emulator/email-codes?email_address=${encodeURIComponent(email)}`;
  return async () => {
    const body = (await (await fetch(url)).json()) as { data: Array<{ code: string }> };
    return body.data.map((sent) => sent.code);
  };
}

/**
 * Answers Google's screens in `page` (the console's tab, or a popup): picks `account` when asked, ticks the listed
 * scopes, and presses Allow or Cancel.
 */
export async function answerGoogle(
  page: Page,
  options: { account: string; tick?: string[]; action?: 'Allow' | 'Cancel'; snap?: (step: string) => Promise<unknown> },
): Promise<void> {
  const chooser = page.getByRole('button', { name: `Continue as ${options.account}` });
  const allow = page.getByRole('button', { name: 'Allow' });
  await chooser.or(allow).first().waitFor();
  if (await chooser.isVisible()) await chooser.click();
  await allow.waitFor();
  for (const label of options.tick ?? []) await page.getByLabel(label).check();
  await options.snap?.('google consent');
  await page.getByRole('button', { name: options.action ?? 'Allow' }).click();
}

/** The connection card. */
export function card(page: Page): Locator {
  return page.getByRole('region', { name: 'Google connection' });
}

/** The text of the "Source", "Google account"… fact on the card. */
export async function fact(page: Page, name: string): Promise<string> {
  const term = card(page).locator('dt', { hasText: name });
  return ((await term.locator('xpath=following-sibling::dd').textContent()) ?? '').trim();
}

/** The granted-scope chips, as shown. */
export async function chips(page: Page): Promise<string[]> {
  return (await card(page).getByRole('list').getByRole('listitem').allTextContents()).map((t) => t.trim());
}

/** Waits until the page says `text` in its status message. */
export async function expectNotice(page: Page, text: string | RegExp): Promise<void> {
  const notice = page.locator('#notice');
  await expect
    .poll(async () => ((await notice.isVisible()) ? await notice.locator('p').textContent() : ''))
    .toMatch(text);
}

/** Waits for the card's status badge to read `status`. */
export async function expectStatus(page: Page, status: string): Promise<void> {
  await expect.poll(() => card(page).locator('.badge').textContent()).toBe(status);
}

/** Signs in and connects Google by the redirect flow with `account`, back on the console. */
export async function signInAndConnect(session: ConsoleSession, email: string, account: string): Promise<void> {
  const { page } = session;
  await signInByEmail(page, email);
  await page.getByRole('button', { name: 'Connect Google', exact: true }).click();
  await answerGoogle(page, { account });
  await expectStatus(page, 'Connected');
}

export { launchBrowser };

/** Waits for `expected` inside `region`; if the page shows a problem there instead, fails with its words. */
export async function waitForResult(region: Locator, expected: Locator): Promise<void> {
  const problem = region.getByRole('alert');
  await expected.or(problem).first().waitFor();
  if (await problem.isVisible()) throw new Error(`The page said: ${await problem.textContent()}`);
}
