import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import { ConfigurationError } from '../core/errors.js';
import type { TokenBridge } from '../core/types.js';
import type { HostIdentity, HttpConfig } from '../http/index.js';
import { bridgeInstanceOptions, tokenbridgePlugin } from '../http/index.js';
import type { Store } from '../storage/store.js';
import type { TokenBuckets } from '../token-buckets.js';

/** What the Express and Next adapters are given: the bridge, where its routes are, and who may call them. */
export interface TokenbridgeMountOptions {
  /** The core (`createTokenBridge`), with `connectUrl: connectUrlBuilder(config.publicUrl)`. */
  bridge: TokenBridge;
  /** The bridge's store, for `/readyz`. */
  store: Pick<Store, 'health'>;
  /**
   * `publicUrl`: the app's origin and the path the routes are mounted under (`https://app.example.com/api/tokenbridge`);
   * `google.clientId` for the popup flow. `clerk` is not needed: the app's Clerk SDK names the user.
   */
  config: HttpConfig;
  clock?: Clock | undefined;
  rateLimitBuckets?: TokenBuckets | undefined;
  /**
   * The proxies in front whose `X-Forwarded-For` names the client (for the per-address rate limit of unauthenticated
   * requests): a hop count or their addresses, as Fastify's `trustProxy`. Default none.
   */
  trustProxy?: number | string[] | undefined;
  /** A pino-compatible logger for the bridge's request errors; default silent. */
  logger?: FastifyBaseLogger | undefined;
}

/** Who is signed in, as a Clerk SDK's `auth()` / `getAuth()` answers (only these fields are read). */
export interface ClerkAuthLike {
  userId: string | null | undefined;
  sessionId?: string | null | undefined;
}

/** How an adapter resolves the user behind one request, asked only when a route needs a session. */
export type IdentitySource = () => ClerkAuthLike | null | undefined | Promise<ClerkAuthLike | null | undefined>;

/**
 * The header an adapter uses to hand one request's identity source to the bridge's Fastify instance: a random name per
 * instance and a random value per request, so nothing a client sends can claim one. It never leaves the process.
 */
export class PendingIdentities {
  readonly header = `x-tokenbridge-identity-${randomUUID()}`;
  readonly #pending = new Map<string, IdentitySource>();

  /** Registers `source` for one request; returns the header value and the function that forgets it. */
  hold(source: IdentitySource): { key: string; release: () => void } {
    const key = randomUUID();
    this.#pending.set(key, source);
    return { key, release: () => this.#pending.delete(key) };
  }

  /** The identity behind a request's header, or null when it carries none that is live. */
  async identify(headers: Record<string, string | string[] | undefined>): Promise<HostIdentity | null> {
    const key = headers[this.header];
    const source = typeof key === 'string' ? this.#pending.get(key) : undefined;
    if (source === undefined) return null;
    const auth = await source();
    return auth?.userId ? { userId: auth.userId, sessionId: auth.sessionId ?? null } : null;
  }
}

/**
 * The bridge's own Fastify instance inside an adapter: the same plugin as the standalone service, identifying users
 * through `pending` (the adapter's Clerk SDK), ready to be handed requests (`routing`, `inject`).
 */
export async function embeddedBridge(
  options: TokenbridgeMountOptions,
  pending: PendingIdentities,
): Promise<FastifyInstance> {
  const proxies = options.trustProxy;
  // A hop count trusts the nearest `proxies` addresses, as the standalone service reads TOKENBRIDGE_TRUST_PROXY.
  const trustProxy =
    typeof proxies === 'number' ? (_address: string, hop: number) => hop < proxies : (proxies ?? false);
  const instance = { ...bridgeInstanceOptions(), trustProxy };
  const app = options.logger
    ? Fastify({ ...instance, loggerInstance: options.logger })
    : Fastify({ ...instance, logger: false });
  await app.register(tokenbridgePlugin, {
    config: options.config,
    bridge: options.bridge,
    store: options.store,
    clock: options.clock,
    rateLimitBuckets: options.rateLimitBuckets,
    identify: (request) => pending.identify(request.headers),
  });
  await app.ready();
  return app;
}

/** The embedded instance, started on the first request; `close` does nothing when it never started. */
export function lazyEmbeddedBridge(
  options: TokenbridgeMountOptions,
  pending: PendingIdentities,
): { ready(): Promise<FastifyInstance>; close(): Promise<void> } {
  let app: Promise<FastifyInstance> | undefined;
  return {
    ready: () => {
      app ??= embeddedBridge(options, pending);
      return app;
    },
    close: async () => {
      if (app !== undefined) await (await app).close();
    },
  };
}

/**
 * A framework SDK the adapter loads on first use, so an app that injects `auth` need not install it. A missing package
 * is a `configuration_error` with `message`, and the next call tries again.
 */
export function optionalImport<T>(load: () => Promise<T>, message: string): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw new ConfigurationError(message, { cause: error instanceof Error ? error.message : String(error) });
    });
    return loaded;
  };
}

/**
 * A Clerk SDK's `getAuth(req)`, loaded on first use (see {@link optionalImport}). A throw from it means the SDK's
 * middleware did not run for this request: a `configuration_error` with `middleware`, which says where it goes.
 */
export function optionalGetAuth<Req>(
  load: () => Promise<{ getAuth(req: unknown): ClerkAuthLike }>,
  missing: string,
  middleware: string,
): (req: Req) => Promise<ClerkAuthLike> {
  const sdk = optionalImport(load, missing);
  return async (req) => {
    const { getAuth } = await sdk();
    try {
      return getAuth(req);
    } catch (error) {
      throw new ConfigurationError(middleware, { cause: error instanceof Error ? error.message : String(error) });
    }
  };
}
