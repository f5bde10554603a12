import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Clock } from '../clock.js';
import type { RateLimitConfig } from '../config/env.js';
import { TokenBridgeError } from '../core/errors.js';
import { type BucketRule, MemoryTokenBuckets, type TokenBuckets } from '../token-buckets.js';
import { BucketLeases } from './bucket-leases.js';
import type { Caller } from './caller.js';

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

/**
 * Rate limits on every route that takes a credential (its config names a `limitGroup`), read from the caller the
 * caller hook found (`caller.ts`, registered before this): an identified caller (a Clerk session, an API key and the
 * user it reads, the metrics scraper) spends from its own bucket, one per route group, so many users behind one
 * address never starve each other and proxy traffic cannot starve token reads. A caller without a credential that
 * holds spends from its address's bucket, whatever the route: that is where token and key guessing come from.
 * Buckets refill evenly (`token-buckets.ts`): a client that waits `Retry-After` gets one more request, not a fresh
 * burst at a window's edge. `buckets` are the instance's memory by default; instances sharing PostgreSQL pass the
 * database's, so the limits hold across them, spent in leases (`bucket-leases.ts`) so that a busy user costs the
 * database a round trip per lease, not per request. A limit of 0 is off.
 *
 * @example
 * registerCallers(app, { verifier, apiKeys });
 * registerRateLimits(app, { perUser: 1200, perIp: 300, windowSeconds: 60 }, { clock });
 */
export function registerRateLimits(
  app: FastifyInstance,
  config: RateLimitConfig,
  options: { clock: Clock; buckets?: TokenBuckets | undefined },
): void {
  if (config.perUser <= 0 && config.perIp <= 0) return;
  const buckets = options.buckets ?? new MemoryTokenBuckets({ clock: options.clock });
  const windowMs = config.windowSeconds * 1000;
  const userRule: BucketRule = { limit: config.perUser, windowMs };
  const ipRule: BucketRule = { limit: config.perIp, windowMs };
  // Memory buckets answer at once, and so does a shared key's lease while it has credit: no promise on the hot path.
  const local = buckets instanceof MemoryTokenBuckets ? buckets : undefined;
  const shared = local === undefined ? new BucketLeases(buckets, options.clock) : undefined;

  app.addHook('onRoute', (route) => {
    const group = route.config?.limitGroup;
    if (group === undefined) return;
    // A signed-in caller is one object per session token (`caller.ts`): its bucket key is made once.
    const userKeys = new WeakMap<Caller, string>();
    const limit = (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
      const caller = request.caller;
      let key = caller?.kind === 'user' ? userKeys.get(caller) : undefined;
      let scope: 'user' | 'ip' = 'user';
      if (key === undefined) {
        const owner = bucketOwner(caller, request);
        if (owner === undefined) {
          scope = 'ip';
          // Addresses are normalised as @fastify/rate-limit does: an IPv6 client owns its whole /64, not one address.
          key = `ip:${normalizeIP(request.ip)}`;
        } else {
          key = `${group}:${owner}`;
          if (caller?.kind === 'user') userKeys.set(caller, key);
        }
      }
      const rule = scope === 'ip' ? ipRule : userRule;
      if (rule.limit <= 0) return done();
      const wait = local !== undefined ? local.takeNow(key, rule) : shared!.takeNow(key, rule);
      if (wait !== undefined) return done(refusal(scope, wait));
      shared!.take(key, rule).then(
        (waited) => done(refusal(scope, waited)),
        (error: unknown) => done(error as Error),
      );
    };
    route.onRequest = [...(route.onRequest === undefined ? [] : [route.onRequest].flat()), limit];
  });
}

/** The error for a request that must wait `wait` ms for its bucket, or undefined when it may go now. */
function refusal(scope: 'user' | 'ip', wait: number): RateLimitedError | undefined {
  return wait > 0 ? new RateLimitedError(scope, Math.ceil(wait / 1000)) : undefined;
}

/** Whose bucket an identified caller spends from; undefined for a caller without a credential that holds. */
function bucketOwner(caller: Caller | null, request: FastifyRequest): string | undefined {
  switch (caller?.kind) {
    case 'user':
      return `user:${caller.userId}`;
    case 'api_key': {
      // The app's backend reads many users: one bucket per user it reads, as each user's own page has.
      const target = (request.params as { userId?: unknown } | undefined)?.userId;
      return typeof target === 'string' ? `api_key:${caller.name}:${target}` : undefined;
    }
    case 'scraper':
      return 'scraper';
    default:
      return undefined;
  }
}
