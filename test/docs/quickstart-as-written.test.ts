import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchBrowser, snap } from '../browser/browser.js';
import { ROOT, type Started, start } from '../package/packed.js';
import { until } from '../support/patience.js';
import { freePort } from '../support/readme-commands.js';

// docs/quickstart.md followed as a newcomer reads it: `npm start` (its printout compared with the page's), the steps
// of section 2 done in Chromium by pressing the buttons the page names in bold, in its order, and every `curl` line of
// section 3 run as written by bash, its answer compared with the `# <status> <body>` line under it. Only the ports and
// the data folder differ (free ones, a temporary folder), so a developer's own sandbox can run beside.

const DOC = readFileSync(join(ROOT, 'docs', 'quickstart.md'), 'utf8');
const SUITE = 'quickstart as written';

function section(title: string): string {
  const from = DOC.indexOf(`## ${title}`);
  const to = DOC.indexOf('\n## ', from + 1);
  return DOC.slice(from, to === -1 ? undefined : to);
}

/** The sample answer of a `# 200 {…}` line: `…` inside a string, `[…]`, `{…}` and a trailing `,…` match anything. */
function matchesSample(actual: unknown, sample: unknown, path = '$'): string[] {
  if (sample === '__ANY_ARRAY__') return Array.isArray(actual) ? [] : [`${path}: not an array`];
  if (sample === '__ANY_OBJECT__') return actual && typeof actual === 'object' ? [] : [`${path}: not an object`];
  if (typeof sample === 'string' && sample.includes('…')) {
    const [head = '', tail = ''] = sample.split('…');
    return typeof actual === 'string' && actual.startsWith(head) && actual.endsWith(tail)
      ? []
      : [`${path}: ${JSON.stringify(actual)} is not ${sample}`];
  }
  if (sample && typeof sample === 'object' && !Array.isArray(sample)) {
    if (!actual || typeof actual !== 'object') return [`${path}: not an object`];
    const { __more__: more, ...keys } = sample as Record<string, unknown>;
    const problems = Object.entries(keys).flatMap(([key, value]) =>
      matchesSample((actual as Record<string, unknown>)[key], value, `${path}.${key}`),
    );
    const extra = Object.keys(actual).filter((key) => !(key in keys));
    if (!more && extra.length > 0) problems.push(`${path}: keys the page does not show: ${extra.join(', ')}`);
    return problems;
  }
  return JSON.stringify(actual) === JSON.stringify(sample)
    ? []
    : [`${path}: ${JSON.stringify(actual)} is not ${JSON.stringify(sample)}`];
}

function parseSample(body: string): unknown {
  return JSON.parse(
    body
      .replaceAll('[…]', '"__ANY_ARRAY__"')
      .replaceAll('{…}', '"__ANY_OBJECT__"')
      .replaceAll(',…}', ',"__more__":true}'),
  );
}

