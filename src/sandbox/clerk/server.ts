import cookie from '@fastify/cookie';
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
import { registerBackendApi } from './backend-api.js';
import { clerkBrowserScript } from './clerk-browser-script.js';
import { ClerkApiError, clerkErrors, errorBody } from './clerk-errors.js';
import { type ClerkEmulatorControl, createControl } from './control.js';
import { registerControlApi } from './control-api.js';
import { registerFrontendApi } from './frontend-api.js';
import { GoogleTokenKeeper } from './google-accounts.js';
import { GoogleClient, type GoogleClientConfig } from './google-client.js';
import { Handshakes, registerHandshake } from './handshake.js';
import { newId, newSecret } from './ids.js';
import type { ClerkInstance } from './instance.js';
import {
  exportSigningKey,
  generateSigningKey,
  importSigningKey,
  publishableKeyFor,
  releaseSigningKey,
} from './keys.js';
import { ClerkStore } from './model.js';
import { OAUTH_CALLBACK_PATH, OAuthTransactions, registerOAuthCallback } from './oauth-flow.js';
import { DEVELOPMENT_RATE_LIMIT, InstanceRateLimit, type RateLimitSettings } from './rate-limit.js';
import { parseSavedClerkState, type SavedClerkState } from './saved-state.js';
import { registerSignInPages } from './sign-in.js';
import { newWebhookSecret, WebhookDispatcher } from './webhooks.js';

export interface ClerkEmulatorOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Default the system clock; pass a ManualClock in tests. */
  clock?: Clock;
  /** The Google emulator (or Google) and the OAuth client Clerk uses there. */
  google: GoogleClientConfig;
  /** Where webhooks go; the `whsec_` secret is generated when absent. */
  webhook?: { url: string; secret?: string };
  /** Backend API rate limit; default a development instance's 100 requests / 10 s. `false` turns it off. */
  rateLimit?: false | RateLimitSettings;
  /** App origins allowed to use the Frontend API with credentials and to be redirected to; default any loopback origin. */
  allowedOrigins?: string[];
  /** Fixed secret key (default: generated `sk_test_…`). */
  secretKey?: string;
  /** Request logs (paths only, never query strings): `true` for Fastify's own, or a pino logger to log through. */
  logger?: boolean | Logger;
  /** Randomness for probabilistic faults. */
  random?: () => number;
  /**
   * Keep the instance in this JSON file (written 0600) and pick it up on the next start: the secret key, webhook
   * secret and session-token key, users, sessions and clients. Default: in memory only, gone with the process.
   */
  stateFile?: string;
  /**
   * Waits out a latency fault; default real timers. Inject one in a test to hold a delayed call until the test lets
   * that time pass.
   */
  sleep?: (ms: number) => Promise<void>;
}

export interface ClerkEmulator {
  /** Origin such as `http://127.0.0.1:40123`: the Backend API (`/v1/…` with the secret key) and the Frontend API. */
  url: string;
  /** `pk_test_` + base64(`host:port$`). */
  publishableKey: string;
  secretKey: string;
  /** The session-token public key as PEM (`CLERK_JWT_KEY`). */
  jwtKey: string;
  webhookSecret: string;
  /** `{url}/v1/oauth_callback`: register it as a redirect URI of the Google client. */
  googleCallbackUrl: string;
  control: ClerkEmulatorControl;
  close(): Promise<void>;
}

const CONTROL_PREFIX = '/__emulator';
/** The sandbox's clerk-js version string. */
const SCRIPT_VERSION = '6.0.0-sandbox';
const CLERK_JS_PATH = /^\/npm\/@clerk\/clerk-js(@[^/]+)?\/dist\/clerk(\.browser|\.headless)?\.js$/;

/**
 * Starts the Clerk emulator: Backend API, Frontend API, hosted sign-in, clerk.browser.js and webhooks on one origin.
 *
 * @example
 * const clerk = await startClerkEmulator({ google: { url: google.url, clientId, clientSecret } });
 * google.control.registerClient({ clientId, clientSecret, redirectUris: [clerk.googleCallbackUrl] });
 * const client = createClerkClient({ secretKey: clerk.secretKey, apiUrl: clerk.url });
 */
