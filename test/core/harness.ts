import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { ManualClock } from '../../src/clock.js';
import { createTokenBridge, type TokenBridgeOptions } from '../../src/core/bridge.js';
import { Keyring } from '../../src/core/keyring.js';
import type { Scheduler } from '../../src/core/retry.js';
import type { BridgeEvent, TokenBridge } from '../../src/core/types.js';
import {
  ConsentPageError,
  completeConsent,
  DEFAULT_CLIENT,
  type GoogleEmulator,
  startGoogleEmulator,
} from '../../src/sandbox/google/index.js';
import { type ConnectionChange, openStore, type Store } from '../../src/storage/index.js';
import { FrozenClock } from '../support/frozen-clock.js';
import { dropSchema, PG_URL, uniqueSchema } from './pg.js';

export const REDIRECT_URI = 'http://127.0.0.1:3000/oauth/google/callback';
export const APP_ORIGIN = 'http://127.0.0.1:3000';

/** A scheduler that never sleeps and remembers every wait the bridge asked for. */
export class InstantScheduler implements Scheduler {
  waits: number[] = [];
  async sleep(ms: number): Promise<void> {
    this.waits.push(ms);
  }
}

export type Backend = 'sqlite' | 'postgres';

export interface Harness {
  clock: ManualClock;
  google: GoogleEmulator;
  store: Store;
  keyring: Keyring;
  /** The keyring as `TOKENBRIDGE_ENCRYPTION_KEYS` would hold it. */
  keyringSpec: string;
  bridge: TokenBridge;
  events: BridgeEvent[];
  scheduler: InstantScheduler;
  dbFile: string | undefined;
  /** The PostgreSQL schema of this harness's tables (its dedicated sessions carry it in their application_name). */
  schema: string | undefined;
  /** Every log line the bridge wrote. */
  logs: string[];
  /** Every token, code and key the tests saw issued, to search the logs for. */
  secrets: Set<string>;
  /** Another bridge instance on the same database (PostgreSQL: its own pool, as a second process would have). */
  secondInstance(): Promise<{ bridge: TokenBridge; store: Store }>;
  /** Runs the redirect flow for `userId` as `account`, ticking `grant` (default: every box). */
  connect(
    userId: string,
    account: string,
    scopes: string[],
    grant?: string[],
    options?: { switchAccount?: boolean },
  ): Promise<URL>;
  close(): Promise<void>;
}

/** What a test may change of the bridge's options; `google` is merged into the harness's (emulator, redirect URI). */
export type HarnessOverrides = Omit<Partial<TokenBridgeOptions>, 'google'> & {
  google?: Partial<TokenBridgeOptions['google']>;
};

