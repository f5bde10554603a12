import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { type Clock, systemClock } from '../clock.js';
import { basePath } from '../config/public-url.js';
import { ConfigurationError } from '../core/errors.js';
import type { TokenBridge } from '../core/types.js';
import type { StoreMaintenance } from '../storage/maintenance.js';
import type { TokenBuckets } from '../token-buckets.js';
import { registerCallers } from './caller.js';
import { connectUrlBuilder } from './connect-url.js';
import { consoleContentSecurityPolicy } from './console-csp.js';
import type { RouteContext } from './context.js';
import { registerCors } from './cors.js';
import { notFoundReply, toErrorReply } from './error-reply.js';
import type { Identify } from './host-identity.js';
import type { HttpConfig } from './http-config.js';
import { BridgeMetrics, type BridgeMetricsOptions, metricsRoutes } from './metrics.js';
import { DEFAULT_RATE_LIMIT, registerRateLimits } from './rate-limit.js';
import { apiDocsRoutes } from './routes/api-docs.js';
import { auditRoutes } from './routes/audit.js';
import { clerkWebhookRoutes } from './routes/clerk-webhook.js';
import { connectRoutes } from './routes/connect.js';
import { connectionRoutes } from './routes/connection.js';
import { consoleConfigRoutes } from './routes/console-config.js';
import { googleProxyRoutes } from './routes/google-proxy.js';
import { googleRiscRoutes } from './routes/google-risc.js';
import { googleTokenRoutes } from './routes/google-token.js';
import { healthRoutes } from './routes/health.js';
import { serverTokenRoutes } from './routes/server-token.js';
import { webRoutes } from './routes/web.js';
import { registerSecurityHeaders } from './security-headers.js';
import { issuersFromPublishableKey, SessionVerifier } from './session-verifier.js';

/** What the bridge's routes are built from, wherever they are mounted. */
export interface TokenbridgePluginOptions {
  /** Where the routes are as the browser sees them (`publicUrl`, whose path is the mount path), Clerk, Google. */
  config: HttpConfig;
  /** The core: `createTokenBridge({ store, keyring, google, clerk, connectUrl: connectUrlBuilder(publicUrl) })`. */
  bridge: TokenBridge;
  /** The store the bridge uses, for `/readyz`. */
  store: RouteContext['store'];
  /**
   * Names the signed-in user when the host app verifies Clerk sessions itself (`@clerk/fastify`'s `getAuth`). Without
   * it the bridge verifies the Clerk session token (`Authorization: Bearer` or the `__session` cookie) with
   * `config.clerk`.
   */
  identify?: Identify | undefined;
  clock?: Clock | undefined;
  /** Where rate-limit buckets live: this process's memory by default. */
  rateLimitBuckets?: TokenBuckets | undefined;
  /** Audit pages and connection counts; without it the audit API answers 503. */
  maintenance?: Pick<StoreMaintenance, 'auditPage' | 'connectionStats'> | undefined;
  /** Outcomes of outbound webhook attempts, for the metrics. */
  webhookDeliveries?: BridgeMetricsOptions['webhookDeliveries'];
  /** Folder of the web console (default `web/` beside this build). */
  webRoot?: string | undefined;
  /** The built code the console's browser client is served from (default this build). */
  clientRoot?: string | undefined;
}

/** Internal: the standalone server sets the security headers and CORS at its root, for its 404s and probes too. */
interface BridgeRoutesOptions extends TokenbridgePluginOptions {
  edgeHooks: boolean;
}

// Paths joined rather than `new URL('../web/', import.meta.url)`: a bundler (Next.js's, when an app bundles the
// package) takes that form for an asset import and fails on a folder.
const BUILD_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_WEB_ROOT = join(BUILD_ROOT, 'web');
const DEFAULT_CLIENT_ROOT = BUILD_ROOT;
/** The bridge's JSON bodies are small; the webhook and proxy routes set their own limits. */
export const BODY_LIMIT = 64 * 1024;

/**
 * The bridge's routes as a Fastify plugin: token, connect and callback, popup code, connection, proxy, webhooks,
 * health, metrics, audit and docs, each with its schema, the caller hook, rate limits, cookies and the
 * `{error:{code,message}}` error mapping, all encapsulated, so the host app's own routes are untouched. They are served
 * under `config.publicUrl`'s path; register without a `prefix` (or with exactly that path).
 *
 * @example
 * await app.register(tokenbridgePlugin, { config: { publicUrl: 'https://app.example.com/api/tokenbridge', clerk,
 *   google: { clientId } }, bridge, store });
 */
export async function tokenbridgePlugin(app: FastifyInstance, options: TokenbridgePluginOptions): Promise<void> {
  await bridgeRoutes(app, { ...options, edgeHooks: true });
}

