/**
 * A multi-instance world: the Google and Clerk emulators in this process, one fresh PostgreSQL schema, and the
 * production-mode environment every bridge instance runs with (so all instances share one database, one Google
 * client and one Clerk instance, as replicas behind a load balancer do). `test/scale` spawns `tokenbridge start`
 * processes with it; `bench/` spawns its own instrumented instances with the same environment.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { SANDBOX_BRIDGE_CLIENT, SANDBOX_CLERK_CLIENT } from '../../src/cli/sandbox.js';
import { systemClock } from '../../src/clock.js';
import { Keyring } from '../../src/core/keyring.js';
import { type ClerkEmulator, startClerkEmulator } from '../../src/sandbox/clerk/index.js';
import { completeConsent, type GoogleEmulator, startGoogleEmulator } from '../../src/sandbox/google/index.js';
import type { SeedAccount } from '../../src/sandbox/google/seed.js';
import { AdjustableClock } from '../../src/sandbox/kit/clock.js';
import { openStore } from '../../src/storage/index.js';
import { advisoryKey } from '../../src/storage/postgres-refresh-lock.js';
import { dropSchema, PG_URL, uniqueSchema } from '../core/pg.js';

const REPO = path.join(import.meta.dirname, '..', '..');
/** What the load balancer in front of the instances would answer on; no instance listens on it. */
export const PUBLIC_URL = 'http://tokenbridge.localhost';
export const API_KEY = 'scale-backend-key-0123456789abcdef';
export const DRIVE_READONLY = 'https://www.googleapis.com/auth/drive.readonly';

export interface ClusterWorld {
  /** The emulators' clock (system time plus whatever offset the caller adds). */
  clock: AdjustableClock;
  google: GoogleEmulator;
  clerk: ClerkEmulator;
  schema: string;
  /** `DATABASE_URL` of every instance (the schema in `?schema=`). */
  databaseUrl: string;
  /** The full production environment of an instance (`PORT=0`). */
  env: Record<string, string>;
  /** The keyring spec the instances encrypt with (for seeding rows directly). */
  encryptionKeys: string;
  close(): Promise<void>;
}

export interface ClusterOptions {
  /** Google accounts to create: `user{i}@scale.example`. */
  accounts: number;
  /** Prefix of the fresh schema's name. */
  schemaPrefix: string;
  /** More environment for the instances (rate limits, log level, …). */
  env?: Record<string, string>;
}

/** The email of the i-th generated Google account. */
export const accountEmail = (index: number): string => `user${index}@scale.example`;

/** Google accounts without API data: the OAuth half is all these tests need. */
export function generatedAccounts(count: number): SeedAccount[] {
  return Array.from({ length: count }, (_, i) => ({
    sub: String(110_000_000_000_000_000_000n + BigInt(i)),
    email: accountEmail(i),
    name: `User ${i}`,
    givenName: 'User',
    familyName: String(i),
    picture: 'data:image/gif;base64,R0lGODlhAQABAAAAACw=',
    locale: 'en',
    timeZone: 'UTC',
    drive: { files: [] },
    contacts: [],
    gmail: { labels: [], messages: [] },
    calendar: { calendars: [], events: [] },
  }));
}

/** Starts both emulators, registers the bridge's and Clerk's Google clients, and migrates a fresh schema. */
export async function startCluster(options: ClusterOptions): Promise<ClusterWorld> {
  const clock = new AdjustableClock(systemClock);
  const google = await startGoogleEmulator({ clock, accounts: generatedAccounts(options.accounts) });
  google.control.registerClient({
    ...SANDBOX_BRIDGE_CLIENT,
    name: 'Tokenbridge (scale)',
    redirectUris: [`${PUBLIC_URL}/oauth/google/callback`],
    javascriptOrigins: [PUBLIC_URL],
  });
  const clerk = await startClerkEmulator({
    google: { url: google.url, ...SANDBOX_CLERK_CLIENT },
    allowedOrigins: [PUBLIC_URL],
    clock,
  });
  google.control.registerClient({
    ...SANDBOX_CLERK_CLIENT,
    name: 'Clerk (scale)',
    redirectUris: [clerk.googleCallbackUrl],
    javascriptOrigins: [clerk.url],
  });
  const schema = uniqueSchema(options.schemaPrefix);
  const databaseUrl = `${PG_URL}?schema=${schema}`;
  // Migrated once here, so instances starting together do not race to create the tables.
  const store = await openStore(databaseUrl);
  await store.migrate();
  await store.close();
  const encryptionKeys = Keyring.generate();
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    PORT: '0',
    PUBLIC_URL,
    DATABASE_URL: databaseUrl,
    CLERK_SECRET_KEY: clerk.secretKey,
    CLERK_PUBLISHABLE_KEY: clerk.publishableKey,
    CLERK_API_URL: clerk.url,
    CLERK_JWT_KEY: clerk.jwtKey,
    CLERK_WEBHOOK_SIGNING_SECRET: clerk.webhookSecret,
    GOOGLE_CLIENT_ID: SANDBOX_BRIDGE_CLIENT.clientId,
    GOOGLE_CLIENT_SECRET: SANDBOX_BRIDGE_CLIENT.clientSecret,
    GOOGLE_BASE_URL: google.url,
    TOKENBRIDGE_ENCRYPTION_KEYS: encryptionKeys,
    TOKENBRIDGE_API_KEYS: `backend:${API_KEY}`,
    LOG_LEVEL: 'warn',
    // A refresh answered late on a saturated machine would be retried at 10 s and cost Google a second grant (which is
    // right for a late upstream, but is not what these cases count): the emulator answers, however slowly.
    TOKENBRIDGE_UPSTREAM_TIMEOUT_SECONDS: '120',
    ...options.env,
  };
  return {
    clock,
    google,
    clerk,
    schema,
    databaseUrl,
    env,
    encryptionKeys,
    async close() {
      await Promise.allSettled([google.close(), clerk.close()]);
      await dropSchema(schema);
    },
  };
}

