/**
 * `tokenbridge/next` for the Pages Router: one API route handler for `pages/api/tokenbridge/[...path].ts`, and
 * `googleToken(req, scopes)` for `getServerSideProps` and other API routes. The user comes from
 * `@clerk/nextjs/server`'s `getAuth(req)` (with `clerkMiddleware()`); the routes are the same Fastify routes the App
 * Router handlers and the standalone service run.
 *
 * @example
 * // pages/api/tokenbridge/[...path].ts
 * export const config = { api: { bodyParser: false, externalResolver: true } };
 * export default tokenbridgePages.handler;
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
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

/** A Pages Router API request as far as the adapter reads it (typed structurally: no Next types are needed). */
export type PagesRequestLike = IncomingMessage & { body?: unknown };

export interface NextPagesTokenbridgeOptions extends TokenbridgeMountOptions {
  /** Who is signed in. Default `getAuth(req)` from `@clerk/nextjs/server` (`clerkMiddleware()` must run). */
  auth?: ((req: PagesRequestLike) => ClerkAuthLike | Promise<ClerkAuthLike>) | undefined;
}

/** The options, or a function making them on the first request (so `next build` needs no secrets). */
export type NextPagesTokenbridgeSetup =
  | NextPagesTokenbridgeOptions
  | (() => NextPagesTokenbridgeOptions | Promise<NextPagesTokenbridgeOptions>);

export interface NextPagesTokenbridge {
  /** The API route: `export default tokenbridge.handler`, with `bodyParser: false` in the route's `config`. */
  handler(req: PagesRequestLike, res: ServerResponse): Promise<void>;
  /** The signed-in user's Google token for `scopes`, or why not (with the connect URL to offer). */
  googleToken(
    req: PagesRequestLike,
    scopes: readonly string[],
    options?: Omit<GetAccessTokenOptions, 'scopes'>,
  ): Promise<GoogleTokenResult>;
  /** Closes the bridge's Fastify instance (not the bridge or the store, which the app owns). */
  close(): Promise<void>;
}

/** `getAuth` from `@clerk/nextjs/server`, loaded on first use so an app that passes `auth` need not install it. */
const clerkGetAuth = optionalGetAuth<PagesRequestLike>(
  () => import('@clerk/nextjs/server'),
  'tokenbridge/next needs @clerk/nextjs installed, or an `auth` option.',
  'getAuth() needs clerkMiddleware() from @clerk/nextjs in middleware.ts/proxy.ts.',
);

interface Made {
  options: NextPagesTokenbridgeOptions;
  auth: (req: PagesRequestLike) => ClerkAuthLike | Promise<ClerkAuthLike>;
  pending: PendingIdentities;
  bridge: ReturnType<typeof lazyEmbeddedBridge>;
}

/** Creates the Pages Router API route handler and the server helper over one bridge. */
export function createTokenbridgePagesHandler(setup: NextPagesTokenbridgeSetup): NextPagesTokenbridge {
  let made: Promise<Made> | undefined;
  const ready = (): Promise<Made> => {
    made ??= Promise.resolve(typeof setup === 'function' ? setup() : setup).then(
      (options) => {
        const pending = new PendingIdentities();
        return { options, auth: options.auth ?? clerkGetAuth, pending, bridge: lazyEmbeddedBridge(options, pending) };
      },
      (error: unknown) => {
        made = undefined;
        throw error;
      },
    );
    return made;
  };
  return {
    async handler(req, res) {
      const { auth, pending, bridge } = await ready();
      const fastify = await bridge.ready();
      if (req.readableEnded || req.body !== undefined) {
        throw new ConfigurationError(
          "Next parsed the request's body before Tokenbridge: export `config = { api: { bodyParser: false } }` from the route.",
        );
      }
      const held = pending.hold(() => auth(req));
      req.headers[pending.header] = held.key;
      await new Promise<void>((resolve) => {
        res.once('close', () => {
          held.release();
          resolve();
        });
        fastify.routing(req, res);
      });
    },
    googleToken: async (req, scopes, tokenOptions) => {
      const { options, auth } = await ready();
      const { userId } = await auth(req);
      return googleTokenResult(options.bridge, userId, scopes, tokenOptions);
    },
    close: async () => {
      if (made !== undefined) await (await made).bridge.close();
    },
  };
}
