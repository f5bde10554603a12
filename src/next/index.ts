/**
 * `tokenbridge/next`: the bridge's routes as Next.js App Router route handlers, and `googleToken()` for Server
 * Components and Server Actions. Each web `Request` is handed to the same Fastify routes the standalone service runs
 * (one set of handlers, one error mapping), with the user `@clerk/nextjs/server`'s `auth()` names; the answer streams
 * back as a web `Response`, every `Set-Cookie` kept as sent.
 *
 * Typed structurally (web `Request`/`Response` and a small `auth()` shape): neither `next` nor `@clerk/nextjs` types are
 * needed to compile against it, and `@clerk/nextjs/server` is loaded only when the first request needs a user.
 *
 * @example
 * // lib/tokenbridge.ts
 * export const tokenbridge = createTokenbridgeHandlers({ bridge, store,
 *   config: { publicUrl: `${process.env.APP_URL}/api/tokenbridge`, google: { clientId } } });
 * // app/api/tokenbridge/[...path]/route.ts
 * export const { GET, POST, DELETE } = tokenbridge;
 * // a Server Component
 * const result = await tokenbridge.googleToken(['drive.readonly']);
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { FastifyInstance } from 'fastify';
import {
  type ClerkAuthLike,
  lazyEmbeddedBridge,
  optionalImport,
  PendingIdentities,
  type TokenbridgeMountOptions,
} from '../adapters/embedded.js';
import { type GoogleTokenResult, googleTokenResult } from '../adapters/google-token-result.js';
import type { GetAccessTokenOptions } from '../core/types.js';

export type { ClerkAuthLike, TokenbridgeMountOptions } from '../adapters/embedded.js';
export type { GoogleTokenFailureCode, GoogleTokenResult } from '../adapters/google-token-result.js';
export type { HttpConfig } from '../http/index.js';
export { connectUrlBuilder } from '../http/index.js';
export {
  createTokenbridgePagesHandler,
  type NextPagesTokenbridge,
  type NextPagesTokenbridgeOptions,
  type NextPagesTokenbridgeSetup,
  type PagesRequestLike,
} from './pages.js';

/** An App Router route handler: a web `Request` in, a web `Response` out. */
export type RouteHandler = (request: Request) => Promise<Response>;

export interface NextTokenbridgeOptions extends TokenbridgeMountOptions {
  /**
   * Who is signed in. Default `auth()` from `@clerk/nextjs/server` (with `clerkMiddleware()` in `middleware.ts`/
   * `proxy.ts`). `request` is the route's request, or undefined in `googleToken()`.
   */
  auth?: ((request: Request | undefined) => ClerkAuthLike | Promise<ClerkAuthLike>) | undefined;
  /**
   * The client's address for the per-address rate limit of unauthenticated requests (say, from `x-forwarded-for`
   * set by your platform). Default none: such requests share one bucket.
   */
  clientAddress?: ((request: Request) => string | undefined) | undefined;
}

export interface NextTokenbridge {
  GET: RouteHandler;
  HEAD: RouteHandler;
  POST: RouteHandler;
  PUT: RouteHandler;
  PATCH: RouteHandler;
  DELETE: RouteHandler;
  OPTIONS: RouteHandler;
  /** The signed-in user's Google token for `scopes`, or why not (with the connect URL to offer). */
  googleToken(scopes: readonly string[], options?: Omit<GetAccessTokenOptions, 'scopes'>): Promise<GoogleTokenResult>;
  /** Closes the bridge's Fastify instance (not the bridge or the store, which the app owns). */
  close(): Promise<void>;
}

type ClerkNext = { auth(): Promise<ClerkAuthLike> };
const clerkNext = optionalImport<ClerkNext>(
  () => import('@clerk/nextjs/server'),
  'tokenbridge/next needs @clerk/nextjs installed, or an `auth` option.',
);

/** `auth()` from `@clerk/nextjs/server`, imported on first use only (an app that injects `auth` never loads it). */
async function clerkAuth(): Promise<ClerkAuthLike> {
  return (await clerkNext()).auth();
}

/** The handlers' options, or a function making them on the first request (so `next build` needs no secrets). */
export type NextTokenbridgeSetup =
  | NextTokenbridgeOptions
  | (() => NextTokenbridgeOptions | Promise<NextTokenbridgeOptions>);

/**
 * Creates the route handlers (export them from `app/api/tokenbridge/[...path]/route.ts`, the path of
 * `config.publicUrl`) and the server helper, all over one bridge. Given a function, it is called once, on the first
 * request or `googleToken()`: `next build` imports route modules to collect their configuration, and a bridge made at
 * import would need the runtime's secrets and database there.
 *
 * @example
 * export const tokenbridge = createTokenbridgeHandlers(async () => {
 *   const store = await openStore(process.env.DATABASE_URL);
 *   return { bridge: createTokenBridge({ store, … }), store, config: { publicUrl, google: { clientId } } };
 * });
 */
export function createTokenbridgeHandlers(setup: NextTokenbridgeSetup): NextTokenbridge {
  let made: Promise<Made> | undefined;
  const ready = (): Promise<Made> => {
    made ??= Promise.resolve(typeof setup === 'function' ? setup() : setup).then(make, (error: unknown) => {
      made = undefined;
      throw error;
    });
    return made;
  };
  const handle: RouteHandler = async (request) => (await ready()).handle(request);
  return {
    GET: handle,
    HEAD: handle,
    POST: handle,
    PUT: handle,
    PATCH: handle,
    DELETE: handle,
    OPTIONS: handle,
    googleToken: async (scopes, tokenOptions) => (await ready()).googleToken(scopes, tokenOptions),
    close: async () => {
      if (made !== undefined) await (await made).close();
    },
  };
}

interface Made {
  handle: RouteHandler;
  googleToken: NextTokenbridge['googleToken'];
  close(): Promise<void>;
}

function make(options: NextTokenbridgeOptions): Made {
  const auth = options.auth ?? clerkAuth;
  const pending = new PendingIdentities();
  const bridge = lazyEmbeddedBridge(options, pending);

  const handle: RouteHandler = async (request) => {
    const fastify = await bridge.ready();
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const held = pending.hold(() => auth(request));
    headers[pending.header] = held.key;
    const address = options.clientAddress?.(request);
    const hasBody = request.body !== null && request.method !== 'GET' && request.method !== 'HEAD';
    let answer: Awaited<ReturnType<FastifyInstance['inject']>>;
    try {
      answer = await fastify.inject({
        method: request.method as 'GET',
        url: `${url.pathname}${url.search}`,
        headers,
        ...(hasBody ? { payload: Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>) } : {}),
        ...(address ? { remoteAddress: address } : {}),
        payloadAsStream: true,
      });
    } finally {
      // The identity is read before the route runs; once the head is out, nothing asks for it again.
      held.release();
    }
    const out = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) out.append(name, String(one));
    }
    const stream = answer.stream();
    const empty = request.method === 'HEAD' || answer.statusCode === 204 || answer.statusCode === 304;
    if (empty) stream.resume();
    const body = empty ? null : (Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>);
    return new Response(body, { status: answer.statusCode, headers: out });
  };

  return {
    handle,
    googleToken: async (scopes, tokenOptions) => {
      const { userId } = await auth(undefined);
      return googleTokenResult(options.bridge, userId, scopes, tokenOptions);
    },
    close: bridge.close,
  };
}
