import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../clock.js';
import type { ServiceConfig, TrustProxy } from '../config/env.js';
import { basePath } from '../config/public-url.js';
import type { TokenBridge } from '../core/types.js';
import { loggingOptions } from '../log/logger.js';
import type { StoreMaintenance } from '../storage/maintenance.js';
import type { TokenBuckets } from '../token-buckets.js';
import type { RouteContext } from './context.js';
import { registerCors } from './cors.js';
import { answerClientError, notFoundReply } from './error-reply.js';
import { bridgeInstanceOptions } from './instance-options.js';
import type { BridgeMetricsOptions } from './metrics.js';
import { bridgeRoutes } from './plugin.js';
import { deferredChildLogger, RequestLog } from './request-log.js';
import { healthRoutes } from './routes/health.js';
import { registerSecurityHeaders } from './security-headers.js';
import { applyServerLimits, DEFAULT_SERVER_LIMITS, serverOptions } from './server-limits.js';

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
    ...bridgeInstanceOptions(),
    loggerInstance: logger as FastifyBaseLogger,
    // One line per answered request, naming the caller; a request's child logger is made only if it logs.
    logController: new RequestLog(),
    childLoggerFactory: deferredChildLogger,
    trustProxy: trustProxy(config.trustProxy),
    return503OnClosing: true,
    clientErrorHandler: answerClientError,
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

  // The request log names the caller of every request, those outside the bridge's path included.
  app.decorateRequest('caller', null);
  // Under a path the bridge is a guest on someone's site: HSTS for the host, not for its sub-domains too.
  registerSecurityHeaders(app, { https: config.publicUrl.startsWith('https:'), includeSubDomains: base === '' });
  registerCors(app, config.corsOrigins);
  // The same plugin a host app registers (`tokenbridge/fastify`): one set of routes, one error mapping.
  await app.register(bridgeRoutes, {
    config,
    bridge: options.bridge,
    store: options.store,
    clock,
    rateLimitBuckets: options.rateLimitBuckets,
    maintenance: options.maintenance,
    webhookDeliveries: options.webhookDeliveries,
    webRoot: options.webRoot,
    clientRoot: options.clientRoot,
    edgeHooks: false,
  });
  if (base !== '') {
    // Outside the bridge's path: the same 404, saying where the bridge is.
    app.setNotFoundHandler((request, reply) => {
      const answer = notFoundReply(request.method, request.url, base);
      return reply.code(answer.status).type('application/json').send(answer.body);
    });
    // Probes that reach the port directly (a process manager, a container health check) need not know the path.
    await app.register(healthRoutes, { store: options.store, hide: true });
  }
  return app;
}

/** Fastify's `trustProxy` for the configured proxies: a hop count trusts the nearest `hops` addresses. */
function trustProxy(proxies: TrustProxy | undefined): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (proxies === undefined) return false;
  if (typeof proxies === 'number') return (_address, hop) => hop < proxies;
  return proxies;
}
