import { describe, expect, it } from 'vitest';
import { answerGoogle, card, consoleSessions, expectNotice, expectStatus, fact, signInAndConnect } from './console.js';

// Disconnecting from the console: it asks first and says what will happen, for the bridge's own connection (revoked
// at Google) and for a Google account held by Clerk (removed from Clerk through clerk-js), at desktop and phone width.

const openConsole = consoleSessions();
const revokeCalls = (counters: { calls: Record<string, number> }) => counters.calls['/revoke'] ?? 0;

describe.each([
  ['desktop', undefined],
  ['phone', 390],
] as const)('the console: disconnecting (%s)', (name, width) => {
  const size = width === undefined ? {} : { width };

  it('asks before revoking the own connection at Google; Cancel changes nothing', async () => {
    const session = await openConsole(`disconnect own ${name}`, size);
    const { page, stack } = session;
    const google = stack.sandbox.google.control;
    await signInAndConnect(session, `own.leaves.${name}@example.com`, 'linus@acme.test');
    const revokesBefore = revokeCalls(google.counters());

    await card(page).getByRole('button', { name: 'Disconnect' }).click();
    const confirm = card(page).getByRole('group', { name: 'Disconnect Google?' });
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain(
      'Tokenbridge revokes its access at Google and forgets the connection.',
    );
    // The safe choice has the focus, so Enter does not revoke by accident.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await session.snap('1 confirm own');

    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect(await confirm.isVisible()).toBe(false);
    await expectStatus(page, 'Connected');
    expect(revokeCalls(google.counters())).toBe(revokesBefore);

    await card(page).getByRole('button', { name: 'Disconnect' }).click();
    await confirm.getByRole('button', { name: 'Revoke access and disconnect' }).click();
    await expectNotice(
      page,
      'Google disconnected. Tokenbridge revoked its access at Google and forgot the connection.',
    );
    await expectStatus(page, 'Not connected');
    expect(revokeCalls(google.counters())).toBe(revokesBefore + 1);
    expect(await confirm.isVisible()).toBe(false);
    await session.snap('2 own disconnected');
  });

  it('offers the Clerk way for a Clerk-held account: removes it from Clerk and says what that does', async () => {
    const session = await openConsole(`disconnect clerk ${name}`, size);
    const { page, stack } = session;
    await page.getByRole('button', { name: /Continue with Google/ }).click();
    await answerGoogle(page, { account: 'grace@example.com' });
    await expectStatus(page, 'Connected');
    expect(await fact(page, 'Source')).toBe('Held by Clerk (signed in with Google)');

    await card(page).getByRole('button', { name: 'Disconnect' }).click();
    const confirm = card(page).getByRole('group', { name: 'Remove Google from your Clerk account?' });
    await confirm.waitFor();
    const said = (await confirm.textContent()) ?? '';
    expect(said).toContain('Clerk forget its Google tokens');
    expect(said).toContain('Clerk does not revoke the access at Google');
    await session.snap('1 confirm clerk');

    await confirm.getByRole('button', { name: 'Remove Google from Clerk' }).click();
    await expectNotice(page, /^Google removed from your Clerk account\./);
    await expectStatus(page, 'Not connected');
    // Still signed in, and Clerk no longer holds a Google account for the user.
    await page.getByText('Signed in as grace@example.com').waitFor();
    expect(stack.sandbox.clerk.control.findUserByEmail('grace@example.com')?.external_accounts).toEqual([]);
    await page.getByRole('button', { name: 'Get a token' }).click();
    const problem = page.getByRole('region', { name: 'Access token' }).getByRole('alert');
    await expect.poll(() => problem.textContent()).toContain('Your Google account is not connected yet.');
    await session.snap('2 clerk account removed');
  });
});
