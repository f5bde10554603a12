import { describe, expect, it } from 'vitest';
import {
  answerGoogle,
  CONSENT_LABEL,
  chips,
  consoleSessions,
  expectNotice,
  expectStatus,
  fact,
  waitForResult,
} from './console.js';

// A person who signed in to the app "with Google" through Clerk: Clerk holds their Google tokens, the console shows
// that source, and adding a scope offers the Clerk way (reauthorize) or Tokenbridge's own connection.

const openConsole = consoleSessions();

describe('the console: a Google account held by Clerk', () => {
  it('shows the Clerk-held source, adds Drive the Clerk way (reauthorize) and lists files with Clerk’s token', async () => {
    const session = await openConsole('clerk held');
    const { page } = session;
    await page.getByRole('button', { name: /Continue with Google/ }).click();
    await answerGoogle(page, { account: 'grace@example.com', snap: (step) => session.snap(`1 sign-in ${step}`) });
    await page.getByText('Signed in as grace@example.com').waitFor();
    await expectStatus(page, 'Connected');
    expect(await fact(page, 'Source')).toBe('Held by Clerk (signed in with Google)');
    expect(await fact(page, 'Google account')).toBe('grace@example.com');
    await session.snap('2 clerk-held connection');

    await page.getByRole('button', { name: 'Add Google Drive' }).click();
    const choice = page.getByRole('group', { name: /linked through Clerk/ });
    await choice.waitFor();
    // The choice takes the focus, so a keyboard user lands on it.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Through Clerk (reauthorize)');
    await session.snap('3 choose clerk or own flow');

    await choice.getByRole('button', { name: 'Through Clerk (reauthorize)' }).click();
    await answerGoogle(page, { account: 'grace@example.com', tick: [CONSENT_LABEL.drive] });
    await expectNotice(page, 'Access added: Google Drive (read-only).');
    expect(await fact(page, 'Source')).toBe('Held by Clerk (signed in with Google)');
    expect(await chips(page)).toContain('Google Drive (read-only)');
    await session.snap('4 drive added through clerk');

    const drive = page.getByRole('region', { name: 'Drive files' });
    await page.getByRole('button', { name: 'List Drive files' }).click();
    await waitForResult(drive, drive.getByText('Page 1'));
    await session.snap('5 drive files with clerk token');
  });

  it('can add a scope through Tokenbridge’s own connection instead', async () => {
    const session = await openConsole('clerk held, own flow');
    const { page } = session;
    await page.getByRole('button', { name: /Continue with Google/ }).click();
    await answerGoogle(page, { account: 'linus@acme.test' });
    await expectStatus(page, 'Connected');
    await page.getByRole('button', { name: 'Add Contacts' }).click();
    await page.getByRole('button', { name: "Through Tokenbridge's own connection" }).click();
    await answerGoogle(page, { account: 'linus@acme.test', tick: [CONSENT_LABEL.contacts] });
    await expectNotice(page, 'Access added: Contacts (read-only).');
    expect(await fact(page, 'Source')).toBe("Tokenbridge's own connection");
    const contacts = page.getByRole('region', { name: 'Contacts' });
    await page.getByRole('button', { name: 'List contacts' }).click();
    await waitForResult(contacts, contacts.getByText(/contacts in all/));
    await session.snap('1 contacts through own connection');
  });

  it('a Clerk-held account revoked at Google: a reload says Needs reconnect, and Reconnect mends it through Clerk', async () => {
    const session = await openConsole('clerk held, revoked at google');
    const { page, stack } = session;
    await page.getByRole('button', { name: /Continue with Google/ }).click();
    await answerGoogle(page, { account: 'ada@example.com' });
    await page.getByText('Signed in as ada@example.com').waitFor();
    await expectStatus(page, 'Connected');

    expect(stack.sandbox.google.control.revokeGrant({ email: 'ada@example.com' })).toBeGreaterThan(0);
    await page.reload();
    await expectStatus(page, 'Needs reconnect');
    expect(await fact(page, 'Source')).toBe('Held by Clerk (signed in with Google)');
    expect(await fact(page, 'Google account')).toBe('ada@example.com');
    expect(await fact(page, 'Access token expires')).toBe('—');
    await session.snap('1 clerk-held, needs reconnect');

    await page.getByRole('button', { name: 'Reconnect Google' }).click();
    await answerGoogle(page, { account: 'ada@example.com' });
    await expectStatus(page, 'Connected');
    expect(await fact(page, 'Source')).toBe('Held by Clerk (signed in with Google)');
    await session.snap('2 clerk-held, reconnected through clerk');
  });
});
