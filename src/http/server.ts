import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../clock.js';
import type { ServiceConfig, TrustProxy } from '../config/env.js';
import { basePath } from '../config/public-url.js';
import type { TokenBridge } from '../core/types.js';
import { loggingOptions } from '../log/logger.js';
import type { StoreMaintenance } from '../storage/maintenance.js';
import type { TokenBuckets } from '../token-buckets.js';
import { registerCallers } from './caller.js';
import { connectUrlBuilder } from './connect-url.js';
import { consoleContentSecurityPolicy } from './console-csp.js';
import type { RouteContext } from './context.js';
import { registerCors } from './cors.js';
import { answerClientError, notFoundReply, toErrorReply } from './error-reply.js';
import { BridgeMetrics, type BridgeMetricsOptions, metricsRoutes } from './metrics.js';
import { DEFAULT_RATE_LIMIT, registerRateLimits } from './rate-limit.js';
import { deferredChildLogger, RequestLog } from './request-log.js';
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
import { applyServerLimits, DEFAULT_SERVER_LIMITS, serverOptions } from './server-limits.js';
import { issuersFromPublishableKey, SessionVerifier } from './session-verifier.js';

export interface BuildServerOptions {
  config: ServiceConfig;
  bridge: TokenBridge;
  store: RouteContext['store'];
  /** pino logger; the service logs JSON lines through it. */
  logger: Logger;
  clock?: Clock;
  /** Folder of the web console. Default `web/` beside this module's folder: `src/web`, or `dist/web` once built. */
  webRoot?: string;
  /** The built code the console's browser client is served from (`client/index.js` inside). Default this build. */
  clientRoot?: string;
  /**
   * An already-listening http server to attach to (the launcher reserves the port before building). Its request
   * listeners (say, a "starting" answer) are replaced by the app's once the app is ready, never before: Fastify must
   * not see a request while its plugins load.
   */
  server?: Server;
  /** Audit pages and connection counts (`storeMaintenance(store)`); without it the audit API answers 503. */
  maintenance?: Pick<StoreMaintenance, 'auditPage' | 'connectionStats'>;
  /**
   * Where rate-limit buckets live: this instance's memory by default; instances sharing PostgreSQL pass
   * `sharedTokenBuckets(store)`, so a limit holds across them.
   */
  rateLimitBuckets?: TokenBuckets | undefined;
  /** Outcomes of outbound webhook attempts, for the metrics (`WebhookDispatcher.onDelivery`). */
  webhookDeliveries?: BridgeMetricsOptions['webhookDeliveries'];
}

const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../web/', import.meta.url));
const DEFAULT_CLIENT_ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * Builds the bridge's HTTP server (Fastify): every route with a JSON schema, errors in `{error:{code,message}}`,
 * security headers, CORS for configured origins, and pino JSON logs with request ids and secrets redacted.
 *
 * @example
 * const app = await buildServer({ config, bridge, store, logger });
 * await app.listen({ host: config.host, port: config.port });
 */
export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  const { config } = options;
  const base = basePath(config.publicUrl);
  const clock = options.clock ?? systemClock;
  const attached = options.server;
  // Deadlines and a connection cap set on purpose: Node's defaults let slow-header clients hold sockets for minutes.
  const limits = config.serverLimits ?? DEFAULT_SERVER_LIMITS;
  // Whatever logger the caller passes, the bridge's redaction and serializers apply to everything logged here.
  const logger = options.logger.child({}, loggingOptions(config.logLevel));
  let takeOver: ((request: IncomingMessage, response: ServerResponse) => void) | undefined;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // One line per answered request, naming the caller; a request's child logger is made only if it logs.
    logController: new RequestLog(),
    childLoggerFactory: deferredChildLogger,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: 64 * 1024,
    // Long path parameters are refused before any handler runs.
    routerOptions: { maxParamLength: 500 },
    trustProxy: trustProxy(config.trustProxy),
    return503OnClosing: true,
    clientErrorHandler: answerClientError,
    // What the router refuses before any hook (a malformed or over-long path) gets the same error shape.
    frameworkErrors: (error, _request, reply) => {
      const answer = toErrorReply(error);
      // The reply is typed for a route's schema; this one has none.
      void (reply as unknown as FastifyReply).code(answer.status).type('application/json').send(answer.body);
    },
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
    serverFactory: (handler) => {
      if (attached) {
        applyServerLimits(attached, limits);
        takeOver = handler;
        return attached;
      }
      const server = createServer(serverOptions(limits));
      applyServerLimits(server, limits);
      server.on('request', handler);
      return server;
    },
  });
  if (attached) {
    app.addHook('onReady', async () => {
      attached.removeAllListeners('request');
      attached.on('request', takeOver!);
    });
  }

  const verifier = new SessionVerifier({
    jwtKey: config.clerk.jwtKey,
    secretKey: config.clerk.secretKey,
    apiUrl: config.clerk.apiUrl,
    authorizedParties: config.clerk.authorizedParties,
    issuers: issuersFromPublishableKey(config.clerk.publishableKey),
    clock,
  });
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

  // Under a path the bridge is a guest on someone's site: HSTS for the host, not for its sub-domains too.
  registerSecurityHeaders(app, { https: config.publicUrl.startsWith('https:'), includeSubDomains: base === '' });
  registerCors(app, config.corsOrigins);
  await app.register(fastifyCookie);
  // After the cookie parser (a `__session` cookie identifies a user), and before every route: each route that takes a
  // credential gets the caller hook, then the rate limiter, which spends from the caller's bucket.
  registerCallers(app, { verifier, apiKeys: config.apiKeys, metricsToken: config.metricsToken });
  registerRateLimits(app, config.rateLimit ?? DEFAULT_RATE_LIMIT, { clock, buckets: options.rateLimitBuckets });
  // JSON only: a text/plain body is refused with 415 instead of reaching schemas as a string.
  app.removeContentTypeParser('text/plain');
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
  app.setNotFoundHandler((request, reply) => {
    const answer = notFoundReply(request.method, request.url, base);
    return reply.code(answer.status).type('application/json').send(answer.body);
  });

  // Every route sits under PUBLIC_URL's path, so a proxy forwards `/tokenbridge/…` as it is, and the bridge's own
  // links, redirects and cookie paths mean the same on both sides of it.
  await app.register(
    async (bridge) => {
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
            clerkPublishableKey: config.clerk.publishableKey,
            googleBaseUrl: config.google.baseUrl,
          }),
        });
      }
      await bridge.register(auditRoutes, { audit: options.maintenance });
      await bridge.register(metricsRoutes, { metrics, token: config.metricsToken });
      await bridge.register(apiDocsRoutes);
    },
    { prefix: base },
  );
  // Probes that reach the port directly (a process manager, a container health check) need not know the path.
  if (base !== '') await app.register(healthRoutes, { store: context.store, hide: true });
  return app;
}

/** Fastify's `trustProxy` for the configured proxies: a hop count trusts the nearest `hops` addresses. */
function trustProxy(proxies: TrustProxy | undefined): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (proxies === undefined) return false;
  if (typeof proxies === 'number') return (_address, hop) => hop < proxies;
  return proxies;
}
