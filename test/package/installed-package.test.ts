import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type * as GoogleSandbox from '../../src/sandbox/google/index.js';
import { launchBrowser } from '../browser/browser.js';
import { installInto, npmEnv, type Packed, pack, ROOT, type Started, start } from './packed.js';

/**
 * The package as a user gets it: `npm pack` (its `prepack` builds), installed into an empty project with production
 * dependencies only and no network, then used through every entry point, its bin and its browser client.
 */

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, 'consumer');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'package');

let work: string;
let project: string;
let packed: Packed;
const running: Started[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tb-package-'));
  packed = await pack(work);
  project = join(work, 'project');
  await installInto(project, packed.tarball, ['@clerk/backend']);
  for (const file of ['server.ts', 'adapters.ts', 'browser.ts', 'app.mjs'])
    copyFileSync(join(FIXTURES, file), join(project, file));
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(
    join(ARTIFACTS, 'tarball.json'),
    `${JSON.stringify({ bytes: packed.size, unpackedBytes: packed.unpackedSize, files: packed.files.length }, null, 2)}\n`,
  );
}, 600_000); // a bound on failure only: a full build and an install, on a machine that may be running two suites

afterEach(async () => {
  for (const started of running.splice(0)) await started.stop('SIGKILL');
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs a command in the project as its user would, with no network, and the tokenbridge processes' quiet logs. */
function inProject(command: string, args: string[], env: Record<string, string> = {}): Started {
  const started = start(
    command,
    args,
    project,
    npmEnv({ LOG_LEVEL: 'warn', CLERK_TELEMETRY_DISABLED: '1', PORT: '0', ...env }),
  );
  running.push(started);
  return started;
}

async function postJson<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status, `${url}: ${await response.clone().text()}`).toBeLessThan(300);
  return (await response.json()) as T;
}

/** A Clerk user with a session, and a session token for `origin`, through the Clerk emulator's control API. */
async function signIn(clerkUrl: string, email: string, origin: string): Promise<{ userId: string; token: string }> {
  const user = await postJson<{ id: string }>(`${clerkUrl}/__emulator/users`, { email });
  const session = await postJson<{ id: string }>(`${clerkUrl}/__emulator/sessions`, { userId: user.id });
  const { jwt } = await postJson<{ jwt: string }>(`${clerkUrl}/__emulator/sessions/${session.id}/token`, {
    azp: origin,
  });
  return { userId: user.id, token: jwt };
}

