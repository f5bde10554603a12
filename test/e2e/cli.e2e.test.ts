import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../../src/core/keyring.js';
import { type ClerkEmulator, startClerkEmulator } from '../../src/sandbox/clerk/index.js';
import { type GoogleEmulator, startGoogleEmulator } from '../../src/sandbox/google/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
/**
 * A build of this test's own (dist/ and bin/), inside node_modules so the packages resolve:
 * a suite running beside this one, or `npm start` in this checkout, rebuilds ./dist and must never be caught
 * half-written.
 */
mkdirSync(join(ROOT, 'node_modules', '.cache'), { recursive: true });
const BUILD = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'tokenbridge-cli-e2e-'));
const BIN = join(BUILD, 'bin', 'tokenbridge.js');

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Spawns the built CLI in `cwd` with only the given variables (plus PATH), as a fresh shell would. */
function tokenbridge(args: string[], env: Record<string, string>, cwd: string): Run {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', CLERK_TELEMETRY_DISABLED: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Resolves with stdout once `pattern` appears in it; rejects if the process exits first. */
function waitForOutput(run: Run, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolvePromise, reject) => {
    const check = () => {
      const match = run.stdout().match(pattern);
      if (match) {
        run.child.stdout?.off('data', check);
        resolvePromise(match);
      }
    };
    run.child.stdout?.on('data', check);
    run.exited.then((code) =>
      reject(new Error(`tokenbridge exited with ${code} before printing ${pattern}: ${run.stderr()}`)),
    );
    check();
  });
}

