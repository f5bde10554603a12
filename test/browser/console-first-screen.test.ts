import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  answerGoogle,
  CONSENT_LABEL,
  consoleSessions,
  expectNotice,
  signInAndConnect,
  waitForResult,
} from './console.js';

// What a newcomer sees first, at desktop and phone width: the sign-in in the cards' style, Drive rows with a kind a
// person reads, contacts and code that never break in the middle of a word, and "Try it" panels each as tall as
// what they show.

const openConsole = consoleSessions();

/**
 * Runs in the page: the words under `root` that the layout split across two lines. A word is a run of letters, digits
 * and `_ . @ -` (a name, an identifier, an email address); a URL may still wrap after one of its slashes.
 */
function brokenWords(root: Element): string[] {
  const broken: string[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of (node.textContent ?? '').matchAll(/[\p{L}\p{N}_.@-]+/gu)) {
      const range = document.createRange();
      range.setStart(node, match.index ?? 0);
      range.setEnd(node, (match.index ?? 0) + match[0].length);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (tops.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}

async function box(locator: Locator) {
  const found = await locator.boundingBox();
  if (!found) throw new Error('not on screen');
  return found;
}

async function style(locator: Locator, property: string): Promise<string> {
  return locator.evaluate((el, name) => getComputedStyle(el).getPropertyValue(name), property);
}

async function expectNoBrokenWords(page: Page, selector: string): Promise<void> {
  for (const element of await page.locator(selector).all()) {
    expect(JSON.stringify(await element.evaluate(brokenWords)), selector).toBe('[]');
  }
}

describe.each([
  ['desktop', undefined],
  ['phone', 390],
] as const)('the console’s first screens (%s)', (name, width) => {
  it('shows Clerk’s own <SignIn/> in the console’s colours, with targets a finger can hit and nothing cut off', async () => {
    const session = await openConsole(`first screen ${name}`, width === undefined ? {} : { width });
    const { page } = session;
    await page.getByRole('heading', { name: 'Sign in to try Tokenbridge' }).waitFor();
    const email = page.getByLabel('Email address');
    const proceed = page.getByRole('button', { name: 'Continue', exact: true });
    const google = page.getByRole('button', { name: /Continue with Google/ });
    await google.waitFor();
    // Clerk's own components (from @clerk/ui), not a look-alike.
    expect(await page.locator('#sign-in .cl-cardBox').count()).toBe(1);

    for (const target of [email, proceed, google]) expect((await box(target)).height).toBeGreaterThanOrEqual(44);
    expect(await style(proceed, 'background-color')).toBe('rgb(11, 87, 208)');
    // One card: Clerk's box sits in the page's card without a second shadow.
    expect(await style(page.locator('#sign-in .cl-cardBox'), 'box-shadow')).toBe('none');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await session.snap('1 signed out');
  });

  it('lists Drive files by kind, contacts and code unbroken, and sizes each Try-it panel to its content', async () => {
    const session = await openConsole(`try it ${name}`, width === undefined ? {} : { width });
    const { page } = session;
    await signInAndConnect(session, `first.${name}@example.com`, 'ada@example.com');
    await page.getByRole('button', { name: 'Add Google Drive' }).click();
    await answerGoogle(page, { account: 'ada@example.com', tick: [CONSENT_LABEL.drive] });
    await expectNotice(page, 'Access added: Google Drive (read-only).');
    await page.getByRole('button', { name: 'Add Contacts' }).click();
    await answerGoogle(page, { account: 'ada@example.com', tick: [CONSENT_LABEL.contacts] });
    await expectNotice(page, 'Access added: Contacts (read-only).');

    const drive = page.getByRole('region', { name: 'Drive files' });
    const rows: string[] = [];
    await page.getByRole('button', { name: 'List Drive files' }).click();
    await waitForResult(drive, drive.getByText('Page 1'));
    // Every page, so each kind the seeded Drive holds is shown once.
    for (let pageNo = 2; ; pageNo++) {
      rows.push(...(await drive.getByRole('listitem').allTextContents()));
      const next = drive.getByRole('button', { name: 'Next page' });
      if (!(await next.isVisible())) break;
      await next.click();
      await waitForResult(drive, drive.getByText(new RegExp(`^Page ${pageNo}`)));
    }
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.filter((row) => /\/|vnd\.|officedocument|application/.test(row))).toEqual([]);
    const text = rows.join('\n');
    for (const kind of ['Excel spreadsheet', 'Word document', 'Google Sheet', 'PNG image', 'Folder']) {
      expect(text).toContain(kind);
    }

    const contacts = page.getByRole('region', { name: 'Contacts' });
    await page.getByRole('button', { name: 'List contacts' }).click();
    await waitForResult(contacts, contacts.getByText(/contacts in all/));
    expect(await contacts.locator('.email').count()).toBeGreaterThan(0);
    await expectNoBrokenWords(page, '#contacts-result li');
    await expectNoBrokenWords(page, '#drive-result li');
    await expectNoBrokenWords(page, '#use pre');

    // The short Gmail panel is not stretched to the height of the Drive list beside it.
    const [driveBox, gmailBox] = [await box(drive), await box(page.getByRole('region', { name: 'Gmail labels' }))];
    expect(driveBox.height - gmailBox.height).toBeGreaterThan(40);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await session.snap('2 try it and code');
  });
});