let work: string;
let bridge: Started;
let browser: Browser;
let page: Page;
const ports = { bridge: 0, google: 0, clerk: 0 };
const API_KEY = 'quickstart0123456789abcdef0123456789abcdef0123';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tb-quickstart-'));
  ports.bridge = await freePort();
  ports.google = await freePort();
  ports.clerk = await freePort();
  // The page starts `npm start` twice (the second time with an API key); one start with the key serves both parts.
  bridge = start('npm', ['start'], ROOT, {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(ports.bridge),
    SANDBOX_GOOGLE_PORT: String(ports.google),
    SANDBOX_CLERK_PORT: String(ports.clerk),
    SANDBOX_DATA_DIR: join(work, 'data'),
    DATABASE_URL: join(work, 'data', 'tokenbridge.db'),
    TOKENBRIDGE_API_KEYS: `backend:${API_KEY}`,
  });
  await bridge.waitFor(/Press Ctrl\+C to stop\./);
  browser = await launchBrowser();
  page = await browser.newPage();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await bridge?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('docs/quickstart.md, as written', () => {
  it('1. npm start prints what the page shows', () => {
    const shown = /```text\n([\s\S]*?)```/.exec(section('1. Start it'))![1]!;
    const expected = shown
      .replaceAll(':3000', `:${ports.bridge}`)
      .replaceAll('%3A3000', `%3A${ports.bridge}`)
      .replaceAll(':3001', `:${ports.google}`)
      .replaceAll(':3002', `:${ports.clerk}`)
      .replaceAll('./data/tokenbridge.db', join(work, 'data', 'tokenbridge.db'))
      .replace(/Sandbox state {5}\.\/data/, `Sandbox state     ${join(work, 'data')}`)
      .replace(/pk_test_\S+/, 'pk_test_<key>');
    const printed = bridge.stdout().replace(/pk_test_\S+/, 'pk_test_<key>');
    for (const line of expected.split('\n').filter((l) => l.trim() !== '')) {
      expect(printed, `npm start did not print: ${line}`).toContain(line);
    }
  });

  it('2. signs in, connects Google and lists Drive files by pressing the bold words in order', async () => {
    const steps = section('2. Sign in, connect Google, see Drive files');
    const list = steps.slice(steps.indexOf('1. Open'), steps.indexOf('**Connect with popup**'));
    const bold = [...list.matchAll(/\*\*(.+?)\*\*/g)].map((m) => m[1]!);
    expect(bold).toEqual([
      'Continue',
      'Connect Google',
      'Ada Lovelace',
      'Allow',
      'Add Google Drive',
      'See and download all your Google Drive files',
      'Allow',
      'List Drive files',
    ]);
    const email = /say `([^`]+)`/.exec(list)![1]!;
    // The page's mailbox, at the emulator's port: the code Clerk "emailed" is read there, as a person would.
    const mailbox = /`(http:\/\/127\.0\.0\.1:3002\/__emulator\/email-codes)`/
      .exec(list)![1]!
      .replace(':3002', `:${ports.clerk}`);
    const codes = async () =>
      (
        (await (await fetch(`${mailbox}?email_address=${encodeURIComponent(email)}`)).json()) as {
          data: Array<{ code: string }>;
        }
      ).data.map((sent) => sent.code);
    await page.goto(`http://localhost:${ports.bridge}`);
    await page.getByLabel('Email address').fill(email);
    for (const [i, words] of bold.entries()) {
      if (i === 1) {
        // After Continue, Clerk asks for the code it emailed: "type it in and you are signed in".
        await page.getByRole('heading', { name: /^(Check|Verify) your email$/ }).waitFor();
        const sent = await until(codes, (list) => list.length > 0);
        await snap(page, SUITE, 'code');
        await page.keyboard.type(sent[sent.length - 1]!);
      }
      const target = page
        .getByRole('button', { name: words, exact: true })
        .or(page.getByRole('button', { name: new RegExp(`^${words}\\b`) }))
        .or(page.getByRole('checkbox', { name: words }))
        .first();
      await target.waitFor();
      await snap(page, SUITE, `${i + 1} ${words}`);
      if ((await target.getAttribute('type')) === 'checkbox') await target.check();
      else await target.click();
    }
    const drive = page.getByRole('region', { name: 'Drive files' });
    await drive.getByText('Page 1').waitFor();
    await snap(page, SUITE, 'drive files');
  });

  it('3. every curl line answers what the page shows under it', async () => {
    const session = await page.evaluate(() =>
      (window as unknown as { Clerk: { session: { getToken(): Promise<string> } } }).Clerk.session.getToken(),
    );
    const userId = await page.evaluate(() => (window as unknown as { Clerk: { user: { id: string } } }).Clerk.user.id);
    const blocks = [...section('3. Get a token').matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const env = {
      PATH: process.env.PATH,
      BRIDGE: `http://localhost:${ports.bridge}`,
      SESSION: session,
      API_KEY,
      USER_ID: userId,
    };
    let ran = 0;
    for (const block of blocks) {
      const lines = block.split('\n');
      for (const [i, line] of lines.entries()) {
        if (!line.startsWith('curl ')) continue;
        const answer = /^# (\d{3})(?: (.*))?$/.exec(lines[i + 1] ?? '');
        expect(answer, `no "# <status> <body>" line under: ${line}`).not.toBeNull();
        const out = execFileSync('bash', ['-c', `${line} -w '\\n%{http_code}'`], { env, encoding: 'utf8' });
        const status = out.slice(out.lastIndexOf('\n') + 1);
        const body = out.slice(0, out.lastIndexOf('\n'));
        expect(status, line).toBe(answer![1]);
        if (answer![2]) expect(matchesSample(JSON.parse(body), parseSample(answer![2])), line).toEqual([]);
        ran++;
      }
    }
    expect(ran).toBeGreaterThanOrEqual(6);
  });
});
