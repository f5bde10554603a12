import fastifyRateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RateLimitConfig } from '../config/env.js';
import { TokenBridgeError } from '../core/errors.js';
import { MemoryTokenBuckets, type TokenBuckets } from '../token-buckets.js';
import { matchApiKey } from './api-keys.js';
import type { RouteContext } from './context.js';
import { tokenBucketStore } from './rate-limit-store.js';

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

/** Every route that takes a Clerk session or an API key, and the bucket group each spends from. */
const LIMITED_ROUTES: Record<string, string> = {
  '/api/google-token': 'token',
  '/api/users/:userId/google-token': 'token',
  '/connect/google': 'connect',
  '/oauth/google/callback': 'connect',
  '/api/google/code': 'connect',
  '/api/google/proxy/:service/*': 'proxy',
  '/api/google/connection': 'connection',
  '/api/audit': 'audit',
  '/api/users/:userId/audit': 'audit',
  '/metrics': 'metrics',
};

/** Routes whose credential is an API key (the user they read is in the path), not a Clerk session. */
const API_KEY_ROUTES = new Set(['/api/users/:userId/google-token', '/api/users/:userId/audit']);

/**
 * Rate limits, through `@fastify/rate-limit`, on every route that takes a credential: a request with a verified
 * identity (a Clerk session, an API key and the user it reads, the metrics token) spends from that user's bucket,
 * one per route group, so many users behind one address never starve each other and proxy traffic cannot starve
 * token reads. A request without one (no credential, a bad token, a wrong key) spends from its address's bucket,
 * whatever the route: that is where token and key guessing come from. `buckets` are the instance's memory by
 * default; instances sharing PostgreSQL pass the database's, so the limits hold across them. A limit of 0 is off.
 */
export async function registerRateLimits(
  app: FastifyInstance,
  context: RouteContext,
  config: RateLimitConfig,
  buckets: TokenBuckets = new MemoryTokenBuckets({ clock: context.clock }),
): Promise<void> {
  if (config.perUser <= 0 && config.perIp <= 0) return;
  const scopes = new WeakMap<FastifyRequest, 'user' | 'ip'>();
  const limitOf = (key: string) => (key.startsWith('ip:') ? config.perIp : config.perUser);
  await app.register(fastifyRateLimit, {
    store: tokenBucketStore(buckets),
    hook: 'onRequest',
    timeWindow: config.windowSeconds * 1000,
    max: (_request, key) => limitOf(key),
    // Unlisted routes (health, the console, webhooks with their own signatures) and switched-off limits pass.
    allowList: (_request, key) => key === '' || limitOf(key) <= 0,
    keyGenerator: async (request) => {
      const route = request.routeOptions.url ?? '';
      // Open metrics take no credential: nothing to guess, nothing to limit.
      const group =
        route === '/metrics' && context.config.metricsToken === undefined ? undefined : LIMITED_ROUTES[route];
      if (group === undefined) return '';
      const user = await identify(request, context);
      scopes.set(request, user === undefined ? 'ip' : 'user');
      // Addresses are normalised as the plugin does: an IPv6 client owns its whole /64, not one address of it.
      return user === undefined ? `ip:${normalizeIP(request.ip)}` : `${group}:${user}`;
    },
    errorResponseBuilder: (request, { ttl }) =>
      new RateLimitedError(scopes.get(request) ?? 'ip', Math.ceil(ttl / 1000)),
    // The 429's Retry-After comes with the error's JSON; no quota headers on other answers.
    addHeaders: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
      'retry-after': false,
    },
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
  });
}

/** Who is asking, if they prove it; the verifier caches verified tokens, so the handler's own check costs nothing. */
async function identify(request: FastifyRequest, context: RouteContext): Promise<string | undefined> {
  const authorization = request.headers.authorization;
  const bearer =
    typeof authorization === 'string' ? /^Bearer[ ]+(\S{1,8192})\s*$/i.exec(authorization)?.[1] : undefined;
  const route = request.routeOptions.url ?? '';
  if (API_KEY_ROUTES.has(route)) {
    const presented = bearer ?? request.headers['x-api-key'];
    if (typeof presented !== 'string' || presented.length > 512) return undefined;
    const key = matchApiKey(context.config.apiKeys, presented);
    const target = (request.params as { userId?: unknown }).userId;
    return key && typeof target === 'string' ? `api_key:${key.name}:${target}` : undefined;
  }
  if (route === '/metrics') {
    const token = context.config.metricsToken ?? '';
    return bearer !== undefined && matchApiKey([{ name: 'metrics', key: token }], bearer) ? 'scraper' : undefined;
  }
  const token = bearer ?? request.cookies?.['__session'];
  if (typeof token !== 'string' || token === '') return undefined;
  try {
    return `user:${(await context.verifier.verify(token)).userId}`;
  } catch {
    return undefined;
  }
}