/** The plugin's body: `edgeHooks: false` when the standalone server registered the headers and CORS already. */
export async function bridgeRoutes(app: FastifyInstance, options: BridgeRoutesOptions): Promise<void> {
  const { config } = options;
  const base = basePath(config.publicUrl);
  if (app.prefix !== '' && app.prefix !== base) {
    throw new ConfigurationError(
      `Tokenbridge is registered under "${app.prefix}" but its publicUrl's path is "${base}": they must be the same.`,
    );
  }
  const clock = options.clock ?? systemClock;
  const clerk = config.clerk;
  if (options.identify === undefined && !clerk?.secretKey && !clerk?.jwtKey) {
    throw new ConfigurationError('Tokenbridge needs config.clerk (secretKey or jwtKey) or an identify hook.');
  }
  const verifier =
    options.identify === undefined
      ? new SessionVerifier({
          jwtKey: clerk?.jwtKey,
          secretKey: clerk?.secretKey ?? '',
          apiUrl: clerk?.apiUrl,
          authorizedParties: clerk?.authorizedParties?.length
            ? clerk.authorizedParties
            : [new URL(config.publicUrl).origin],
          issuers: issuersFromPublishableKey(clerk?.publishableKey),
          clock,
        })
      : undefined;
  const context: RouteContext = {
    config,
    bridge: options.bridge,
    store: options.store,
    clock,
    connectUrl: connectUrlBuilder(config.publicUrl),
  };
  const maintenance = options.maintenance;
  const metrics = new BridgeMetrics({
    bridge: options.bridge,
    ...(maintenance ? { connectionStats: () => maintenance.connectionStats() } : {}),
    ...(options.webhookDeliveries ? { webhookDeliveries: options.webhookDeliveries } : {}),
  });
  app.addHook('onClose', async () => metrics.close());

  if (options.edgeHooks) {
    registerSecurityHeaders(app, { https: config.publicUrl.startsWith('https:'), includeSubDomains: base === '' });
    registerCors(app, config.corsOrigins ?? []);
  }
  // A host app that parses cookies already keeps its parser (and its options).
  if (!app.hasRequestDecorator('cookies')) await app.register(fastifyCookie);
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= BODY_LIMIT;
  });
  // After the cookie parser (a `__session` cookie identifies a user), and before every route: each route that takes a
  // credential gets the caller hook, then the rate limiter, which spends from the caller's bucket.
  registerCallers(app, {
    verifier,
    identify: options.identify,
    apiKeys: config.apiKeys ?? [],
    metricsToken: config.metricsToken,
  });
  registerRateLimits(app, config.rateLimit ?? DEFAULT_RATE_LIMIT, { clock, buckets: options.rateLimitBuckets });
  // JSON only: a text/plain body is refused with 415 instead of reaching schemas as a string.
  if (app.hasContentTypeParser('text/plain')) app.removeContentTypeParser('text/plain');
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Tokenbridge', version: '0.1.0', description: 'Fresh, scope-checked Google access tokens.' },
      // The paths below are relative to it: @fastify/swagger strips the base path from each route.
      servers: [{ url: config.publicUrl }],
    },
  });

  app.setErrorHandler((error, request, reply) => {
    const answer = toErrorReply(error);
    if (answer.status >= 500 && answer.status !== 503) request.log.error({ err: error }, 'request failed');
    else request.log.info({ errorCode: answer.body.error.code, status: answer.status }, 'request refused');
    return reply.code(answer.status).headers(answer.headers).type('application/json').send(answer.body);
  });

  // Every route sits under PUBLIC_URL's path, so a proxy forwards `/tokenbridge/…` as it is, and the bridge's own
  // links, redirects and cookie paths mean the same on both sides of it.
  const routes = async (bridge: FastifyInstance) => {
    bridge.setNotFoundHandler((request, reply) => {
      const answer = notFoundReply(request.method, request.url, base);
      return reply.code(answer.status).type('application/json').send(answer.body);
    });
    bridge.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    await bridge.register(healthRoutes, { store: context.store });
    await bridge.register(googleTokenRoutes, context);
    await bridge.register(connectRoutes, context);
    await bridge.register(connectionRoutes, context);
    await bridge.register(serverTokenRoutes, context);
    await bridge.register(googleProxyRoutes, context);
    await bridge.register(clerkWebhookRoutes, context);
    await bridge.register(googleRiscRoutes, context);
    await bridge.register(consoleConfigRoutes, context);
    if (config.console) {
      await bridge.register(webRoutes, {
        webRoot: options.webRoot ?? DEFAULT_WEB_ROOT,
        clientRoot: options.clientRoot ?? DEFAULT_CLIENT_ROOT,
        contentSecurityPolicy: consoleContentSecurityPolicy({
          clerkPublishableKey: clerk?.publishableKey,
          clerkProxyUrl: clerk?.proxyUrl,
          googleBaseUrl: config.google.baseUrl,
        }),
      });
    }
    await bridge.register(auditRoutes, { audit: options.maintenance });
    await bridge.register(metricsRoutes, { metrics, token: config.metricsToken });
    await bridge.register(apiDocsRoutes);
  };
  if (app.prefix === base) await routes(app);
  else await app.register(routes, { prefix: base });
}
