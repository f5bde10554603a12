import formbody from '@fastify/formbody';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AdjustableClock, type Clock, systemClock } from '../kit/clock.js';
import { guardControlApi } from '../kit/control-guard.js';
import { CallCounters, countCalls } from '../kit/counters.js';
import { FaultInjector, installFaults } from '../kit/faults.js';
import { listen } from '../kit/listen.js';
import { emulatorLogging } from '../kit/logging.js';
import { persistingControl } from '../kit/persisting-control.js';
import { StateFile } from '../kit/state-file.js';
import { registerGoogleApis } from './apis/index.js';
import { AuthorizationEndpoint } from './authorize.js';
import { ClientRegistry, DEFAULT_CLIENT, type OAuthClientConfig } from './clients.js';
import { createControl, type GoogleEmulatorControl, type GrantCounters, registerControlApi } from './control.js';
import { registerDiscovery } from './discovery.js';
import { apiErrorBody, isOAuthPath, notFoundHtml, oauthErrorBody } from './error-shapes.js';
import { registerGsi } from './gsi/index.js';
import { SigningKeys } from './keys.js';
import { OAuthState } from './oauth-state.js';
import { registerRevoke } from './revoke.js';
import { createRiscControl, RiscSigningKey, registerRisc } from './risc/index.js';
import { parseSavedGoogleState, type SavedGoogleState } from './saved-state.js';
import { defaultAccounts, type SeedAccount } from './seed.js';
import { SessionStore } from './sessions.js';
import { registerTokenEndpoint } from './token-endpoint.js';
import { registerTokenInfo } from './tokeninfo.js';
import { registerUserInfo } from './userinfo.js';

export interface GoogleEmulatorOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Default the system clock; pass a ManualClock in tests. */
  clock?: Clock;
  /** Default: one seeded client (see docs/sandbox/google.md). */
  clients?: OAuthClientConfig[];
  /**
   * The `iss` of id_tokens and of discovery. Default `https://accounts.google.com`, so google-auth-library's
   * verifyIdToken works unchanged; `'self'` makes it the emulator's own origin (`url`), for strict OIDC clients that
   * require the issuer to be where discovery is served.
   */
  issuer?: string;
  /** Request logs (paths only, never query strings): `true` for Fastify's own, or a pino logger to log through. */
  logger?: boolean | Logger;
  /** Default: the seeded accounts of `seed.ts` (with their Drive, contacts, Gmail and Calendar data). */
  accounts?: SeedAccount[];
  /** Source of randomness for probabilistic faults. */
  random?: () => number;
  /**
   * Waits out a latency fault; default real timers. Inject one in a test to hold a delayed call until the test lets
   * that time pass.
   */
  sleep?: (ms: number) => Promise<void>;
  /** The `iss` of Security Event Tokens and of their `iss-sub` subjects. Default `https://accounts.google.com/`, as Google's. */
  riscIssuer?: string;
  /**
   * Keep the emulator's OAuth state in this JSON file (written 0600) and pick it up on the next start: registered
   * clients, grants, codes and tokens, browser sign-ins and the id_token keys. Default: in memory only.
   */
  stateFile?: string;
}

export interface GoogleEmulator {
  /** Origin, such as `http://127.0.0.1:40123`. */
  url: string;
  control: GoogleEmulatorControl;
  close(): Promise<void>;
}

const CONTROL_PREFIX = '/__emulator';

/** The `issuer` option value that makes the issuer the emulator's own origin. */
export const SELF_ISSUER = 'self';

/**
 * Starts the Google emulator: OAuth 2.0 / OpenID Connect, the APIs, and the control API, all on one origin.
 *
 * @example
 * const google = await startGoogleEmulator({ clock: new ManualClock() });
 * const client = new OAuth2Client({ clientId, clientSecret, endpoints: googleEndpoints(google.url) });
 */
