import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ApiKey } from '../config/env.js';
import { UnauthenticatedError } from '../core/errors.js';
import { apiKeyMatcher } from './api-keys.js';
import { parseAuthorization, plainCredential } from './credentials.js';
import { hostIdentityHook, type Identify } from './host-identity.js';
import type { SessionIdentity, SessionVerifier } from './session-verifier.js';

/** What a route takes as proof of who is asking. */
export type Credential = 'session' | 'api_key' | 'metrics';

/** Who is asking, as the caller hook found them; `anonymous` carries why no credential held (thrown by the route). */
export type Caller =
  | { kind: 'user'; userId: string; sessionId: string | null }
  | { kind: 'api_key'; name: string }
  | { kind: 'scraper' }
  | { kind: 'anonymous'; refusal: unknown };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What this route takes as proof of who is asking; unset: nothing (health, the console, signed webhooks). */
    credential?: Credential;
    /** Session routes: also accept a session token that expired this many seconds ago (the OAuth callback). */
    sessionGraceSeconds?: number;
    /** The rate-limit bucket group an identified caller spends from on this route (`token`, `connect`, …). */
    limitGroup?: string;
  }
  interface FastifyRequest {
    /** Set before any other route hook on routes that take a credential; null elsewhere. */
    caller: Caller | null;
  }
}

export interface CallerOptions {
  /** Verifies Clerk session tokens on session routes; unused when `identify` is given. */
  verifier?: SessionVerifier | undefined;
  /** The host app names the signed-in user itself (an adapter): session routes ask it instead of `verifier`. */
  identify?: Identify | undefined;
  apiKeys: readonly ApiKey[];
  /** The metrics scraper's token, when `/metrics` takes one. */
  metricsToken?: string | undefined;
}

const NO_SESSION = 'A valid Clerk session token is required.';
const NOT_BEARER = 'The Authorization header must be "Bearer <Clerk session token>".';
const NO_API_KEY = 'A valid API key is required (Authorization: Bearer <key>).';
const NO_METRICS_TOKEN = 'Metrics require Authorization: Bearer <TOKENBRIDGE_METRICS_TOKEN>.';

/**
 * Identifies the caller once per request, on every route that declares a `credential` in its config, and decorates
 * the request with the result (`request.caller`): the rate limiter, the route and the log line read it from there.
 * A credential that does not hold is not an error here: the caller is `anonymous` with the reason, so the rate limiter
 * can count it against the address and the route throws the reason when (and only when) it needs an identity.
 *
 * @example
 * registerCallers(app, { verifier, apiKeys: config.apiKeys });
 * app.get('/api/me', { config: { credential: 'session', limitGroup: 'me' } }, async (request) =>
 *   ({ userId: signedInUser(request) }));
 */
export function registerCallers(app: FastifyInstance, options: CallerOptions): void {
  // The standalone server decorates at its root (its request log reads the caller); a host app's instance does not.
  if (!app.hasRequestDecorator('caller')) app.decorateRequest('caller', null);
  const matchKey = apiKeyMatcher(options.apiKeys);
  const matchMetrics = apiKeyMatcher(
    options.metricsToken === undefined ? [] : [{ name: 'metrics', key: options.metricsToken }],
  );
  app.addHook('onRoute', (route) => {
    const credential = route.config?.credential;
    if (credential === undefined) return;
    const identify =
      credential === 'session'
        ? options.identify
          ? hostIdentityHook(options.identify)
          : sessionHook(options.verifier!, route.config?.sessionGraceSeconds ?? 0)
        : credential === 'api_key'
          ? apiKeyHook(matchKey)
          : metricsHook(matchMetrics);
    route.onRequest = [...hooks(route.onRequest), identify];
  });
}

/** The signed-in Clerk user behind a session route's request; throws why there is none. */
export function signedInUser(request: FastifyRequest): string {
  const caller = request.caller;
  if (caller?.kind === 'user') return caller.userId;
  throw refusal(caller, NO_SESSION);
}