/** A Clerk user with a long-lived session token (a browser would refresh it; these tests outlive 60 s tokens). */
export interface ClusterUser {
  index: number;
  userId: string;
  email: string;
  sessionToken: string;
}

/** Creates the Clerk user for account `index` and a session token minted for the bridge's origin. */
export async function clerkUser(world: ClusterWorld, index: number, lifetimeSeconds = 6 * 3600): Promise<ClusterUser> {
  const email = accountEmail(index);
  const user = world.clerk.control.createUser({ email });
  const session = world.clerk.control.createSession(user.id);
  const sessionToken = await world.clerk.control.sessionToken(session.id, {
    azp: PUBLIC_URL,
    expiresInSeconds: lifetimeSeconds,
  });
  return { index, userId: user.id, email, sessionToken };
}

/**
 * Connects Google through `bridgeUrl` as a browser does: `/connect/google` with the session cookie, Google's consent
 * (with `login_hint`, as when the browser is signed in to that one account), then the callback.
 */
export async function connectGoogle(bridgeUrl: string, user: ClusterUser, scopes: string[]): Promise<void> {
  const query = new URLSearchParams(scopes.map((scope) => ['scope', scope]));
  const cookie = `__session=${user.sessionToken}`;
  const start = await fetch(`${bridgeUrl}/connect/google?${query}`, { headers: { cookie }, redirect: 'manual' });
  if (start.status !== 302) throw new Error(`/connect/google answered ${start.status}: ${await start.text()}`);
  const returnCookie = start.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const consent = new URL(start.headers.get('location')!);
  consent.searchParams.set('login_hint', user.email);
  const callback = await completeConsent(consent.toString(), { account: user.email });
  const back = await fetch(`${bridgeUrl}${callback.pathname}${callback.search}`, {
    headers: { cookie: `${cookie}; ${returnCookie}` },
    redirect: 'manual',
  });
  // A JSON error names its code (never a secret), so a failure says which fault it was.
  const answer = back.status === 302 ? '' : ` ${(await back.text()).slice(0, 300)}`;
  await back.body?.cancel();
  const landed = new URL(back.headers.get('location') ?? '/', PUBLIC_URL);
  if (back.status !== 302 || landed.searchParams.has('error')) {
    throw new Error(`connecting ${user.email} ended on ${back.status} ${landed.pathname}${landed.search}${answer}`);
  }
}

/** Runs `fn` over `items` with at most `parallel` in flight. */
export async function inBatches<T, R>(
  items: readonly T[],
  parallel: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
  return results;
}

/** A `tokenbridge start` process. */
export interface CliInstance {
  url: string;
  child: ChildProcess;
  /** SIGTERM and wait (graceful shutdown). */
  stop(): Promise<void>;
  /** SIGKILL and wait: no shutdown code runs. */
  kill(): Promise<void>;
}

/** Spawns `tokenbridge start` from the sources (what `bin/tokenbridge.js` runs once built) with `env` only. */
export async function spawnInstance(env: Record<string, string>): Promise<CliInstance> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/main.ts'), 'start'], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Listening on\s+\S+:(\d+)/.exec(output);
      if (match) {
        child.off('exit', onExit);
        resolve(Number(match[1]));
      }
    };
    const onExit = (code: number | null) => reject(new Error(`tokenbridge start exited (${code}):\n${output}`));
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    });
    child.once('exit', onExit);
  });
  const ended = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const signal = (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    return ended;
  };
  return { url: `http://127.0.0.1:${port}`, child, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') };
}

/** Waits (bounded) until some process holds the user's refresh lock, as PostgreSQL's pg_locks shows it. */
export async function untilLockHeld(schema: string, userId: string): Promise<void> {
  // A bigint advisory key shows in pg_locks as its high and low 32 bits.
  const key = BigInt.asUintN(64, BigInt(advisoryKey(`${schema}:refresh:${userId}`)));
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    for (let attempt = 0; attempt < 500; attempt++) {
      const { rowCount } = await admin.query(
        `select 1 from pg_locks where locktype = 'advisory' and granted and objsubid = 1
            and classid = $1::bigint::oid and objid = $2::bigint::oid`,
        [String(key >> 32n), String(key & 0xffffffffn)],
      );
      if ((rowCount ?? 0) > 0) return;
    }
    throw new Error('no instance took the refresh lock');
  } finally {
    await admin.end();
  }
}
