/**
 * `tokenbridge/express`: the bridge's routes in an Express 5 app that uses `@clerk/express`. The router hands each
 * request to the same Fastify routes the standalone service runs (one set of handlers, one error mapping), with the
 * user `getAuth(req)` names; `googleToken(req, scopes)` is the same token for the app's own routes.
 *
 * @example
 * const tokenbridge = createTokenbridgeRouter({ bridge, store, config: { publicUrl: `${APP_URL}/api/tokenbridge`,
 *   google: { clientId } } });
 * app.use(clerkMiddleware());
 * app.use('/api/tokenbridge', tokenbridge.router);
 * app.get('/files', async (req, res) => {
 *   const result = await tokenbridge.googleToken(req, ['drive.readonly']);
 *   if (!result.ok) return res.status(result.status).json({ error: result });
 *   …
 * });
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router } from 'express';
import {
  type ClerkAuthLike,
  lazyEmbeddedBridge,
  optionalGetAuth,
  PendingIdentities,
  type TokenbridgeMountOptions,
} from '../adapters/embedded.js';
import { type GoogleTokenResult, googleTokenResult } from '../adapters/google-token-result.js';
import { ConfigurationError } from '../core/errors.js';
import type { GetAccessTokenOptions } from '../core/types.js';

export type { ClerkAuthLike, TokenbridgeMountOptions } from '../adapters/embedded.js';
export type { GoogleTokenFailureCode, GoogleTokenResult } from '../adapters/google-token-result.js';
export type { HttpConfig } from '../http/index.js';
export { connectUrlBuilder } from '../http/index.js';

/** An Express request as far as the adapter reads it (typed structurally: no Express types are required). */
export type ExpressRequestLike = IncomingMessage & { originalUrl?: string; body?: unknown };

/** A mountable Express middleware (`app.use(path, router)`). */
export type ExpressRouterLike = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

export interface ExpressTokenbridgeOptions extends TokenbridgeMountOptions {
  /** Who is signed in. Default `@clerk/express`'s `getAuth(req)` (`clerkMiddleware()` must run first). */
  auth?: ((req: ExpressRequestLike) => ClerkAuthLike | Promise<ClerkAuthLike>) | undefined;
}

export interface ExpressTokenbridge {
  /** Mount it at `config.publicUrl`'s path: `app.use('/api/tokenbridge', tokenbridge.router)`. */
  router: ExpressRouterLike;
  /** The signed-in user's Google token for `scopes`, or why not (with the connect URL to offer). */
  googleToken(
    req: ExpressRequestLike,
    scopes: readonly string[],
    options?: Omit<GetAccessTokenOptions, 'scopes'>,
  ): Promise<GoogleTokenResult>;
  /** Closes the bridge's Fastify instance (not the bridge or the store, which the app owns). */
  close(): Promise<void>;
}

/** `@clerk/express`'s `getAuth`, loaded on first use so an app that passes `auth` need not install it. */
const clerkGetAuth = optionalGetAuth<ExpressRequestLike>(
  () => import('@clerk/express'),
  'tokenbridge/express needs @clerk/express installed, or an `auth` option.',
  'clerkMiddleware() from @clerk/express must run before the Tokenbridge router.',
);

/**
 * The bridge's routes as an Express router, and the server helper. The routes answer exactly what the standalone
 * service answers under the same path. Mount the router before any body parser (`express.json()`): it reads the body
 * itself, so webhook signatures and proxied uploads see the bytes as sent.
 */
export function createTokenbridgeRouter(options: ExpressTokenbridgeOptions): ExpressTokenbridge {
  const auth = options.auth ?? clerkGetAuth;
  const pending = new PendingIdentities();
  const bridge = lazyEmbeddedBridge(options, pending);
  const router = Router();
  router.use((req: ExpressRequestLike, res: ServerResponse, next: (error?: unknown) => void) => {
    bridge.ready().then((fastify) => {
      if (req.readableEnded || req.body !== undefined) {
        next(
          new ConfigurationError(
            'A body parser read the request before the Tokenbridge router: mount the router before express.json().',
          ),
        );
        return;
      }
      const held = pending.hold(() => auth(req));
      res.once('close', held.release);
      req.headers[pending.header] = held.key;
      // Express strips the mount path from req.url; the bridge's routes sit under it, as the browser sent it.
      req.url = req.originalUrl ?? req.url;
      fastify.routing(req, res);
    }, next);
  });
  return {
    router: router as unknown as ExpressRouterLike,
    googleToken: async (req, scopes, tokenOptions) => {
      const { userId } = await auth(req);
      return googleTokenResult(options.bridge, userId, scopes, tokenOptions);
    },
    close: bridge.close,
  };
}
