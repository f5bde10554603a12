import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../clock.js';
import type { ServiceConfig } from '../config/env.js';
import type { TokenBridgeOptions } from '../core/bridge.js';
import { Keyring } from '../core/keyring.js';
import type { TokenBridge } from '../core/types.js';
import { WebhookDispatcher, type WebhookDispatcherOptions } from '../core/webhook-dispatcher.js';
import { buildServer } from '../http/index.js';
import { openStore } from '../storage/index.js';
import { storeMaintenance } from '../storage/maintenance.js';
import { sharedTokenBuckets } from '../storage/postgres-token-buckets.js';
import type { Store } from '../storage/store.js';
import { bridgeFromConfig } from './bridge-from-config.js';

/** The bridge, running: its HTTP server, the core and the store behind it. */
export interface RunningService {
  /** Where the server can be reached (`http://127.0.0.1:port`); `config.publicUrl` is what users see. */
  url: string;
  port: number;
  config: ServiceConfig;
  app: FastifyInstance;
  bridge: TokenBridge;
  store: Store;
  /** Outbound connection events, when `TOKENBRIDGE_WEBHOOK_URL` is set. */
  webhooks: WebhookDispatcher | undefined;
  close(): Promise<void>;
}

export interface StartServiceOptions {
  logger: Logger;
  clock?: Clock;
  /** A server already listening (the sandbox reserves the port before it knows the redirect URI). */
  server?: Server;
  /** Extra core options for tests: a scheduler, retry bounds, timeouts. */
  core?: Pick<TokenBridgeOptions, 'scheduler' | 'retry' | 'httpTimeoutMs'>;
  /** PostgreSQL schema for the tables (lets test files share one database). */
  schema?: string;
  /**
   * How long `close()` lets requests in flight finish before cutting their connections (a stalled upload, a client
   * that never reads). Default 10 s, inside the 30 s an orchestrator waits after SIGTERM.
   */
  shutdownGraceMs?: number;
  /** Where the console's browser client is served from (`BuildServerOptions.clientRoot`); default this build. */
  clientRoot?: string;
  /** Outbound event options for tests: a fetch, jitter, timeouts, retry delays. */
  webhooks?: Pick<WebhookDispatcherOptions, 'fetch' | 'random' | 'timeoutMs' | 'retryDelaysMs' | 'pollIntervalMs'>;
}

/**
 * Opens the store (running migrations), builds the core and the HTTP server, and listens. Production and the
 * sandbox both come through here; only the configuration differs.
 *
 * @example
 * const service = await startService(resolveServiceConfig(readEnv(), { port: 3000 }), { logger });
 */
export async function startService(config: ServiceConfig, options: StartServiceOptions): Promise<RunningService> {
  const clock = options.clock ?? systemClock;
  const keyring = Keyring.parse(config.encryptionKeys);
  const store = await openStore(config.databaseUrl, { clock, ...(options.schema ? { schema: options.schema } : {}) });
  let bridge: TokenBridge | undefined;
  let app: FastifyInstance | undefined;
  let webhooks: WebhookDispatcher | undefined;
  try {
    await store.migrate();
    bridge = bridgeFromConfig(config, {
      store,
      keyring,
      clock,
      logger: options.logger.child({ component: 'bridge' }),
      ...(options.core ? { core: options.core } : {}),
    });
    if (config.webhook) {
      webhooks = new WebhookDispatcher({
        store,
        ...config.webhook,
        clock,
        logger: options.logger.child({ component: 'webhooks' }),
        ...options.webhooks,
      });
      // The bridge writes each event with its change (outbox: true); the dispatcher only sends them.
      webhooks.follow(bridge);
    }
    const deliveries = webhooks;
    app = await buildServer({
      config,
      bridge,
      store,
      logger: options.logger,
      clock,
      maintenance: storeMaintenance(store),
      rateLimitBuckets: sharedTokenBuckets(store),
      ...(deliveries ? { webhookDeliveries: (listener) => deliveries.onDelivery(listener) } : {}),
      ...(options.server ? { server: options.server } : {}),
      ...(options.clientRoot ? { clientRoot: options.clientRoot } : {}),
    });
    if (options.server) await app.ready();
    else await app.listen({ host: config.host, port: config.port });
    webhooks?.start();
  } catch (error) {
    await app?.close().catch(() => {});
    await webhooks?.close().catch(() => {});
    await bridge?.close().catch(() => {});
    await store.close().catch(() => {});
    throw error;
  }
  const server = app.server;
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const running: RunningService = {
    url: `http://127.0.0.1:${port}`,
    port,
    config,
    app,
    bridge,
    store,
    webhooks,
    close: () => {
      closing ??= (async () => {
        server.closeIdleConnections();
        const cut = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
        try {
          await app.close();
        } finally {
          clearTimeout(cut);
        }
        if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
        await webhooks?.close();
        await bridge.close();
        await store.close();
      })();
      return closing;
    },
  };
  return running;
}

/**
 * Starts listening on a raw http server first, so the port (and with it the public URL) is known before building.
 * Until the app takes the server over, every request is answered 503 `starting` with `Retry-After: 1`.
 */
export async function reservePort(server: Server, host: string, port: number): Promise<number> {
  server.on('request', answerStarting);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

function answerStarting(_request: IncomingMessage, response: ServerResponse): void {
  const body = JSON.stringify({
    error: { code: 'starting', message: 'Tokenbridge is starting. Try again in a moment.' },
  });
  response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1', connection: 'close' });
  response.end(body);
}
