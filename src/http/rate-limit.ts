import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RateLimitConfig } from '../config/env.js';
import type { Clock } from '../core/clock.js';
import { TokenBridgeError } from '../core/errors.js';
import { matchApiKey } from './api-keys.js';
import type { RouteContext } from './context.js';

/** Too many requests from one user or one address: 429 with `Retry-After`. */
export class RateLimitedError extends TokenBridgeError {
  static override readonly code = 'rate_limited';
  constructor(scope: 'user' | 'ip', retryAfterSeconds: number) {
    super(
      scope === 'user'
        ? 'Too many requests for this user; slow down and retry after the Retry-After delay.'
        : 'Too many unauthenticated requests from this address; retry after the Retry-After delay.',
      { status: 429, details: { scope, retryAfter: retryAfterSeconds } },
    );
  }
}

/** The defaults: generous enough for a busy page and the benchmarks, tight enough to stop a runaway client. */
export const DEFAULT_RATE_LIMIT: RateLimitConfig = { perUser: 1200, perIp: 300, windowSeconds: 60 };

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets keyed by string, on an injected clock: each key may spend `limit` requests at once and regains them
 * evenly over `windowMs`. Memory is bounded: past `maxKeys`, full buckets are dropped first, then the oldest.
 *
 * @example
 * const limiter = new RateLimiter({ limit: 60, windowMs: 60_000, clock: systemClock });
 * const wait = limiter.take('user:user_1'); // 0 when allowed, else milliseconds until the next request may pass
 */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #limit: number;
  readonly #perMs: number;
  readonly #clock: Clock;
  readonly #maxKeys: number;

  constructor(options: { limit: number; windowMs: number; clock: Clock; maxKeys?: number }) {
    this.#limit = options.limit;
    this.#perMs = options.limit / options.windowMs;
    this.#clock = options.clock;
    this.#maxKeys = options.maxKeys ?? 100_000;
  }

  /** Spends one request of `key`: 0 when it may pass, else how many milliseconds until it would. */
  take(key: string): number {
    const now = this.#clock.now();
    const bucket = this.#buckets.get(key);
    const tokens = bucket ? Math.min(this.#limit, bucket.tokens + (now - bucket.at) * this.#perMs) : this.#limit;
    if (tokens < 1) {
      if (bucket) Object.assign(bucket, { tokens, at: now });
      return Math.ceil((1 - tokens) / this.#perMs);
    }
    if (!bucket) this.#evictIfFull(now);
    // Re-inserting keeps the map in last-use order, so eviction drops the least recently seen key.
    this.#buckets.delete(key);
    this.#buckets.set(key, { tokens: tokens - 1, at: now });
    return 0;
  }

  #evictIfFull(now: number): void {
    if (this.#buckets.size < this.#maxKeys) return;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.at) * this.#perMs >= this.#limit) this.#buckets.delete(key);
    }
    while (this.#buckets.size >= this.#maxKeys) this.#buckets.delete(this.#buckets.keys().next().value as string);
  }
}

/** The routes that hand out or use Google tokens, and the bucket group each spends from. */
const LIMITED_ROUTES: Record<string, 'token' | 'connect' | 'proxy'> = {
  '/api/google-token': 'token',
  '/api/users/:userId/google-token': 'token',
  '/connect/google': 'connect',
  '/oauth/google/callback': 'connect',
  '/api/google/code': 'connect',
  '/api/google/proxy/:service/*': 'proxy',
};

/**
 * Rate limits on the token, connect and proxy routes. A request with a verified identity (a Clerk session, or an API
 * key for the server-to-server route) spends from that user's bucket, one per route group, so many users behind one
 * address (an office NAT, a load balancer) never starve each other. A request without one spends from its address's
 * bucket: that is where token guessing and floods come from. A limit of 0 switches that limit off.
 */
export function registerRateLimits(app: FastifyInstance, context: RouteContext, config: RateLimitConfig): void {
  const windowMs = config.windowSeconds * 1000;
  const perUser =
    config.perUser > 0 ? new RateLimiter({ limit: config.perUser, windowMs, clock: context.clock }) : undefined;
  const perIp = config.perIp > 0 ? new RateLimiter({ limit: config.perIp, windowMs, clock: context.clock }) : undefined;
  if (!perUser && !perIp) return;

  app.addHook('onRequest', async (request) => {
    const group = LIMITED_ROUTES[request.routeOptions.url ?? ''];
    if (group === undefined) return;
    const user = await identify(request, context);
    if (user !== undefined) {
      const wait = perUser?.take(`${group}:${user}`) ?? 0;
      if (wait > 0) throw new RateLimitedError('user', Math.ceil(wait / 1000));
      return;
    }
    const wait = perIp?.take(request.ip) ?? 0;
    if (wait > 0) throw new RateLimitedError('ip', Math.ceil(wait / 1000));
  });
}

/** Who is asking, if they prove it; the verifier caches verified tokens, so the handler's own check costs nothing. */
async function identify(request: FastifyRequest, context: RouteContext): Promise<string | undefined> {
  const authorization = request.headers.authorization;
  const bearer =
    typeof authorization === 'string' ? /^Bearer[ ]+(\S{1,8192})\s*$/i.exec(authorization)?.[1] : undefined;
  if (request.routeOptions.url === '/api/users/:userId/google-token') {
    const presented = bearer ?? request.headers['x-api-key'];
    if (typeof presented !== 'string' || presented.length > 512) return undefined;
    const key = matchApiKey(context.config.apiKeys, presented);
    const target = (request.params as { userId?: unknown }).userId;
    return key && typeof target === 'string' ? `api_key:${key.name}:${target}` : undefined;
  }
  const token = bearer ?? request.cookies?.['__session'];
  if (typeof token !== 'string' || token === '') return undefined;
  try {
    return `user:${(await context.verifier.verify(token)).userId}`;
  } catch {
    return undefined;
  }
}
