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
import { Attempts } from './attempts.js';
import { registerBackendApi } from './backend-api.js';
import { BrowserBundles, type BundlePackage } from './browser-bundles.js';
import { clerkBrowserScript } from './clerk-browser-script.js';
import { ClerkApiError, clerkErrors, errorBody } from './clerk-errors.js';
import { type ClerkEmulatorControl, createControl } from './control.js';
import { registerControlApi } from './control-api.js';
import { EmailCodes } from './email-codes.js';
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
   * What `/npm/@clerk/clerk-js@…/dist/clerk.browser.js` serves: `real` (default), the @clerk/clerk-js and @clerk/ui
   * browser builds this package was built with, as Clerk's Frontend API host serves them; or `stand-in`, a small script
   * with the part of `window.Clerk` a plain page uses (sign-in by redirect to the hosted page, sessions, tokens,
   * external accounts), for pages that must not run Clerk's own code. No `@clerk/ui` with the stand-in.
   */
  clerkJs?: 'real' | 'stand-in';
  /**
   * The Frontend API host the publishable key names. `emulator` (default): the emulator's own `127.0.0.1:<port>`.
   * `development`: a Clerk development host, `sandbox-<port>.clerk.accounts.dev`, as a real development instance's
   * key names one; reached through `proxyUrl` (the emulator's URL), it makes clerk-js keep a development browser
   * (`__clerk_db_jwt` on the app's origin, which @clerk/backend requires of a development instance's requests) and
   * session tokens carry `iss: https://sandbox-<port>.clerk.accounts.dev`.
   */
  frontendApiHost?: 'emulator' | 'development';
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
/** The stand-in's clerk-js version string. */
const SCRIPT_VERSION = '6.0.0-sandbox';
const CLERK_JS_PATH = /^\/npm\/@clerk\/clerk-js(@[^/]+)?\/dist\/clerk(\.browser|\.headless)?\.js$/;
/** The provider icons the components show, served in place of Clerk's image host (`img.clerk.com/static/…`). */
const PROVIDER_ICONS: Record<string, string> = {
  'google.svg':
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48"><path fill="#FFC107" d="M43.6 20.1H42V20H24v8h11.3C33.7 32.7 29.2 36 24 36c-6.6 0-12-5.4-12-12s5.4-12 12-12c3.1 0 5.8 1.2 7.9 3.1l5.7-5.7C34 6.1 29.3 4 24 4 12.9 4 4 12.9 4 24s8.9 20 20 20 20-8.9 20-20c0-1.3-.1-2.6-.4-3.9z"/><path fill="#FF3D00" d="M6.3 14.7l6.6 4.8C14.7 15.1 19 12 24 12c3.1 0 5.8 1.2 7.9 3.1l5.7-5.7C34 6.1 29.3 4 24 4 16.3 4 9.7 8.3 6.3 14.7z"/><path fill="#4CAF50" d="M24 44c5.2 0 9.9-2 13.4-5.2l-6.2-5.2C29.2 35.1 26.7 36 24 36c-5.2 0-9.6-3.3-11.3-8l-6.5 5C9.5 39.6 16.2 44 24 44z"/><path fill="#1976D2" d="M43.6 20.1H42V20H24v8h11.3c-.8 2.2-2.2 4.2-4.1 5.6l6.2 5.2C37 39.2 44 34 44 24c0-1.3-.1-2.6-.4-3.9z"/></svg>',
};
/** Clerk's CDN paths on the Frontend API host: `/npm/@clerk/clerk-js@6/dist/clerk.browser.js`, its chunks, @clerk/ui. */
const NPM_PATH = /^\/npm\/@clerk\/(clerk-js|ui)(?:@[\w.-]+)?\/dist\/([\w.-]+\.js)$/;

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
    issuer: '',
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
  const attempts = new Attempts();
  const codes = new EmailCodes(clock);
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
  registerFrontendApi(app, instance, flows, attempts, codes);
  registerOAuthCallback(app, instance, flows, attempts);
  registerHandshake(app, instance, handshakes);
  registerSignInPages(app, instance, flows, () => publishableKey);
  app.get('/.well-known/jwks.json', async () => ({ keys: [instance.key.jwk] }));
  const bundles = new BrowserBundles(() => `${instance.url}/img/`);
  const standIn = options.clerkJs === 'stand-in';
  app.get('/img/static/:file', async (request, reply) => {
    const icon = PROVIDER_ICONS[(request.params as { file: string }).file];
    if (icon === undefined) throw clerkErrors.pathNotFound();
    return reply
      .type('image/svg+xml')
      .header('access-control-allow-origin', '*')
      .header('cache-control', 'public, max-age=86400')
      .send(icon);
  });
  app.get('/npm/*', async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    reply.type('application/javascript; charset=utf-8').header('access-control-allow-origin', '*');
    // The stand-in replaces clerk-js only: a page that also loads @clerk/ui (as Clerk's own loaders do) still gets it.
    if (standIn && CLERK_JS_PATH.test(path)) {
      return reply.header('cache-control', 'no-cache').send(clerkBrowserScript(instance.url, SCRIPT_VERSION));
    }
    const [, pkg, name] = NPM_PATH.exec(path) ?? [];
    const bytes = pkg === undefined || name === undefined ? undefined : bundles.file(pkg as BundlePackage, name);
    if (bytes === undefined) throw clerkErrors.pathNotFound();
    // The entry's URL names a major version (`@6`), so it is revalidated; a chunk's name carries its build's hash.
    const entry = BrowserBundles.isEntry(pkg as BundlePackage, name as string);
    return reply
      .header('cache-control', entry ? 'public, max-age=300' : 'public, max-age=31536000, immutable')
      .send(bytes);
  });

  const controlDeps = {
    instance,
    faults,
    calls,
    initialRateLimit,
    webhookSecret,
    codes,
    onReset: [() => flows.reset(), () => handshakes.reset(), () => attempts.reset(), () => codes.reset()],
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
  const port = new URL(listening.url).port;
  const frontendApi =
    options.frontendApiHost === 'development' ? `sandbox-${port}.clerk.accounts.dev` : new URL(listening.url).host;
  instance.issuer = options.frontendApiHost === 'development' ? `https://${frontendApi}` : listening.url;
  publishableKey = publishableKeyFor(frontendApi);
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
  // A path Clerk has and the emulator does not: said once per route, so gaps show instead of failing silently.
  const unknown = new Set<string>();
  app.setNotFoundHandler((request, reply) => {
    const route = `${request.method} ${(request.url.split('?', 1)[0] ?? '').replace(/\/[a-z]+_[A-Za-z0-9]{20,}/g, '/:id')}`;
    if (!unknown.has(route) && unknown.size < 1000) {
      unknown.add(route);
      request.log.warn({ route }, 'clerk emulator: not implemented, answered 404');
    }
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
