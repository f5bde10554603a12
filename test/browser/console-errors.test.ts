import { describe, expect, it } from 'vitest';
import {
  answerGoogle,
  CONSENT_LABEL,
  consoleSessions,
  expectNotice,
  signInAndConnect,
  signInByEmail,
  waitForResult,
} from './console.js';

// Every failure in the try-it panels is said in plain words, next to the button that fixes it.

const openConsole = consoleSessions();

describe('the console: errors in plain words, with the fix', () => {
  it('before connecting: "not connected yet", and its Connect Google button connects', async () => {
    const session = await openConsole('error not connected');
    const { page } = session;
    await signInByEmail(page, 'early@example.com');
    const drive = page.getByRole('region', { name: 'Drive files' });
    await page.getByRole('button', { name: 'List Drive files' }).click();
    const problem = drive.getByRole('alert');
    await expect.poll(() => problem.textContent()).toContain('Your Google account is not connected yet.');
    await session.snap('1 not connected');
    await problem.getByRole('button', { name: 'Connect Google' }).click();
    await answerGoogle(page, { account: 'ada@example.com' });
    await expectNotice(page, 'Google connected as ada@example.com.');
  });

  it('a scope never granted: "no permission for Gmail yet", and Allow asks for exactly that', async () => {
    const session = await openConsole('error scopes missing');
    const { page } = session;
    await signInAndConnect(session, 'mail@example.com', 'grace@example.com');
    const gmail = page.getByRole('region', { name: 'Gmail labels' });
    await page.getByRole('button', { name: 'List Gmail labels' }).click();
    const problem = gmail.getByRole('alert');
    await expect
      .poll(() => problem.textContent())
      .toContain('You have not given permission for Gmail (read-only) yet.');
    await session.snap('1 gmail scope missing');
    await problem.getByRole('button', { name: 'Allow Gmail (read-only)' }).click();
    await answerGoogle(page, { account: 'grace@example.com', tick: [CONSENT_LABEL.gmail] });
    await expectNotice(page, 'Access added: Gmail (read-only).');
    await page.getByRole('button', { name: 'List Gmail labels' }).click();
    await waitForResult(gmail, gmail.getByText('INBOX'));
    // The "use it from your app" panel shows the calls for what the page just did.
    const use = page.getByRole('region', { name: 'Use it from your app' });
    expect(await use.textContent()).toContain("bridge.getGoogleToken(['gmail.readonly'])");
    expect(await use.textContent()).toContain('google-token?scope=gmail.readonly');
    await session.snap('2 gmail labels');
  });

  it('Google rate-limiting: says how long to wait, and Try again works once Google answers', async () => {
    const session = await openConsole('error rate limited');
    const { page, stack } = session;
    await signInAndConnect(session, 'busy@example.com', 'linus@acme.test');
    await page.getByRole('button', { name: 'Add Google Drive' }).click();
    await answerGoogle(page, { account: 'linus@acme.test', tick: [CONSENT_LABEL.drive] });
    await expectNotice(page, 'Access added: Google Drive (read-only).');

    stack.sandbox.google.control.injectFault({
      endpoint: '/drive/v3/files',
      status: 429,
      retryAfterSeconds: 7,
      times: 1,
    });
    const drive = page.getByRole('region', { name: 'Drive files' });
    await page.getByRole('button', { name: 'List Drive files' }).click();
    const problem = drive.getByRole('alert');
    await expect
      .poll(() => problem.textContent())
      .toContain('Google is limiting how fast this account can make requests.');
    expect(await problem.textContent()).toContain('Try again in 7 seconds.');
    await session.snap('1 rate limited');
    await problem.getByRole('button', { name: 'Try again' }).click();
    await waitForResult(drive, drive.getByText('Page 1'));
    await session.snap('2 after try again');
  });
});