export async function startGoogleEmulator(options: GoogleEmulatorOptions = {}): Promise<GoogleEmulator> {
  const clock = new AdjustableClock(options.clock ?? systemClock);
  // `self` is only known once listening (port 0): the handlers read the issuer through a getter, per request.
  let selfUrl = '';
  const issuerOption = options.issuer ?? 'https://accounts.google.com';
  const issuerOf = () => (issuerOption === SELF_ISSUER ? selfUrl : issuerOption);
  const accounts = options.accounts ?? defaultAccounts();
  const listAccounts = () => accounts;
  const account = (sub: string) => accounts.find((a) => a.sub === sub);
  const clients = new ClientRegistry(options.clients ?? [DEFAULT_CLIENT]);
  const state = new OAuthState(clock);
  const sessions = new SessionStore();
  let stateFile: StateFile<SavedGoogleState> | undefined;
  let saved: SavedGoogleState | undefined;
  if (options.stateFile !== undefined) {
    const path = options.stateFile;
    stateFile = new StateFile({ path, snapshot: () => snapshot() });
    const raw = stateFile.read();
    saved = raw === undefined ? undefined : parseSavedGoogleState(raw, path);
  }
  if (saved !== undefined) {
    clients.restore(saved.clients);
    state.restore(saved.oauth);
    sessions.restore(saved.sessions);
  }
  const keys =
    saved === undefined ? await SigningKeys.generate(new Date(clock.now())) : await SigningKeys.restore(saved.keys);
  const savedKeys = stateFile === undefined ? [] : await keys.export();
  const snapshot = (): SavedGoogleState => ({
    version: 1,
    clients: clients.list(),
    oauth: state.toJSON(),
    sessions: sessions.toJSON(),
    keys: savedKeys,
  });
  const calls = new CallCounters();
  const grants: GrantCounters = { authorization_code: 0, refresh_token: 0 };
  const faults = new FaultInjector({
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    defaultBody: (status, request) =>
      isOAuthPath(request.url.split('?', 1)[0] ?? '/') ? oauthErrorBody(status) : apiErrorBody(status),
  });

  const app = Fastify(emulatorLogging(options.logger, 'google-emulator'));
  // A body Google would not parse is not an error by itself: the endpoint then finds its parameters missing.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  await app.register(formbody);
  installErrorHandlers(app);
  guardControlApi(app, { prefix: CONTROL_PREFIX, listenHost: options.host });
  if (stateFile !== undefined) {
    const file = stateFile;
    // Any request may change the state (a consent, a token, a revoke): the file is compared, then written.
    app.addHook('onResponse', async () => file.changed());
  }
  countCalls(app, calls, [CONTROL_PREFIX, '/healthz']);
  installFaults(app, faults, [CONTROL_PREFIX, '/healthz']);

  const authorize = new AuthorizationEndpoint({
    clients,
    state,
    sessions,
    clock,
    get issuer() {
      return issuerOf();
    },
    accounts: listAccounts,
  });
  authorize.register(app);
  registerTokenEndpoint(app, {
    clients,
    state,
    keys,
    clock,
    get issuer() {
      return issuerOf();
    },
    account,
    onGrant: (type) => {
      grants[type] += 1;
    },
  });
  registerRevoke(app, state);
  registerTokenInfo(app, {
    state,
    keys,
    clock,
    get issuer() {
      return issuerOf();
    },
    account,
  });
  registerUserInfo(app, { state, account });
  registerDiscovery(app, {
    keys,
    get issuer() {
      return issuerOf();
    },
  });
  registerGsi(app);
  const apis = registerGoogleApis(app, {
    lookupAccessToken: (token) => state.lookupAccessToken(token),
    clock,
    accounts,
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  const riscKey = new RiscSigningKey();
  const riscIssuer = options.riscIssuer ?? 'https://accounts.google.com/';
  const risc = createRiscControl({
    clients,
    state,
    sessions,
    accounts: listAccounts,
    clock,
    issuer: riscIssuer,
    key: riscKey,
  });
  registerRisc(app, { control: risc, key: riscKey, issuer: riscIssuer });

  const controlDeps = {
    clients,
    state,
    clock,
    faults,
    calls,
    grants,
    accounts: listAccounts,
    onReset: [() => sessions.reset(), () => authorize.reset(), () => apis.reset()],
    setRateLimit: apis.setRateLimit.bind(apis),
    risc,
  };
  const control =
    stateFile === undefined
      ? createControl(controlDeps)
      : persistingControl(createControl(controlDeps), () => stateFile.changed());
  registerControlApi(app, control, controlDeps);

  const listening = await listen(app, {
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  selfUrl = listening.url;
  return {
    url: listening.url,
    control,
    close: async () => {
      await listening.close();
      stateFile?.flush();
      keys.release();
      await riscKey.release();
    },
  };
}

/** Maps every failure to Google's shape: bad input is a 4xx, never a stack trace. */
function installErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('text/html; charset=UTF-8')
      .send(notFoundHtml(request.url.split('?', 1)[0] ?? '/')),
  );
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status =
      error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'google emulator bug');
    const path = request.url.split('?', 1)[0] ?? '/';
    if (path.startsWith(CONTROL_PREFIX)) {
      return reply.code(status).send({
        error: {
          code: status,
          message: status === 500 ? 'Internal error' : error.message,
          status: status === 500 ? 'INTERNAL' : 'INVALID_ARGUMENT',
        },
      });
    }
    if (isOAuthPath(path)) {
      return reply
        .code(status === 500 ? 500 : 400)
        .type('application/json; charset=utf-8')
        .send(status === 500 ? oauthErrorBody(500) : { error: 'invalid_request', error_description: 'Bad Request' });
    }
    return reply.code(status).send(apiErrorBody(status, status === 500 ? undefined : 'Invalid request.'));
  });
}