let dir: string;
const running: Run[] = [];
beforeAll(() => {
  // `npm start` builds first (when the sources changed); the test runs the same build, then the bin.
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--out-dir', join(BUILD, 'dist')], { cwd: ROOT });
  mkdirSync(join(BUILD, 'bin'));
  copyFileSync(join(ROOT, 'bin', 'tokenbridge.js'), BIN);
});
afterAll(() => rmSync(BUILD, { recursive: true, force: true }));
afterEach(async () => {
  for (const run of running.splice(0)) {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    await run.exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the tokenbridge command', () => {
  it('`start` with no configuration runs the sandbox, prints the URLs, answers /healthz and stops on SIGTERM', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tb-cli-'));
    const run = tokenbridge(['start'], { PORT: '0', SANDBOX_GOOGLE_PORT: '0', SANDBOX_CLERK_PORT: '0' }, dir);
    running.push(run);
    await waitForOutput(run, /Press Ctrl\+C to stop\./);
    const out = run.stdout();
    const bridge = /Bridge\s+http:\/\/localhost:(\d+)/.exec(out);
    const google = /Google emulator\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
    const clerk = /Clerk emulator\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
    expect(bridge && google && clerk).toBeTruthy();
    expect(out).toMatch(/Sign in\s+http:\/\/127\.0\.0\.1:\d+\/sign-in/);
    expect(out).toContain('SQLite ./data/tokenbridge.db');

    for (const url of [`http://127.0.0.1:${bridge![1]}`, google![1]]) {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    }
    // The Clerk emulator answers too (its publishable key names it).
    expect((await fetch(`${clerk![1]}/v1/environment`)).status).toBeLessThan(500);
    expect((await fetch(`http://127.0.0.1:${bridge![1]}/readyz`)).status).toBe(200);
    // The generated key is announced as a warning, and kept for the next start.
    expect(run.stdout() + run.stderr()).toContain('sandbox: using a generated encryption key');

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('`sandbox` runs only the emulators and prints the credentials another app needs', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tb-cli-'));
    const run = tokenbridge(['sandbox'], { SANDBOX_GOOGLE_PORT: '0', SANDBOX_CLERK_PORT: '0' }, dir);
    running.push(run);
    await waitForOutput(run, /Press Ctrl\+C to stop\./);
    const out = run.stdout();
    expect(out).not.toMatch(/Bridge\s+http/);
    const google = /GOOGLE_BASE_URL=(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
    expect((await fetch(`${google![1]}/healthz`)).status).toBe(200);
    expect(out).toMatch(/CLERK_SECRET_KEY=sk_test_\w+/);
    expect(out).toMatch(/CLERK_PROXY_URL=http:\/\/localhost:\d+/);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('`sandbox --write-env` writes what a Next.js app needs into its dotenv file, keeping the app’s own lines', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tb-cli-'));
    const envFile = join(dir, '.env.local');
    writeFileSync(envFile, 'MY_OWN=kept\nCLERK_SECRET_KEY=sk_test_old\n');
    const env = {
      SANDBOX_GOOGLE_PORT: '0',
      SANDBOX_CLERK_PORT: '0',
      PUBLIC_URL: 'http://localhost:3000/api/tokenbridge',
    };
    const run = tokenbridge(['sandbox', '--write-env', envFile], env, dir);
    running.push(run);
    await waitForOutput(run, /Press Ctrl\+C to stop\./);
    const file = Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const clerk = /CLERK_API_URL=(http:\/\/127\.0\.0\.1:\d+)/.exec(run.stdout())![1]!;
    // The browser reaches the emulator under the app's loopback name, so the two are one site for cookies.
    const browserClerk = clerk.replace('127.0.0.1', 'localhost');
    expect(file).toMatchObject({
      MY_OWN: 'kept',
      APP_URL: 'http://localhost:3000',
      CLERK_API_URL: clerk,
      NEXT_PUBLIC_CLERK_PROXY_URL: browserClerk,
      NEXT_PUBLIC_CLERK_JS_URL: `${browserClerk}/npm/@clerk/clerk-js@6/dist/clerk.browser.js`,
      CLERK_PROXY_URL: browserClerk,
      GOOGLE_CLIENT_ID: expect.stringMatching(/\.apps\.googleusercontent\.com$/),
    });
    expect(file.CLERK_SECRET_KEY).toMatch(/^sk_test_\w+$/);
    expect(file.CLERK_SECRET_KEY).not.toBe('sk_test_old');
    expect(file.NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY).toBe(file.CLERK_PUBLISHABLE_KEY);
    expect(() => Keyring.parse(file.TOKENBRIDGE_ENCRYPTION_KEYS ?? '')).not.toThrow();
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    // The app's Google callback is registered at the emulator: Google's consent accepts it.
    expect(run.stdout()).toContain('Google callback   http://localhost:3000/api/tokenbridge/oauth/google/callback');
    const google = /GOOGLE_BASE_URL=(http:\/\/127\.0\.0\.1:\d+)/.exec(run.stdout())![1]!;
    const consent = await fetch(
      `${google}/o/oauth2/v2/auth?${new URLSearchParams({
        client_id: file.GOOGLE_CLIENT_ID ?? '',
        redirect_uri: 'http://localhost:3000/api/tokenbridge/oauth/google/callback',
        response_type: 'code',
        scope: 'openid email',
      })}`,
      { redirect: 'manual' },
    );
    expect(consent.status).toBe(200);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('the sandbox keeps its Clerk instance across a restart of the process, and `--fresh` starts clean', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tb-cli-'));
    const env = { SANDBOX_GOOGLE_PORT: '0', SANDBOX_CLERK_PORT: '0' };
    /** Runs `sandbox` until it is up; returns its secret key, its Clerk URL and the process. */
    const up = async (args: string[]) => {
      const run = tokenbridge(['sandbox', ...args], env, dir);
      running.push(run);
      await waitForOutput(run, /Press Ctrl\+C to stop\./);
      const secretKey = /CLERK_SECRET_KEY=(sk_test_\w+)/.exec(run.stdout())![1]!;
      const clerk = /CLERK_API_URL=(http:\/\/127\.0\.0\.1:\d+)/.exec(run.stdout())![1]!;
      return { run, secretKey, clerk };
    };
    const usersNamed = async (clerk: string, secretKey: string, email: string) => {
      const response = await fetch(`${clerk}/v1/users?email_address=${encodeURIComponent(email)}`, {
        headers: { authorization: `Bearer ${secretKey}` },
      });
      return ((await response.json()) as Array<{ id: string }>).map((u) => u.id);
    };
    const stop = async ({ run }: { run: Run }) => {
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    };

    const first = await up([]);
    expect(first.run.stdout()).toContain('Sandbox state     ./data (kept across restarts; --fresh starts clean)');
    const created = await fetch(`${first.clerk}/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${first.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email_address: ['kept@example.com'] }),
    });
    const { id } = (await created.json()) as { id: string };
    await stop(first);

    const second = await up([]);
    expect(second.secretKey).toBe(first.secretKey);
    expect(await usersNamed(second.clerk, second.secretKey, 'kept@example.com')).toEqual([id]);
    await stop(second);

    const fresh = await up(['--fresh']);
    expect(fresh.secretKey).not.toBe(first.secretKey);
    expect(await usersNamed(fresh.clerk, fresh.secretKey, 'kept@example.com')).toEqual([]);
    await stop(fresh);
  }, 240_000); // a bound on failure only: three starts of the process, on a machine that may be running two suites

  it('refuses an unknown option, and --fresh outside the sandbox', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tb-cli-'));
    const unknown = tokenbridge(['start', '--frsh'], {}, dir);
    running.push(unknown);
    expect(await unknown.exited).toBe(2);
    expect(unknown.stderr()).toContain('unknown option "--frsh" (accepted: [--fresh]');
    const envFileOnStart = tokenbridge(['start', '--write-env', '.env'], {}, dir);
    running.push(envFileOnStart);
    expect(await envFileOnStart.exited).toBe(2);
    expect(envFileOnStart.stderr()).toContain('unknown option "--write-env"');
    const production = tokenbridge(
      ['start', '--fresh'],
      {
        CLERK_SECRET_KEY: 'sk_test_x',
        GOOGLE_CLIENT_ID: 'x.apps.googleusercontent.com',
        GOOGLE_CLIENT_SECRET: 'GOCSPX-x',
        TOKENBRIDGE_ENCRYPTION_KEYS: Keyring.generate('k1'),
      },
      dir,
    );
    running.push(production);
    expect(await production.exited).toBe(2);
    expect(production.stderr()).toContain('--fresh');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://localhost/db' }, 'DATABASE_URL'],
    [{ TOKEN_SOURCE: 'both' }, 'TOKEN_SOURCE'],
    [{ SANDBOX_CLERK_PORT: '99999' }, 'SANDBOX_CLERK_PORT'],
  ])('an invalid value stops start-up with a message naming the variable (%o)', async (env, variable) => {
    dir = mkdtempSync(join(tmpdir(), 'tb-cli-'));
    const run = tokenbridge(['start'], env, dir);
    running.push(run);
    expect(await run.exited).toBe(78);
    expect(run.stderr()).toContain(`configuration error: ${variable}:`);
  });

  it('setting only some real credentials names every missing one', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tb-cli-'));
    const run = tokenbridge(['start'], { GOOGLE_CLIENT_ID: 'x.apps.googleusercontent.com' }, dir);
    running.push(run);
    expect(await run.exited).toBe(78);
    for (const name of ['CLERK_SECRET_KEY', 'GOOGLE_CLIENT_SECRET', 'TOKENBRIDGE_ENCRYPTION_KEYS']) {
      expect(run.stderr()).toContain(name);
    }
  });

  it('SIGTERM while it is still starting (here, waiting on its database) ends it at once with 0', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tb-cli-'));
    // A "database" that accepts the connection and never answers: start-up stays at its first query for as long as
    // the test likes, so the signal surely lands mid-start.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const connected = new Promise<void>((done) => silent.once('connection', () => done()));
    const run = tokenbridge(
      ['start'],
      {
        PORT: '0',
        CLERK_SECRET_KEY: 'sk_test_unused',
        GOOGLE_CLIENT_ID: 'bridge-client',
        GOOGLE_CLIENT_SECRET: 'bridge-secret',
        TOKENBRIDGE_ENCRYPTION_KEYS: Keyring.generate('prod'),
        DATABASE_URL: `postgres://postgres@127.0.0.1:${(silent.address() as AddressInfo).port}/tokenbridge`,
      },
      dir,
    );
    running.push(run);
    try {
      await connected;
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(run.stdout()).not.toContain('Press Ctrl+C to stop.');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((done) => silent.close(() => done()));
    }
  });

  it('`migrate` applies the migrations and exits', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tb-cli-'));
    const run = tokenbridge(['migrate'], { DATABASE_URL: join(dir, 'db', 'tb.db') }, dir);
    running.push(run);
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toContain('Migrations applied');
  });
});

describe('production configuration', () => {
  let google: GoogleEmulator;
  let clerk: ClerkEmulator;
  beforeAll(async () => {
    google = await startGoogleEmulator();
    clerk = await startClerkEmulator({
      google: { url: google.url, clientId: 'clerk-client', clientSecret: 'clerk-secret' },
    });
  });
  afterAll(async () => {
    await clerk?.close();
    await google?.close();
  });

  it('with real CLERK_* and GOOGLE_* variables the same binary starts no emulator and verifies sessions by JWKS', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tb-cli-'));
    const run = tokenbridge(
      ['start'],
      {
        PORT: '0',
        PUBLIC_URL: 'http://app.test',
        CLERK_SECRET_KEY: clerk.secretKey,
        CLERK_API_URL: clerk.url,
        CLERK_AUTHORIZED_PARTIES: 'http://app.test',
        GOOGLE_CLIENT_ID: 'bridge-client',
        GOOGLE_CLIENT_SECRET: 'bridge-secret',
        GOOGLE_BASE_URL: google.url,
        TOKENBRIDGE_ENCRYPTION_KEYS: Keyring.generate('prod'),
        DATABASE_URL: join(dir, 'prod.db'),
      },
      dir,
    );
    running.push(run);
    const [, port] = await waitForOutput(run, /Listening on\s+127\.0\.0\.1:(\d+)/);
    expect(run.stdout()).not.toContain('emulator');

    const user = clerk.control.createUser({ email: 'ada@example.com' });
    const session = clerk.control.createSession(user.id);
    const sessionToken = await clerk.control.sessionToken(session.id, { azp: 'http://app.test' });
    const answer = await fetch(`http://127.0.0.1:${port}/api/google-token?scope=drive.readonly`, {
      headers: { authorization: `Bearer ${sessionToken}` },
    });
    expect(answer.status).toBe(409);
    expect(await answer.json()).toMatchObject({
      error: { code: 'not_connected', connectUrl: 'http://app.test/connect/google?scope=drive.readonly' },
    });
    const foreign = await clerk.control.sessionToken(session.id, { azp: 'http://evil.test' });
    const refused = await fetch(`http://127.0.0.1:${port}/api/google-token`, {
      headers: { authorization: `Bearer ${foreign}` },
    });
    expect(refused.status).toBe(401);

    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
  });
});