describe('the packed package', () => {
  it('holds the built code with its declarations, the web assets, the bin and the docs, and nothing else', () => {
    const files = packed.files;
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'bin/tokenbridge.js',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/client/index.js',
        'dist/client/index.d.ts',
        'dist/fastify/index.d.ts',
        'dist/express/index.d.ts',
        'dist/next/index.d.ts',
        'dist/sandbox/google/index.d.ts',
        'dist/sandbox/clerk/index.d.ts',
        'dist/cli/main.js',
        'dist/web/index.html',
        'dist/web/console.js',
        'dist/web/console.css',
        'dist/sandbox/google/gsi/client.js',
        'docs/production.md',
        'docs/quickstart.md',
        'deploy/tokenbridge.service',
        'deploy/nginx.conf',
        'deploy/Caddyfile',
      ]),
    );
    const outside = files.filter(
      (file) => !/^(dist|bin|docs|deploy)\//.test(file) && !['package.json', 'README.md', 'LICENSE'].includes(file),
    );
    expect(outside).toEqual([]);
    // No TypeScript sources, tests, source maps or build stamps: declarations only.
    expect(files.filter((file) => /\.test\.|\.map$|(?<!\.d)\.ts$|\.build-stamp/.test(file))).toEqual([]);
    // Every export and the bin point at files the tarball has.
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules', 'tokenbridge', 'package.json'), 'utf8'));
    const targets = Object.values(manifest.exports as Record<string, string | Record<string, string>>).flatMap(
      (entry) => (typeof entry === 'string' ? [entry] : Object.values(entry)),
    );
    for (const target of [...targets, ...Object.values(manifest.bin as Record<string, string>)]) {
      expect(files, target).toContain(target.replace(/^\.\//, ''));
    }
  });

  it('installs with production dependencies only, and each entry point loads in Node', async () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const devOnly = Object.entries(lock.packages)
      .filter(([path, entry]) => path.startsWith('node_modules/') && entry.dev === true)
      .map(([path]) => path);
    expect(devOnly).toEqual(expect.arrayContaining(['node_modules/typescript', 'node_modules/tsx']));
    expect(devOnly.filter((path) => existsSync(join(project, path)))).toEqual([]);

    const script = `
      const entries = ['tokenbridge', 'tokenbridge/client', 'tokenbridge/sandbox/google', 'tokenbridge/sandbox/clerk',
        'tokenbridge/fastify', 'tokenbridge/next'];
      const loaded = {};
      for (const entry of entries) loaded[entry] = Object.keys(await import(entry)).sort();
      const { createTokenbridgeHandlers } = await import('tokenbridge/next');
      const handlers = createTokenbridgeHandlers({
        config: { publicUrl: 'https://app.example.com/api/tokenbridge', google: { clientId: 'client' } },
        bridge: {}, store: { health: async () => ({ database: 'ok', locks: 'ok', changeFeed: 'ok' }) },
      });
      const missing = await handlers.googleToken(['drive.readonly']).then(() => null, (e) => ({ code: e.code, message: e.message }));
      await handlers.close();
      console.log(JSON.stringify({ loaded, missing }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project });
    const { loaded, missing } = JSON.parse(stdout) as {
      loaded: Record<string, string[]>;
      missing: { code: string; message: string } | null;
    };
    expect(loaded.tokenbridge).toEqual(expect.arrayContaining(['createTokenBridge', 'openStore', 'Keyring']));
    expect(loaded['tokenbridge/client']).toEqual(expect.arrayContaining(['createTokenbridgeClient']));
    expect(loaded['tokenbridge/sandbox/google']).toEqual(
      expect.arrayContaining(['startGoogleEmulator', 'completeConsent']),
    );
    // The Next adapter loads without next or @clerk/nextjs installed: it imports @clerk/nextjs only when first asked.
    expect(loaded['tokenbridge/next']).toEqual(expect.arrayContaining(['createTokenbridgeHandlers']));
    // …and asked for a user without it, it says what is missing.
    expect(missing).toEqual({
      code: 'configuration_error',
      message: 'tokenbridge/next needs @clerk/nextjs installed, or an `auth` option.',
    });
    expect(loaded['tokenbridge/fastify']).toEqual(expect.arrayContaining(['tokenbridgePlugin', 'googleToken']));
    expect(loaded['tokenbridge/sandbox/clerk']).toEqual(
      expect.arrayContaining(['startClerkEmulator', 'signInByEmail']),
    );
  });

  it("typechecks a consumer's server and page code against the declarations, library checks included", async () => {
    const compilerOptions = {
      target: 'ES2023',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: false,
    };
    writeFileSync(
      join(project, 'tsconfig.server.json'),
      JSON.stringify({
        compilerOptions: { ...compilerOptions, lib: ['ES2023'], types: ['node'] },
        files: ['server.ts', 'adapters.ts'],
      }),
    );
    // The page: the DOM and no Node types, so the client's declarations must need nothing from Node.
    writeFileSync(
      join(project, 'tsconfig.browser.json'),
      JSON.stringify({
        compilerOptions: { ...compilerOptions, lib: ['ES2023', 'DOM'], types: [] },
        files: ['browser.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
    for (const config of ['tsconfig.server.json', 'tsconfig.browser.json']) {
      const checked = await run(tsc, ['-p', config], { cwd: project }).then(
        () => '',
        (error: { stdout?: string }) => error.stdout ?? String(error),
      );
      expect(checked, config).toBe('');
    }
  });

  it('`npx tokenbridge start` runs the sandbox with no build and hands out a token after sign-in and consent', async () => {
    const started = inProject('npx', ['tokenbridge', 'start'], { SANDBOX_GOOGLE_PORT: '0', SANDBOX_CLERK_PORT: '0' });
    await started.waitFor(/Press Ctrl\+C to stop\./);
    const out = started.stdout();
    const bridge = /Bridge\s+(http:\/\/localhost:\d+)/.exec(out)![1]!;
    const google = /Google emulator\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    const clerk = /Clerk emulator\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    expect((await fetch(`${bridge}/healthz`)).status).toBe(200);
    // The console and the Google emulator's script come from the package's dist/.
    const consolePage = await fetch(`${bridge}/`);
    expect(consolePage.status).toBe(200);
    expect(await consolePage.text()).toContain('Tokenbridge console');
    expect((await fetch(`${bridge}/web/console.js`)).status).toBe(200);
    expect((await fetch(`${google}/gsi/client`)).status).toBe(200);

    const ada = await signIn(clerk, 'ada@example.com', bridge);
    const cookie = `__session=${ada.token}`;
    const before = await fetch(`${bridge}/api/google-token?scope=drive.readonly`, { headers: { cookie } });
    expect(before.status).toBe(409);

    // "Connect Google": the bridge's connect URL, Google's consent (the emulator's pages), the callback.
    const connect = await fetch(`${bridge}/connect/google?scope=drive.readonly&return_to=/`, {
      headers: { cookie },
      redirect: 'manual',
    });
    expect(connect.status).toBe(302);
    const { completeConsent } = (await import(
      pathToFileURL(join(project, 'node_modules', 'tokenbridge', 'dist', 'sandbox', 'google', 'index.js')).href
    )) as typeof GoogleSandbox;
    const callback = await completeConsent(connect.headers.get('location')!, { account: 'ada@example.com' });
    const returnCookie = connect.headers.get('set-cookie')?.split(';')[0] ?? '';
    const back = await fetch(callback, { headers: { cookie: `${cookie}; ${returnCookie}` }, redirect: 'manual' });
    expect(back.headers.get('location')).toBe('/?google_connect=connected');

    const answer = await fetch(`${bridge}/api/google-token?scope=drive.readonly`, {
      headers: { authorization: `Bearer ${ada.token}` },
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({
      accessToken: expect.any(String),
      source: 'oauth',
      google: { email: 'ada@example.com' },
    });

    await started.stop();
    // Nothing was built: the project has no TypeScript, and the package no sources to build from.
    expect(existsSync(join(project, 'node_modules', 'tokenbridge', 'src'))).toBe(false);
  }, 120_000);

  it('`npx tokenbridge sandbox` serves another app, whose page imports tokenbridge/client in Chromium', async () => {
    const sandbox = inProject('npx', ['tokenbridge', 'sandbox', '--fresh'], {
      SANDBOX_GOOGLE_PORT: '0',
      SANDBOX_CLERK_PORT: '0',
    });
    await sandbox.waitFor(/Press Ctrl\+C to stop\./);
    expect(sandbox.stdout()).not.toMatch(/Bridge\s+http/);
    // The lines the sandbox prints for another app are its environment.
    const printed = Object.fromEntries(
      [...sandbox.stdout().matchAll(/^\s+([A-Z_]+)=(\S+)$/gm)].map((match) => [match[1]!, match[2]!]),
    );
    for (const name of [
      'CLERK_SECRET_KEY',
      'CLERK_API_URL',
      'GOOGLE_CLIENT_ID',
      'GOOGLE_CLIENT_SECRET',
      'GOOGLE_BASE_URL',
    ]) {
      expect(printed, name).toHaveProperty(name);
    }
    // The installed package's Clerk emulator serves Clerk's own browser builds, which the package carries.
    for (const path of ['/npm/@clerk/clerk-js@6/dist/clerk.browser.js', '/npm/@clerk/ui@1/dist/ui.browser.js']) {
      const script = await fetch(`${printed.CLERK_API_URL}${path}`);
      expect(script.status, path).toBe(200);
      expect(script.headers.get('content-type')).toMatch(/^application\/javascript/);
      expect((await script.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    }
    const app = inProject(process.execPath, ['app.mjs'], printed);
    const appUrl = (await app.waitFor(/App (http:\/\/127\.0\.0\.1:\d+)/))[1]!;

    // Ada signed in with Google at Clerk: Clerk holds her Google token, which the app's bridge reads.
    const ada = await signIn(printed.CLERK_API_URL!, 'ada@example.com', appUrl);
    await postJson(`${printed.CLERK_API_URL}/__emulator/users/${ada.userId}/google`, {
      sub: '100000000000000000042',
      email: 'ada@example.com',
      accessToken: 'ya29.held-by-clerk',
      expiresInSeconds: 3600,
      scopes: ['openid', 'email', 'https://www.googleapis.com/auth/drive.readonly'],
    });

    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const scripts: string[] = [];
      page.on('request', (request) => {
        if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
      });
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('response', (response) => {
        if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
      });
      await page.goto(`${appUrl}/`);
      await page
        .waitForFunction(() => 'createTokenbridgeClient' in window)
        .catch((error: Error) => {
          throw new Error(`${error.message}\n${problems.join('\n')}`);
        });
      expect(scripts).toContain('/modules/tokenbridge/client/index.js');
      const result = await page.evaluate(async (sessionToken) => {
        type Create = (options: { getSessionToken: () => Promise<string> }) => {
          getGoogleToken(scopes: string[]): Promise<unknown>;
        };
        const create = (window as unknown as { createTokenbridgeClient: Create }).createTokenbridgeClient;
        const client = create({ getSessionToken: async () => sessionToken });
        return JSON.parse(JSON.stringify(await client.getGoogleToken(['drive.readonly'])));
      }, ada.token);
      expect(result).toMatchObject({ ok: true, token: { accessToken: 'ya29.held-by-clerk', source: 'clerk' } });
    } finally {
      await browser.close();
    }
  }, 120_000);
});
