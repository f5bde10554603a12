import { describe, expect, it } from 'vitest';
import {
  answerGoogle,
  CONSENT_LABEL,
  card,
  consoleSessions,
  expectNotice,
  expectStatus,
  fact,
  signInAndConnect,
} from './console.js';

// A grant revoked at Google while the console is closed (the person removed the app in their Google Account): when the
// page loads again, the bridge checks the connection with Google, and nothing on the page still looks connected.

const openConsole = consoleSessions();

describe.each([
  ['desktop', undefined],
  ['phone', 390],
] as const)('the console after a revocation at Google (%s)', (name, width) => {
  it('a reload says "Needs reconnect", shows no countdown, token or granted scopes, and offers one Reconnect', async () => {
    const session = await openConsole(`stale state after revocation ${name}`, width === undefined ? {} : { width });
    const { page, stack } = session;
    await signInAndConnect(session, `ada.stale.${name}@example.com`, 'ada@example.com');
    await page.getByRole('button', { name: 'Add Google Drive' }).click();
    await answerGoogle(page, { account: 'ada@example.com', tick: [CONSENT_LABEL.drive] });
    await expectNotice(page, 'Access added: Google Drive (read-only).');
    const shown = page.locator('#token-value');
    await expect.poll(() => shown.textContent()).toMatch(/^ya29\.a0.•+/);
    await session.snap('1 connected with a token');

    expect(stack.sandbox.google.control.revokeGrant({ email: 'ada@example.com' })).toBeGreaterThan(0);
    await page.reload();

    await expectStatus(page, 'Needs reconnect');
    const banner = card(page).getByRole('alert');
    await expect.poll(() => banner.textContent()).toContain('Access to your Google account was removed');
    expect(await card(page).textContent()).not.toContain('Connected');
    expect(await fact(page, 'Access token expires')).toBe('—');
    expect(await fact(page, 'Google account')).toBe('ada@example.com');
    expect(await card(page).getByRole('heading', { name: 'Granted access' }).count()).toBe(0);
    await card(page).getByRole('heading', { name: 'Access to restore by reconnecting' }).waitFor();
    expect(await shown.textContent()).toBe('No token: reconnect Google first');
    expect(await page.getByRole('button', { name: 'Copy access token' }).isDisabled()).toBe(true);
    // Adding access waits for the reconnect, and says so; nothing reads "added".
    await page.getByText('Reconnect Google first: Google no longer accepts this connection.').waitFor();
    expect(await page.getByRole('button', { name: 'Add Google Drive' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: /added$/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Reconnect Google' }).count()).toBe(1);
    await session.snap('2 after reload, needs reconnect');

    // "Get a token" does not hand out the dead token: it says why, and points at the one Reconnect button.
    await page.getByRole('button', { name: 'Get a token' }).click();
    const problem = card(page).locator('xpath=..').getByRole('region', { name: 'Access token' }).getByRole('alert');
    await expect.poll(() => problem.textContent()).toContain('Access to your Google account was removed');
    expect(await problem.textContent()).toContain('Use "Reconnect Google" on the card above.');
    expect(await shown.textContent()).toBe('No token: reconnect Google first');
    expect(await page.getByRole('button', { name: 'Reconnect Google' }).count()).toBe(1);
    await session.snap('3 get a token refused');

    await banner.getByRole('button', { name: 'Reconnect Google' }).click();
    await answerGoogle(page, { account: 'ada@example.com', tick: [CONSENT_LABEL.drive] });
    await expectNotice(page, 'Google reconnected as ada@example.com.');
    await expectStatus(page, 'Connected');
    expect(await fact(page, 'Access token expires')).toMatch(/^in \d+ min/);
    await card(page).getByRole('heading', { name: 'Granted access' }).waitFor();
    expect(await page.getByRole('button', { name: 'Google Drive added' }).isDisabled()).toBe(true);
    await session.snap('4 reconnected');
  });
});
