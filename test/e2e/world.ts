import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { type Sandbox, startSandbox } from '../../src/cli/sandbox.js';
import type { RunningService } from '../../src/cli/service.js';
import { type LogLevel, parseEnv } from '../../src/config/env.js';
import type { Scheduler } from '../../src/core/retry.js';
import { type BrowserSignIn, signInByEmail } from '../../src/sandbox/clerk/index.js';
import { completeConsent } from '../../src/sandbox/google/index.js';
import { popupCode } from '../core/harness.js';
import { FrozenClock } from '../support/frozen-clock.js';

/** The PostgreSQL the suite runs against; unreachable means the PostgreSQL run fails, never skips. */
export const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const API_KEY = 'e2e-backend-key-0123456789abcdef';
export const BACKENDS = ['sqlite', 'postgres'] as const;
export type Backend = (typeof BACKENDS)[number];

/** Backoff that never sleeps, so retried faults do not slow the suite. */
class InstantScheduler implements Scheduler {
  async sleep(): Promise<void> {}
}

export interface World {
  backend: Backend;
  clock: FrozenClock;
  sandbox: Sandbox;
  service: RunningService;
  /** The bridge's public URL (what Google redirects to and Clerk's `azp`). */
  publicUrl: string;
  /** The SQLite file, for the ciphertext check. */
  dbFile: string | undefined;
  schema: string | undefined;
  /** Every log line the bridge wrote. */
  logs: string[];
  /** Signs a new (or existing) user in at the Clerk emulator, as the browser would. */
  signIn(email: string): Promise<BrowserSignIn>;
  /** A fetch against the bridge, signed in as `who` (Bearer) unless `auth` says otherwise. */
  call(
    path: string,
    options?: { who?: BrowserSignIn; method?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  /**
   * The redirect flow as a browser runs it: `/connect/google` with the session cookie, Google's consent as
   * `account` ticking `grant` (default all), then the callback. Returns where the bridge sent the browser.
   */
  connect(
    who: BrowserSignIn,
    scopes: string[],
    options: { account: string; grant?: string[]; deny?: boolean; returnTo?: string },
  ): Promise<URL>;
  /** The popup (GIS code model) flow: consent with `redirect_uri=postmessage`, then the code. */
  popupCode(scopes: string[], account: string): Promise<string>;
  /** Raw rows of the connections table as text (PostgreSQL), for the ciphertext check. */
  rawConnections(): Promise<string>;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** The bridge's LOG_LEVEL and the captured logger's level. Default info. */
  logLevel?: LogLevel;
  /** Capture the emulators' request logs in `logs` too. */
  emulatorLogs?: boolean;
  /** More environment variables for the bridge (rate limits, CORS origins, …). */
  env?: Record<string, string>;
  /** How long the bridge waits for Google and Clerk before a call counts as timed out. */
  httpTimeoutMs?: number;
}

/** Starts the sandbox exactly as `tokenbridge start` does, on port 0, on SQLite or a fresh PostgreSQL schema. */
export async function startWorld(backend: Backend, options: WorldOptions = {}): Promise<World> {
  const clock = new FrozenClock();
  const dir = mkdtempSync(join(tmpdir(), 'tb-e2e-'));
  const dbFile = backend === 'sqlite' ? join(dir, 'data', 'tokenbridge.db') : undefined;
  const schema = backend === 'postgres' ? `e2e_${randomBytes(5).toString('hex')}` : undefined;
  const logs: string[] = [];
  const logger = pino({ level: options.logLevel ?? 'info' }, { write: (line: string) => void logs.push(line) });
  const env = parseEnv({
    ...options.env,
    ...(options.logLevel ? { LOG_LEVEL: options.logLevel } : {}),
    PORT: '0',
    SANDBOX_GOOGLE_PORT: '0',
    SANDBOX_CLERK_PORT: '0',
    DATABASE_URL: dbFile ?? PG_URL,
    TOKENBRIDGE_API_KEYS: `backend:${API_KEY}`,
  });
  const sandbox = await startSandbox(env, {
    withBridge: true,
    logger,
    clock,
    emulatorClock: clock,
    dataDir: join(dir, 'data'),
    core: {
      scheduler: new InstantScheduler(),
      ...(options.httpTimeoutMs ? { httpTimeoutMs: options.httpTimeoutMs } : {}),
    },
    ...(options.emulatorLogs ? { emulatorLogs: true } : {}),
    ...(schema ? { schema } : {}),
  });
  const service = sandbox.service!;
  const publicUrl = sandbox.config.publicUrl;
  const local = (url: URL | string) => {
    const parsed = new URL(url, publicUrl);
    return `${service.url}${parsed.pathname}${parsed.search}`;
  };

  /** Renews `who`'s session token once the world's clock has passed its `exp`, as clerk-js does before sending one. */
  const keepFresh = async (who: BrowserSignIn) => {
    if (sessionTokenExpiry(who.sessionToken) * 1000 > clock.now()) return;
    const renewed = await who.refreshSessionToken();
    who.appCookieHeader = who.appCookieHeader.replace(`__session=${who.sessionToken}`, `__session=${renewed}`);
    who.sessionToken = renewed;
  };

  const world: World = {
    backend,
    clock,
    sandbox,
    service,
    publicUrl,
    dbFile,
    schema,
    logs,
    async signIn(email) {
      const who = await signInByEmail(sandbox.clerk, email, { redirectUrl: `${publicUrl}/` });
      // Clerk's user.created webhook reaches the bridge now, not in the middle of what the test does next.
      await sandbox.clerk.control.webhooksIdle();
      return who;
    },
    async call(path, options = {}) {
      if (options.who) await keepFresh(options.who);
      return fetch(`${service.url}${path}`, {
        method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
        headers: {
          ...(options.who ? { authorization: `Bearer ${options.who.sessionToken}` } : {}),
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        redirect: 'manual',
      });
    },
    async connect(who, scopes, options) {
      await keepFresh(who);
      const query = new URLSearchParams(scopes.map((scope) => ['scope', scope]));
      if (options.returnTo) query.set('return_to', options.returnTo);
      const cookie = `__session=${who.sessionToken}`;
      const start = await fetch(`${service.url}/connect/google?${query}`, { headers: { cookie }, redirect: 'manual' });
      if (start.status !== 302) throw new Error(`/connect/google answered ${start.status}: ${await start.text()}`);
      const returnCookie = start.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const callback = await completeConsent(start.headers.get('location')!, {
        account: options.account,
        ...(options.grant ? { grant: options.grant } : {}),
        ...(options.deny ? { deny: true } : {}),
      });
      const back = await fetch(local(callback), {
        headers: { cookie: `${cookie}; ${returnCookie}` },
        redirect: 'manual',
      });
      if (back.status !== 302) throw new Error(`the callback answered ${back.status}: ${await back.text()}`);
      return new URL(back.headers.get('location')!, publicUrl);
    },
    popupCode: (scopes, account) =>
      popupCode(sandbox.google.url, account, scopes, {
        clientId: sandbox.config.google.clientId,
        origin: new URL(publicUrl).origin,
      }),
    async rawConnections() {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        const result = await client.query(`select * from "${schema}".tb_connections`);
        return JSON.stringify(result.rows);
      } finally {
        await client.end();
      }
    },
    async close() {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
      if (schema) {
        const client = new pg.Client({ connectionString: PG_URL });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end());
      }
    },
  };
  return world;
}

/** The `exp` (epoch seconds) of a session token, read without verifying it. */
function sessionTokenExpiry(token: string): number {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: number };
  return payload.exp ?? 0;
}
