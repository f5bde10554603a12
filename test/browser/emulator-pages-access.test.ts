import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { consoleSessions, expectStatus, signInByEmail } from './console.js';

// The two naming rules the first-ten-minutes review found broken, spelled out so a failure says which control: every
// control that carries an aria-label has its visible words in it (label-content-name-mismatch), and every form field
// has a label (label). axe-core's whole rule set runs on the same pages in axe.test.ts.

/** Runs in the page: the controls breaking either rule, described. */
function namingProblems(): string[] {
  const problems: string[] = [];
  const words = (text: string) => text.toLowerCase().replace(/\s+/g, ' ').trim();
  const visible = (el: Element) =>
    (el as HTMLElement).offsetParent !== null || getComputedStyle(el).position === 'fixed';
  for (const el of document.querySelectorAll('[aria-label]')) {
    if (!visible(el) || !el.matches('button, a, input, select, textarea, [role="button"], [role="link"]')) continue;
    const shown = words(el.textContent ?? '');
    // As axe does, an icon or a single symbol (the × of a dismiss button) is not words to match.
    const interpretable = shown.length > 1 && /[\p{L}\p{N}]/u.test(shown);
    if (interpretable && !words(el.getAttribute('aria-label') ?? '').includes(shown)) {
      problems.push(`label-content-name-mismatch: "${shown}" shown, "${el.getAttribute('aria-label')}" named`);
    }
  }
  for (const field of document.querySelectorAll('input, select, textarea')) {
    const input = field as HTMLInputElement;
    if (input.type === 'hidden' || !visible(input)) continue;
    const named =
      (input.labels?.length ?? 0) > 0 || input.hasAttribute('aria-label') || input.hasAttribute('aria-labelledby');
    if (!named) problems.push(`label: <${input.tagName.toLowerCase()} name="${input.name}"> has no label`);
  }
  return problems;
}

const check = (page: Page) => page.evaluate(namingProblems);
const openConsole = consoleSessions();

describe('naming on the emulators’ pages and the console', () => {
  it('the Google chooser names each account by what it shows; consent, the Clerk sign-in and the console label every field', async () => {
    const session = await openConsole('emulator pages naming');
    const { page, stack } = session;
    await page.getByRole('heading', { name: 'Sign in to try Tokenbridge' }).waitFor();
    expect(await check(page)).toEqual([]);

    await signInByEmail(page, 'names@example.com');
    await expectStatus(page, 'Not connected');
    expect(await check(page)).toEqual([]);

    await page.getByRole('button', { name: 'Connect Google', exact: true }).click();
    const ada = page.getByRole('button', { name: 'Ada Lovelace Continue as ada@example.com', exact: true });
    await ada.waitFor();
    expect(await check(page)).toEqual([]);
    await session.snap('1 google chooser');
    await ada.click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    expect(await check(page)).toEqual([]);
    await page.getByRole('button', { name: 'Allow' }).click();
    await expectStatus(page, 'Connected');
    expect(await check(page)).toEqual([]);

    const clerk = await session.browser.newPage();
    await clerk.goto(`${stack.sandbox.clerk.url}/sign-in?redirect_url=${encodeURIComponent(`${stack.url}/`)}`);
    await clerk.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await check(clerk)).toEqual([]);
    // The scopes box is empty, not filled with an example that reads like a value; the example is its description.
    const scopes = clerk.getByRole('textbox', { name: 'Extra Google scopes (space-separated, optional)' });
    expect(await scopes.inputValue()).toBe('');
    expect(await scopes.getAttribute('placeholder')).toBeNull();
    expect(
      await scopes.evaluate((el) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent),
    ).toContain('For example https://www.googleapis.com/auth/drive.readonly');
    await session.snap('2 clerk sign-in', clerk);
  });
});
