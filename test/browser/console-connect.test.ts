import { describe, expect, it } from 'vitest';
import {
  answerGoogle,
  CONSENT_LABEL,
  card,
  chips,
  consoleSessions,
  expectNotice,
  expectStatus,
  fact,
  signInAndConnect,
  signInByEmail,
  waitForResult,
} from './console.js';

// The console in Chromium against the whole sandbox (bridge + Google and Clerk emulators): what a person sees while
// signing in, connecting Google by redirect and by popup, adding scopes, declining, and disconnecting.

const openConsole = consoleSessions();

describe('the console: connecting Google', () => {
  it('shows Clerk sign-in when signed out, then connects Google by redirect and shows the connection card', async () => {
    const session = await openConsole('redirect connect');
    const { page } = session;
    await page.getByRole('heading', { name: 'Sign in to try Tokenbridge' }).waitFor();
    await session.snap('1 signed out');

    await signInByEmail(page, 'ada.user@example.com');
    await expectStatus(page, 'Not connected');
    await session.snap('2 signed in, not connected');

    await page.getByRole('button', { name: 'Connect Google', exact: true }).click();
    await answerGoogle(page, { account: 'ada@example.com', snap: (step) => session.snap(`3 ${step}`) });

    await expectNotice(page, 'Google connected as ada@example.com.');
    await expectStatus(page, 'Connected');
    expect(await fact(page, 'Source')).toBe("Tokenbridge's own connection");
    expect(await fact(page, 'Google account')).toBe('ada@example.com');
    expect(await fact(page, 'Access token expires')).toMatch(/^in \d+ min/);
    expect(await chips(page)).toEqual(expect.arrayContaining(['Email address', 'Sign-in identity']));
    // The redirect flow leaves nothing of the code or state in the address bar.
    expect(new URL(page.url()).search).toBe('');
    await session.snap('4 connected');

    await page.getByRole('button', { name: 'Get a token' }).click();
    const shown = page.locator('#token-value');
    await expect.poll(() => shown.textContent()).toMatch(/^ya29\.a0.•+/);
    await session.snap('5 token shown masked');
    await session.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: session.stack.url,
    });
    await page.getByRole('button', { name: 'Copy access token' }).click();
    await expectNotice(page, /^Access token copied\. It expires in \d+ min/);
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const masked = (await shown.textContent()) ?? '';
    expect(copied.startsWith(masked.slice(0, 8))).toBe(true);
    expect(copied.endsWith(masked.slice(-4))).toBe(true);
    expect(copied).not.toContain('•');
    // The token lives in the page's memory only.
    const stored = await page.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
    );
    expect(stored).not.toMatch(/ya29|1\/\/0/);
    // No URL the page loaded carries a token, and no answer of the bridge carries a refresh token.
    expect(session.requests.filter((url) => /ya29|1\/\/0|access_token|refresh_token/.test(url))).toEqual([]);
    const bodies = await Promise.all(session.apiBodies);
    expect(bodies.some((body) => body.includes('ya29.'))).toBe(true);
    expect(bodies.filter((body) => /1\/\/0|refresh_?token"/i.test(body))).toEqual([]);
    // In the sandbox the console loads nothing from outside this machine (clerk-js's worker comes from a blob: URL).
    const hosts = new Set(
      session.requests
        .map((url) => new URL(url))
        .filter((u) => u.protocol !== 'blob:')
        .map((u) => u.hostname),
    );
    expect([...hosts].filter((host) => host !== 'localhost' && host !== '127.0.0.1')).toEqual([]);
  });

  it('connects Google with the popup (Google Identity Services code model)', async () => {
    const session = await openConsole('popup connect');
    const { page } = session;
    await signInByEmail(page, 'grace.user@example.com');
    const [declined] = await Promise.all([
      page.waitForEvent('popup'),
      page.getByRole('button', { name: 'Connect with popup' }).click(),
    ]);
    await answerGoogle(declined, { account: 'grace@example.com', action: 'Cancel' });
    await expectNotice(page, 'You declined at Google, so nothing changed.');
    await expectStatus(page, 'Not connected');

    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.getByRole('button', { name: 'Connect with popup' }).click(),
    ]);
    await answerGoogle(popup, {
      account: 'grace@example.com',
      snap: (step) => session.snap(`1 popup ${step}`, popup),
    });
    await expectNotice(page, 'Google connected as grace@example.com.');
    await expectStatus(page, 'Connected');
    expect(await fact(page, 'Google account')).toBe('grace@example.com');
    expect(popup.isClosed()).toBe(true);
    await session.snap('2 connected by popup');
  });

  it('adds one scope by incremental consent, keeping what was granted before, and lists Drive files page by page', async () => {
    const session = await openConsole('add a scope');
    const { page } = session;
    await signInAndConnect(session, 'linus.user@example.com', 'linus@acme.test');
    await page.getByRole('button', { name: 'Add Google Drive' }).click();
    await answerGoogle(page, { account: 'linus@acme.test', tick: [CONSENT_LABEL.drive] });
    await expectNotice(page, 'Access added: Google Drive (read-only).');
    expect(await chips(page)).toEqual(expect.arrayContaining(['Google Drive (read-only)', 'Email address']));
    expect(await page.getByRole('button', { name: 'Google Drive added' }).isDisabled()).toBe(true);
    await session.snap('1 drive added');

    await page.getByRole('button', { name: 'List Drive files' }).click();
    const drive = page.getByRole('region', { name: 'Drive files' });
    await waitForResult(drive, drive.getByText('Page 1'));
    const firstPage = await drive.getByRole('listitem').allTextContents();
    expect(firstPage.length).toBeGreaterThan(0);
    await session.snap('2 drive files page 1');
    // The seeded Workspace Drive holds more files than the console's page of 5, so there is always a page 2.
    expect(await drive.getByText('Page 1, the last one').count()).toBe(0);
    const next = drive.getByRole('button', { name: 'Next page' });
    expect(await next.isVisible()).toBe(true);
    await next.click();
    await waitForResult(drive, drive.getByText(/^Page 2/));
    const secondPage = await drive.getByRole('listitem').allTextContents();
    expect(secondPage.length).toBeGreaterThan(0);
    expect(secondPage).not.toEqual(firstPage);
    await session.snap('3 drive files page 2');
  });

  it('says nothing changed when the person declines at Google', async () => {
    const session = await openConsole('deny consent');
    const { page } = session;
    await signInAndConnect(session, 'ada.deny@example.com', 'ada@example.com');
    await page.getByRole('button', { name: 'Add Gmail' }).click();
    await answerGoogle(page, { account: 'ada@example.com', tick: [CONSENT_LABEL.gmail], action: 'Cancel' });
    await expectNotice(page, 'You declined at Google, so nothing changed.');
    expect(await chips(page)).not.toContain('Gmail (read-only)');
    expect(await page.getByRole('button', { name: 'Add Gmail' }).isEnabled()).toBe(true);
    await session.snap('1 declined');
  });

  it('says which scope was left out when the person unticks it, and offers to ask again', async () => {
    const session = await openConsole('partial grant');
    const { page } = session;
    await signInAndConnect(session, 'grace.partial@example.com', 'grace@example.com');
    await page.getByRole('button', { name: 'Add Contacts' }).click();
    // Granular consent: Allow, with the Contacts box left unticked.
    await answerGoogle(page, { account: 'grace@example.com', tick: [] });
    await expectNotice(page, 'Google granted only part of what was asked: Contacts (read-only) was not granted.');
    await session.snap('1 partial grant');

    await page.getByRole('button', { name: 'List contacts' }).click();
    const contacts = page.getByRole('region', { name: 'Contacts' });
    await contacts.getByRole('alert').waitFor();
    expect(await contacts.getByRole('alert').textContent()).toContain('You have not given permission for');
    await session.snap('2 contacts need permission');

    await contacts.getByRole('button', { name: /^Allow/ }).click();
    await answerGoogle(page, { account: 'grace@example.com', tick: [CONSENT_LABEL.contacts] });
    await expectNotice(page, 'Access added: Contacts (read-only).');
    await page.getByRole('button', { name: 'List contacts' }).click();
    await waitForResult(contacts, contacts.getByText(/contacts in all/));
    await session.snap('3 contacts listed');
  });

  it('disconnects: revoked at Google and forgotten, and the card says so', async () => {
    const session = await openConsole('disconnect');
    const { page } = session;
    await signInAndConnect(session, 'linus.leaves@example.com', 'linus@acme.test');
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByRole('button', { name: 'Revoke access and disconnect' }).click();
    await expectNotice(page, /^Google disconnected/);
    await expectStatus(page, 'Not connected');
    expect(await fact(page, 'Google account')).toBe('—');
    expect(await card(page).getByRole('button', { name: 'Connect Google', exact: true }).isVisible()).toBe(true);
    await session.snap('1 disconnected');

    await page.getByRole('button', { name: 'Get a token' }).click();
    const problem = page.getByRole('region', { name: 'Access token' }).getByRole('alert');
    await expect.poll(() => problem.textContent()).toContain('Your Google account is not connected yet.');
    await session.snap('2 token after disconnect');
  });
});

describe('the console: signing out', () => {
  it('forgets the token on sign-out, and the next person on this browser sees only their own connection', async () => {
    const session = await openConsole('sign out');
    const { page } = session;
    await signInAndConnect(session, 'first.person@example.com', 'ada@example.com');
    await page.getByRole('button', { name: 'Get a token' }).click();
    await expect.poll(() => page.locator('#token-value').textContent()).toMatch(/^ya29/);
    const gmail = page.getByRole('region', { name: 'Gmail labels' });
    await page.getByRole('button', { name: 'List Gmail labels' }).click();
    await gmail.getByRole('alert').waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to try Tokenbridge' }).waitFor();
    expect(await page.getByText('Signed in as').isVisible()).toBe(false);
    await session.snap('1 signed out again');

    await signInByEmail(page, 'second.person@example.com');
    await expectStatus(page, 'Not connected');
    expect(await page.locator('#token-value').textContent()).toBe('No token yet');
    expect(await fact(page, 'Google account')).toBe('—');
    expect(await gmail.getByRole('alert').count()).toBe(0);
    await session.snap('2 second person');
  });
});