/** The API key behind an API-key route's request (its configured name); throws why there is none. */
export function apiKeyName(request: FastifyRequest): string {
  const caller = request.caller;
  if (caller?.kind === 'api_key') return caller.name;
  throw refusal(caller, NO_API_KEY);
}

/** Throws unless the metrics scraper presented its token. */
export function requireScraper(request: FastifyRequest): void {
  if (request.caller?.kind !== 'scraper') throw refusal(request.caller, NO_METRICS_TOKEN);
}

/** How the caller shows in a log line: a user id or an API key's name, never a credential. */
export function callerLabel(caller: Caller | null): string | undefined {
  if (caller === null) return undefined;
  switch (caller.kind) {
    case 'user':
      return caller.userId;
    case 'api_key':
      return `api_key:${caller.name}`;
    case 'scraper':
      return 'metrics';
    default:
      return 'anonymous';
  }
}

type Hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/**
 * `Authorization: Bearer` (API calls from the page) wins, else the `__session` cookie (browser navigations). A warm
 * session token is answered from the verifier's memory without a promise.
 */
function sessionHook(verifier: SessionVerifier, graceSeconds: number): Hook {
  const grace = graceSeconds > 0 ? { graceSeconds } : {};
  // One caller per remembered identity: a page polling with the same token is the same caller object each time, so
  // what is derived from it (the rate-limit bucket's key) is derived once.
  const callers = new WeakMap<SessionIdentity, Caller>();
  const callerOf = (identity: SessionIdentity): Caller => {
    let caller = callers.get(identity);
    if (caller === undefined) {
      caller = { kind: 'user', userId: identity.userId, sessionId: identity.sessionId };
      callers.set(identity, caller);
    }
    return caller;
  };
  return (request, _reply, done) => {
    const header = parseAuthorization(request.headers.authorization);
    let token: string | undefined;
    if (header.kind === 'bearer') token = header.credential;
    else if (header.kind === 'malformed') return anonymous(request, new UnauthenticatedError(NOT_BEARER), done);
    else token = plainCredential(request.cookies?.['__session']);
    if (token === undefined) return anonymous(request, new UnauthenticatedError(NO_SESSION), done);
    const known = graceSeconds === 0 ? verifier.recall(token) : undefined;
    if (known !== undefined) {
      request.caller = callerOf(known);
      return done();
    }
    verifier.verify(token, grace).then(
      (identity) => {
        request.caller = callerOf(identity);
        done();
      },
      (error: unknown) => anonymous(request, error, done),
    );
  };
}

/** `Authorization: Bearer <key>`, else `X-API-Key: <key>`. */
function apiKeyHook(match: (presented: string) => ApiKey | undefined): Hook {
  return (request, _reply, done) => {
    const header = parseAuthorization(request.headers.authorization);
    const presented =
      header.kind === 'bearer'
        ? header.credential
        : header.kind === 'absent'
          ? plainCredential(request.headers['x-api-key'])
          : undefined;
    const key = presented === undefined ? undefined : match(presented);
    if (key === undefined) return anonymous(request, new UnauthenticatedError(NO_API_KEY), done);
    request.caller = { kind: 'api_key', name: key.name };
    done();
  };
}

function metricsHook(match: (presented: string) => ApiKey | undefined): Hook {
  return (request, _reply, done) => {
    const header = parseAuthorization(request.headers.authorization);
    if (header.kind === 'bearer' && match(header.credential) !== undefined) {
      request.caller = { kind: 'scraper' };
      return done();
    }
    anonymous(request, new UnauthenticatedError(NO_METRICS_TOKEN), done);
  };
}

function anonymous(request: FastifyRequest, reason: unknown, done: HookHandlerDoneFunction): void {
  request.caller = { kind: 'anonymous', refusal: reason };
  done();
}

/** The reason an anonymous caller was refused; a route without the caller hook refuses with `fallback`. */
function refusal(caller: Caller | null, fallback: string): unknown {
  return caller?.kind === 'anonymous' ? caller.refusal : new UnauthenticatedError(fallback);
}

function hooks<T>(existing: T | T[] | undefined): T[] {
  if (existing === undefined) return [];
  return Array.isArray(existing) ? existing : [existing];
}
