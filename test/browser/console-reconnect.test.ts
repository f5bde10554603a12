import { describe, expect, it } from 'vitest';
import {
  answerGoogle,
  CONSENT_LABEL,
  card,
  consoleSessions,
  expectNotice,
  expectStatus,
  signInAndConnect,
  waitForResult,
} from './console.js';

// A grant revoked at Google (through the Google emulator's control API, as if the person removed the app in their
// Google Account): the console shows the banner with the reason, and its Reconnect button makes things work again.

const openConsole = consoleSessions();

describe('the console: a grant revoked at Google', () => {
  it('shows the banner with the reason, and Reconnect brings Drive back', async () => {
    const session = await openConsole('revoked then reconnect');
    const { page, stack } = session;
    await signInAndConnect(session, 'ada.revoked@example.com', 'ada@example.com');
    await page.getByRole('button', { name: 'Add Google Drive' }).click();
    await answerGoogle(page, { account: 'ada@example.com', tick: [CONSENT_LABEL.drive] });
    await expectNotice(page, 'Access added: Google Drive (read-only).');
    const drive = page.getByRole('region', { name: 'Drive files' });
    await page.getByRole('button', { name: 'List Drive files' }).click();
    await waitForResult(drive, drive.getByText('Page 1'));

    expect(stack.sandbox.google.control.revokeGrant({ email: 'ada@example.com' })).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'List Drive files' }).click();
    const problem = drive.getByRole('alert');
    await expect.poll(() => problem.textContent()).toContain('Access to your Google account was removed');
    const banner = card(page).getByRole('alert');
    await expect.poll(() => banner.textContent()).toContain('Google needs you to reconnect');
    expect(await banner.textContent()).toContain('Access to your Google account was removed');
    await expectStatus(page, 'Needs reconnect');
    await session.snap('1 banner after revocation');

    await banner.getByRole('button', { name: 'Reconnect Google' }).click();
    await answerGoogle(page, {
      account: 'ada@example.com',
      tick: [CONSENT_LABEL.drive],
      snap: (step) => session.snap(`2 ${step}`),
    });
    await expectNotice(page, 'Google reconnected as ada@example.com.');
    await expectStatus(page, 'Connected');
    expect(await card(page).getByRole('alert').isVisible()).toBe(false);
    await page.getByRole('button', { name: 'List Drive files' }).click();
    await waitForResult(drive, drive.getByText('Page 1'));
    await session.snap('3 reconnected, drive works');
  });
});