/** Starts the Google emulator and a bridge on the chosen database, sharing one manual clock. */
export async function startHarness(backend: Backend, overrides: HarnessOverrides = {}): Promise<Harness> {
  const { google: googleOverrides, ...otherOverrides } = overrides;
  const clock = new FrozenClock();
  const google = await startGoogleEmulator({ clock });
  const keyringSpec = Keyring.generate('test');
  const keyring = Keyring.parse(keyringSpec);
  const scheduler = new InstantScheduler();
  const dir = backend === 'sqlite' ? mkdtempSync(join(tmpdir(), 'tb-bridge-')) : undefined;
  const schema = backend === 'postgres' ? uniqueSchema('tb_bridge') : undefined;
  const dbFile = dir ? join(dir, 'data', 'tokenbridge.db') : undefined;
  const url = dbFile ?? PG_URL;
  const open = async () => {
    const store = await openStore(url, { clock, ...(schema ? { schema } : {}) });
    await store.migrate();
    return store;
  };
  const logs: string[] = [];
  const secrets = new Set<string>([DEFAULT_CLIENT.clientSecret, keyringSpec, keyringSpec.split(':')[1]!]);
  const logger = pino({ level: 'trace' }, { write: (line: string) => logs.push(line) });
  const make = (store: Store) =>
    createTokenBridge({
      logger,
      store,
      keyring,
      google: {
        clientId: DEFAULT_CLIENT.clientId,
        clientSecret: DEFAULT_CLIENT.clientSecret,
        redirectUri: REDIRECT_URI,
        baseUrl: google.url,
        ...googleOverrides,
      },
      tokenSource: 'oauth',
      connectUrl: (scopes) => `/connect/google?${scopes.map((s) => `scope=${encodeURIComponent(s)}`).join('&')}`,
      clock,
      scheduler,
      retry: { random: () => 0.5 },
      ...otherOverrides,
    });
  const store = await open();
  const raw = make(store);
  // The tests' view of the bridge, noting every access token it hands out.
  const bridge: TokenBridge = {
    getAccessToken: async (userId, options) => {
      const token = await raw.getAccessToken(userId, options);
      secrets.add(token.accessToken);
      return token;
    },
    createAuthorizationUrl: (request) => raw.createAuthorizationUrl(request),
    completeAuthorization: async (input) => {
      secrets.add(input.code);
      const result = await raw.completeAuthorization(input);
      await noteStoredSecrets(input.userId);
      return result;
    },
    exchangeCode: async (input) => {
      secrets.add(input.code);
      const result = await raw.exchangeCode(input);
      await noteStoredSecrets(input.userId);
      return result;
    },
    connection: (userId, options) => raw.connection(userId, options),
    disconnect: (userId, options) => raw.disconnect(userId, options),
    handleOnce: (source, id, fn) => raw.handleOnce(source, id, fn),
    applySecurityEvents: (events) => raw.applySecurityEvents(events),
    forgetClerkUser: (userId) => raw.forgetClerkUser(userId),
    on: (listener) => raw.on(listener),
    close: () => raw.close(),
  };
  async function noteStoredSecrets(userId: string) {
    const row = await store.getConnection(userId);
    if (row?.refreshToken) secrets.add(keyring.decrypt(row.refreshToken, { userId, purpose: 'refresh_token' }));
    if (row?.accessToken) secrets.add(keyring.decrypt(row.accessToken, { userId, purpose: 'access_token' }));
  }
  const events: BridgeEvent[] = [];
  bridge.on((event) => events.push(event));
  const extra: { bridge: TokenBridge; store: Store }[] = [];

  return {
    clock,
    google,
    store,
    keyring,
    keyringSpec,
    bridge,
    events,
    scheduler,
    dbFile,
    schema,
    logs,
    secrets,
    async secondInstance() {
      const other = backend === 'postgres' ? await open() : store;
      const instance = { bridge: make(other), store: other };
      extra.push(instance);
      return instance;
    },
    async connect(userId, account, scopes, grant, options = {}) {
      const start = await bridge.createAuthorizationUrl({ userId, scopes, returnTo: '/settings', ...options });
      const callback = await completeConsent(start.url, { account, ...(grant ? { grant } : {}) });
      const code = callback.searchParams.get('code');
      if (!code) throw new Error(`consent did not return a code: ${callback.search}`);
      await bridge.completeAuthorization({ userId, state: callback.searchParams.get('state') ?? '', code });
      return new URL(start.url);
    },
    async close() {
      for (const instance of extra) {
        await instance.bridge.close();
        if (instance.store !== store) await instance.store.close();
      }
      await bridge.close();
      await store.close();
      await google.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
      if (schema) await dropSchema(schema);
    },
  };
}

/**
 * Runs Google Identity Services' popup code flow against the emulator as the GIS script would, and returns the code
 * the popup posts back to the app's page.
 */
export async function popupCode(
  googleUrl: string,
  account: string,
  scopes: string[],
  client: { clientId: string; origin: string } = { clientId: DEFAULT_CLIENT.clientId, origin: APP_ORIGIN },
): Promise<string> {
  const url = new URL('/o/oauth2/v2/auth', googleUrl);
  url.search = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: 'postmessage',
    origin: client.origin,
    response_type: 'code',
    access_type: 'offline',
    include_granted_scopes: 'true',
    scope: scopes.join(' '),
  }).toString();
  try {
    await completeConsent(url.toString(), { account });
  } catch (error) {
    // The popup ends on the relay page that posts the code to the opener, not on a redirect.
    if (!(error instanceof ConsentPageError)) throw error;
    const json = /<script type="application\/json" id="gsi-response">([\s\S]*?)<\/script>/.exec(error.html)?.[1];
    const code = json ? (JSON.parse(json) as { response: { code?: string } }).response.code : undefined;
    if (code) return code;
    throw error;
  }
  throw new Error('The popup flow ended on a redirect, not on the relay page.');
}

/** Resolves when `store` hears of a change matching `match`. */
export function changeHeard(store: Store, match: (change: ConnectionChange) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const watch = store.watchConnections((change) => {
      if (match(change)) {
        watch.close();
        resolve();
      }
    });
  });
}

/** Resolves once the store's change feed is live (PostgreSQL connects its LISTEN client asynchronously). */
export async function feedLive(store: Store): Promise<void> {
  const watch = store.watchConnections(() => {});
  await watch.ready;
  const live = watch.live;
  watch.close();
  if (!live) throw new Error('the change feed did not go live');
}
