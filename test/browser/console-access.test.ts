import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  answerGoogle,
  CONSENT_LABEL,
  consoleSessions,
  expectNotice,
  expectStatus,
  fact,
  signInByEmail,
  waitForResult,
} from './console.js';

// The console for people who use a keyboard or a phone, and the screenshot the README shows.

const openConsole = consoleSessions();

describe('the console: keyboard, phone width and the README screenshot', () => {
  it('can be used with the keyboard alone: Tab reaches Connect Google and Enter starts the flow', async () => {
    const session = await openConsole('keyboard');
    const { page } = session;
    await signInByEmail(page, 'keys@example.com');
    await expectStatus(page, 'Not connected');
    // The first Tab lands on the skip link, which jumps to the content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    const order: string[] = [];
    for (let i = 0; i < 8 && !order.includes('Connect Google'); i++) {
      await page.keyboard.press('Tab');
      order.push((await page.evaluate(() => document.activeElement?.textContent?.trim())) ?? '');
    }
    // Visual order is focus order: the account control in the header, then the connection card's first action.
    expect(order).toEqual(['Sign out', 'Connect Google']);
    await session.snap('1 focus on connect');
    await page.keyboard.press('Enter');
    await answerGoogle(page, { account: 'grace@example.com' });
    await expectStatus(page, 'Connected');
  });

  it('fits a phone-width screen without sideways scrolling, with every action reachable', async () => {
    const session = await openConsole('phone', { width: 390 });
    const { page } = session;
    await page.getByRole('heading', { name: 'Sign in to try Tokenbridge' }).waitFor();
    await session.snap('1 phone signed out');
    await signInByEmail(page, 'phone@example.com');
    await page.getByRole('button', { name: 'Connect Google', exact: true }).click();
    await answerGoogle(page, { account: 'ada@example.com' });
    await expectStatus(page, 'Connected');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    for (const name of ['Add Google Drive', 'Get a token', 'List Drive files', 'Disconnect']) {
      const button = page.getByRole('button', { name, exact: true });
      await button.scrollIntoViewIfNeeded();
      const box = await button.boundingBox();
      expect(box, name).not.toBeNull();
      // Large enough to tap, and inside the screen.
      expect(box!.height).toBeGreaterThanOrEqual(44);
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    }
    await session.snap('2 phone connected');
  });

  it('shows every piece of text with at least AA contrast (4.5:1), the reconnect banner and errors included', async () => {
    const session = await openConsole('contrast');
    const { page, stack } = session;
    await signInByEmail(page, 'contrast@example.com');
    await page.getByRole('button', { name: 'Connect Google', exact: true }).click();
    await answerGoogle(page, { account: 'grace@example.com' });
    await expectStatus(page, 'Connected');
    await page.getByRole('button', { name: 'Get a token' }).click();
    await expect.poll(() => page.locator('#token-value').textContent()).toMatch(/^ya29/);
    stack.sandbox.google.control.revokeGrant({ email: 'grace@example.com' });
    stack.sandbox.google.control.expireAccessTokens({ email: 'grace@example.com' });
    await page.getByRole('button', { name: 'List Gmail labels' }).click();
    await page.getByRole('button', { name: 'Get a token' }).click();
    await expectStatus(page, 'Needs reconnect');
    await session.snap('1 banner and errors');
    const poor = await page.evaluate(lowContrastTexts);
    expect(poor).toEqual([]);
  });

  it('renders the connected console with Drive files and a token (docs/console.png)', async () => {
    const session = await openConsole('readme screenshot');
    const { page } = session;
    // One person throughout: the Clerk sign-in and the Google account are the same address.
    await signInByEmail(page, 'ada@example.com');
    await page.getByRole('button', { name: 'Connect Google', exact: true }).click();
    await answerGoogle(page, { account: 'ada@example.com' });
    await expectStatus(page, 'Connected');
    await page.getByRole('button', { name: 'Add Google Drive' }).click();
    await answerGoogle(page, { account: 'ada@example.com', tick: [CONSENT_LABEL.drive] });
    await expectNotice(page, 'Access added: Google Drive (read-only).');
    await page.getByRole('button', { name: 'Get a token' }).click();
    await expect.poll(() => page.locator('#token-value').textContent()).toMatch(/^ya29/);
    const drive = page.getByRole('region', { name: 'Drive files' });
    await page.getByRole('button', { name: 'List Drive files' }).click();
    await waitForResult(drive, drive.getByText('Page 1'));
    expect(await fact(page, 'Google account')).toBe('ada@example.com');
    // Every code line is shown whole: no block scrolls sideways (or cuts a line off) at this width.
    const cut = await page.evaluate(() =>
      [...document.querySelectorAll('pre')].filter((pre) => pre.scrollWidth > pre.clientWidth).map((pre) => pre.id),
    );
    expect(cut).toEqual([]);
    const shot = await session.snap('console');
    // The README's picture is refreshed on request only, so a test run leaves the tree clean.
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') {
      mkdirSync(join(process.cwd(), 'docs'), { recursive: true });
      copyFileSync(shot, join(process.cwd(), 'docs', 'console.png'));
    }
  });
});

/** Runs in the page: every visible text node whose colour against its background is below 4.5:1. */
function lowContrastTexts(): string[] {
  const rgba = (value: string) => (value.match(/[\d.]+/g) ?? []).map(Number);
  const luminance = ([r = 0, g = 0, b = 0]: number[]) => {
    const channel = (c: number) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const background = (element: Element | null): number[] => {
    for (let node = element; node; node = node.parentElement) {
      const color = rgba(getComputedStyle(node).backgroundColor);
      if (color.length === 3 || (color[3] ?? 0) > 0) return color.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const poor: string[] = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    const text = node.textContent?.trim() ?? '';
    if (!element || text === '' || element.getClientRects().length === 0) continue;
    const style = getComputedStyle(element);
    if (style.visibility === 'hidden' || style.clip === 'rect(0px, 0px, 0px, 0px)') continue;
    const fg = luminance(rgba(style.color));
    const bg = luminance(background(element));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < 4.5) poor.push(`${text.slice(0, 40)} (${ratio.toFixed(2)}:1)`);
  }
  return poor;
}
