import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchBrowser, snap } from '../browser/browser.js';
import { answerGoogle, CONSENT_LABEL } from '../browser/console.js';
import { ROOT, type Started, start } from '../package/packed.js';
import { freePort, readmeCommands } from '../support/readme-commands.js';

// examples/nextjs, run as its README says: the sandbox's emulators started with `--write-env`, then `next build` and
// `next start`, and a person in Chromium signing in with Clerk, connecting Google, seeing Drive files listed by a
// Server Component, adding a scope, and seeing the Reconnect prompt after the grant is revoked at Google. Only the
// ports differ from the README (free ones, so a developer's own sandbox can run beside), and the app's database and
// the sandbox's state live in a temporary folder.

const APP = join(ROOT, 'examples', 'nextjs');
const SUITE = 'nextjs-app';

let work: string;
let sandbox: Started;
let app: Started | undefined;
let browser: Browser;
let appUrl: string;
let googleUrl: string;

beforeAll(async () => {
  const [sandboxLine, cd, buildAndStart] = readmeCommands(join(APP, 'README.md'));
  expect(sandboxLine).toMatch(/^PUBLIC_URL=http:\/\/localhost:3000\/api\/tokenbridge npm run sandbox -- --write-env /);
  expect(cd).toBe('cd examples/nextjs');
  expect(buildAndStart).toBe('npx next build && npx next start --port 3000');

  work = mkdtempSync(join(tmpdir(), 'tb-nextjs-'));
  const port = await freePort();
  appUrl = `http://localhost:${port}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SANDBOX_GOOGLE_PORT: String(await freePort()),
    SANDBOX_CLERK_PORT: String(await freePort()),
    SANDBOX_DATA_DIR: join(work, 'sandbox'),
  };
  sandbox = start('bash', ['-c', sandboxLine!.replaceAll(':3000', `:${port}`)], ROOT, env);
  googleUrl = (await sandbox.waitFor(/GOOGLE_BASE_URL=(\S+)/))[1]!;
  await sandbox.waitFor(/Press Ctrl\+C to stop\./);

  const appEnv = { PATH: env.PATH, HOME: env.HOME, DATABASE_URL: join(work, 'app.db') };
  const build = start('bash', ['-c', 'npx next build'], APP, appEnv);
  const built = await build.exited;
  expect(built, `next build failed:\n${build.stdout()}\n${build.stderr()}`).toBe(0);
  const serve = buildAndStart!.split(' && ')[1]!.replace('3000', String(port));
  app = start('bash', ['-c', serve], APP, appEnv);
  await app.waitFor(/Ready in/);
  browser = await launchBrowser();
}, 600_000); // a bound on failure only: `next build` takes about 30 s alone on 2 cores, minutes on a busy machine

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await sandbox?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Signs up with Clerk's own <SignUp/>, loaded from the Clerk emulator: the address, then Clerk's test code. */
async function signUp(page: Page, email: string): Promise<void> {
  await page.goto(`${appUrl}/`);
  await page.getByRole('link', { name: 'Sign up' }).click();
  await page.getByLabel('Email address').fill(email);
  await snap(page, SUITE, '0 clerk sign-up');
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
  await page.getByRole('heading', { name: 'Verify your email' }).waitFor();
  await page.keyboard.type('424242');
  await page.getByRole('heading', { name: 'Drive files' }).waitFor();
}

describe('examples/nextjs against the sandbox, in Chromium', () => {
  it('signs up with Clerk’s components, connects Google, lists Drive files, adds Gmail, and offers Reconnect after a revoke', async () => {
    const page = await browser.newPage();
    await signUp(page, 'ada+clerk_test@example.com');
    await snap(page, SUITE, '1 signed in, not connected');

    await page.getByRole('button', { name: 'Connect Google' }).first().click();
    await answerGoogle(page, { account: 'ada@example.com', tick: [CONSENT_LABEL.drive] });
    const drive = page.getByRole('region', { name: 'Drive files' });
    await drive.getByRole('listitem').first().waitFor();
    expect(await drive.getByRole('listitem').count()).toBeGreaterThan(0);
    await snap(page, SUITE, '2 drive files');
    // The Pages Router's API route reads the same Drive for the user getAuth(req) names.
    // As the page's own code would, it asks once clerk-js has loaded the session (and set the session cookie).
    await page.waitForFunction(() => {
      const clerk = (window as unknown as { Clerk?: { loaded?: boolean; session?: unknown } }).Clerk;
      return clerk?.loaded === true && Boolean(clerk.session);
    });
    const fromPages = await page.evaluate(() => fetch('/api/drive-files').then((r) => r.json()));
    expect(fromPages).toMatchObject({
      files: expect.arrayContaining([expect.objectContaining({ name: expect.any(String) })]),
    });

    const gmail = page.getByRole('region', { name: 'Gmail labels' });
    await gmail.getByRole('button', { name: 'Allow access' }).click();
    await answerGoogle(page, { account: 'ada@example.com', tick: [CONSENT_LABEL.gmail] });
    await gmail.getByRole('listitem', { name: undefined }).filter({ hasText: 'INBOX' }).waitFor();
    await snap(page, SUITE, '3 gmail added');

    const revoked = await fetch(`${googleUrl}/__emulator/grants/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com' }),
    });
    expect(((await revoked.json()) as { revoked: number }).revoked).toBeGreaterThan(0);
    await page.reload();
    await drive.getByRole('alert').filter({ hasText: 'Google no longer gives this app access' }).waitFor();
    await drive.getByRole('button', { name: 'Reconnect Google' }).waitFor();
    await snap(page, SUITE, '4 reconnect');
  });
});