export async function startClerkEmulator(options: ClerkEmulatorOptions): Promise<ClerkEmulator> {
  const clock = new AdjustableClock(options.clock ?? systemClock);
  let stateFile: StateFile<SavedClerkState> | undefined;
  let saved: SavedClerkState | undefined;
  if (options.stateFile !== undefined) {
    const path = options.stateFile;
    stateFile = new StateFile({ path, snapshot: () => snapshot() });
    const raw = stateFile.read();
    saved = raw === undefined ? undefined : parseSavedClerkState(raw, path);
  }
  const instanceId = saved?.instanceId ?? newId('ins');
  const google = new GoogleClient(options.google);
  const webhookSecret = options.webhook?.secret ?? saved?.webhookSecret ?? newWebhookSecret();
  const initialRateLimit = options.rateLimit ?? DEVELOPMENT_RATE_LIMIT;
  const store = new ClerkStore(clock);
  if (saved !== undefined) store.restore(saved.store);
  const instance: ClerkInstance = {
    instanceId,
    clock,
    store,
    key: saved === undefined ? await generateSigningKey(instanceId) : await importSigningKey(saved.signingKey),
    secretKey: options.secretKey ?? saved?.secretKey ?? `sk_test_${newSecret(40)}`,
    url: '',
    google,
    googleTokens: new GoogleTokenKeeper(clock, google),
    webhooks: new WebhookDispatcher(
      clock,
      options.webhook === undefined ? undefined : { url: options.webhook.url, secret: webhookSecret },
      instanceId,
    ),
    rateLimit: new InstanceRateLimit(clock, initialRateLimit),
    allowedOrigins: options.allowedOrigins?.map((o) => new URL(o).origin),
  };
  const savedKey = stateFile === undefined ? undefined : await exportSigningKey(instance.key);
  const snapshot = (): SavedClerkState => ({
    version: 1,
    instanceId,
    secretKey: instance.secretKey,
    webhookSecret,
    // Only read once a state file is set, and then savedKey is too.
    signingKey: savedKey!,
    store: store.toJSON(),
  });
  let publishableKey = '';
  const calls = new CallCounters();
  const faults = new FaultInjector({
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    defaultBody: (status) => errorBody([injectedError(status).item()]),
  });
  const flows = new OAuthTransactions(instance);
  const handshakes = new Handshakes(instance);

  const app = Fastify({
    // Query strings carry client tokens (`__clerk_db_jwt`), OAuth codes and states: log paths only.
    ...emulatorLogging(options.logger, 'clerk-emulator'),
    bodyLimit: 1024 * 1024,
  });
  await app.register(cookie);
  await app.register(formbody);
  installJsonParser(app);
  installErrorHandlers(app);
  guardControlApi(app, { prefix: CONTROL_PREFIX, listenHost: options.host });
  if (stateFile !== undefined) {
    const file = stateFile;
    // Any request may change the instance (a sign-in, a token refresh at Google): the file is compared, then written.
    app.addHook('onResponse', async () => file.changed());
  }
  countCalls(app, calls, [CONTROL_PREFIX, '/healthz']);
  installFaults(app, faults, [CONTROL_PREFIX, '/healthz']);
  app.get('/healthz', async () => ({ status: 'ok' }));

  registerBackendApi(app, instance);
  registerFrontendApi(app, instance, flows);
  registerOAuthCallback(app, instance, flows);
  registerHandshake(app, instance, handshakes);
  registerSignInPages(app, instance, flows, () => publishableKey);
  app.get('/.well-known/jwks.json', async () => ({ keys: [instance.key.jwk] }));
  app.get('/npm/*', async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (!CLERK_JS_PATH.test(path)) throw clerkErrors.pathNotFound();
    return reply
      .type('application/javascript; charset=utf-8')
      .header('access-control-allow-origin', '*')
      .header('cache-control', 'no-cache')
      .send(clerkBrowserScript(instance.url, SCRIPT_VERSION));
  });

  const controlDeps = {
    instance,
    faults,
    calls,
    initialRateLimit,
    webhookSecret,
    onReset: [() => flows.reset(), () => handshakes.reset()],
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
  instance.url = listening.url;
  publishableKey = publishableKeyFor(new URL(listening.url).host);
  return {
    url: listening.url,
    publishableKey,
    secretKey: instance.secretKey,
    jwtKey: instance.key.pem,
    webhookSecret,
    googleCallbackUrl: `${listening.url}${OAUTH_CALLBACK_PATH}`,
    control,
    close: async () => {
      instance.webhooks.close();
      await listening.close();
      stateFile?.flush();
      releaseSigningKey(instance.key);
    },
  };
}

function injectedError(status: number): ClerkApiError {
  if (status === 429) return clerkErrors.tooManyRequests(1);
  if (status >= 500) {
    return new ClerkApiError(
      status,
      'internal_clerk_error',
      'Oops, an unexpected error occurred',
      "There was an internal error on our servers. We've been notified and are working on fixing it.",
    );
  }
  return new ClerkApiError(status, 'request_invalid', 'Request failed', 'Injected fault.');
}

/**
 * `@clerk/backend` sends `Content-Type: application/json` even with no body (GETs, `revokeSession`): an empty body
 * is no body, and anything that is not JSON is Clerk's 400, never a parser crash.
 */
function installJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(clerkErrors.malformedBody(), undefined);
    }
  });
}

/** Every failure in Clerk's error body with exactly `application/json`; never a stack trace. */
function installErrorHandlers(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    // The SDK parses JSON only when the content type is exactly `application/json`.
    if (typeof type === 'string' && type.startsWith('application/json'))
      reply.header('content-type', 'application/json');
    return payload;
  });
  app.setNotFoundHandler((_request, reply) => {
    const error = clerkErrors.pathNotFound();
    return reply
      .code(404)
      .type('application/json')
      .send(errorBody([error.item()]));
  });
  app.setErrorHandler((error: FastifyError | ClerkApiError, request, reply) => {
    if (error instanceof ClerkApiError) {
      for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
      return reply
        .code(error.status)
        .type('application/json')
        .send(errorBody([error.item()]));
    }
    const status =
      error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'clerk emulator bug');
    const item =
      status === 500
        ? injectedError(500).item()
        : status === 415
          ? clerkErrors.unsupportedContentType().item()
          : { code: 'request_invalid', message: 'Bad request', long_message: 'The request could not be processed.' };
    return reply
      .code(status)
      .type('application/json')
      .send(errorBody([item]));
  });
}
