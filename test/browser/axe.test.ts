import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  answerGoogle,
  CONSENT_LABEL,
  card,
  consoleSessions,
  expectNotice,
  expectStatus,
  signInAndConnect,
  signInByEmail,
} from './console.js';

// axe-core (WCAG 2.x A and AA rules, and its best practices) on every state of the console and on the emulators'
// pages a person sees, at desktop and phone widths. axe is injected through the DevTools protocol (page.evaluate),
// which the console's Content-Security-Policy does not govern, so the page is checked under its real CSP.

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/** axe's violations on `page` as it is now, each with the elements it names. */
async function violations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run(context: Document, options: object): Promise<{ violations: Violation[] }> };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    });
    return result.violations;
  });
  return found.map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`,
  );
}

const openConsole = consoleSessions();

describe.each([
  ['desktop', undefined],
  ['phone', 390],
] as const)('axe-core on the console and the emulators’ pages (%s)', (name, width) => {
  it('finds no violation signed out, signed in, at Google’s chooser and consent, connected, and needing reconnect', async () => {
    const session = await openConsole(`axe ${name}`, width === undefined ? {} : { width });
    const { page, stack } = session;
    await page.getByRole('heading', { name: 'Sign in to try Tokenbridge' }).waitFor();
    expect(await violations(page), 'signed out').toEqual([]);
    // The check can fail: a field planted without a label is found, under the console's CSP.
    await page.evaluate(() =>
      document.querySelector('main')?.append(Object.assign(document.createElement('input'), { id: 'planted' })),
    );
    expect((await violations(page)).some((v) => v.startsWith('label ') && v.includes('#planted'))).toBe(true);
    await page.evaluate(() => document.getElementById('planted')?.remove());

    await signInByEmail(page, `axe.${name}@example.com`);
    await expectStatus(page, 'Not connected');
    expect(await violations(page), 'not connected').toEqual([]);

    await page.getByRole('button', { name: 'Connect Google', exact: true }).click();
    const chooser = page.getByRole('button', { name: /Ada Lovelace/ });
    await chooser.waitFor();
    expect(await violations(page), 'Google account chooser').toEqual([]);
    await chooser.click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    expect(await violations(page), 'Google consent').toEqual([]);
    await page.getByRole('button', { name: 'Allow' }).click();
    await expectStatus(page, 'Connected');
    expect(await violations(page), 'connected').toEqual([]);

    await page.getByRole('button', { name: 'Add Google Drive' }).click();
    await answerGoogle(page, { account: 'ada@example.com', tick: [CONSENT_LABEL.drive] });
    await expectNotice(page, 'Access added: Google Drive (read-only).');
    await page.getByRole('button', { name: 'Get a token' }).click();
    await page.getByRole('button', { name: 'Copy access token' }).and(page.locator(':enabled')).waitFor();
    expect(await violations(page), 'connected with a token').toEqual([]);

    expect(stack.sandbox.google.control.revokeGrant({ email: 'ada@example.com' })).toBeGreaterThan(0);
    await page.reload();
    await expectStatus(page, 'Needs reconnect');
    expect(await violations(page), 'needs reconnect').toEqual([]);
    await session.snap('needs reconnect');

    const clerk = await session.browser.newPage(width === undefined ? {} : { width, height: 844 });
    await clerk.goto(`${stack.sandbox.clerk.url}/sign-in?redirect_url=${encodeURIComponent(`${stack.url}/`)}`);
    await clerk.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await violations(clerk), 'the Clerk emulator’s sign-in page').toEqual([]);
  });

  it('loads with no failed request and no error in the browser console (the @clerk/ui script included)', async () => {
    const session = await openConsole(`clean load ${name}`, width === undefined ? {} : { width });
    // A tab of its own, watched from before its first request (a reload would report the first load's aborted calls).
    const page = await session.browser.newPage(width === undefined ? {} : { width, height: 844 });
    const scripts: string[] = [];
    page.on('request', (request) => scripts.push(request.url()));
    const failed: string[] = [];
    page.on('response', (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${new URL(response.url()).pathname}`);
    });
    page.on('requestfailed', (request) => failed.push(`failed ${request.url()}`));
    page.on('console', (message) => {
      if (message.type() === 'error') failed.push(`console: ${message.text()}`);
    });
    await page.goto(session.stack.url);
    await page.getByRole('heading', { name: 'Sign in to try Tokenbridge' }).waitFor();
    expect(scripts.some((url) => url.includes('/npm/@clerk/ui@'))).toBe(true);
    expect(failed).toEqual([]);
  });

  it('finds no violation while the console asks before disconnecting', async () => {
    const session = await openConsole(`axe disconnect ${name}`, width === undefined ? {} : { width });
    const { page } = session;
    await signInAndConnect(session, `axe.leaves.${name}@example.com`, 'ada@example.com');
    await card(page).getByRole('button', { name: 'Disconnect' }).click();
    await card(page).getByRole('group', { name: 'Disconnect Google?' }).waitFor();
    expect(await violations(page), 'disconnect confirmation').toEqual([]);
  });
});
