import { createClerkClient } from '@clerk/backend';
import { decodeJwt } from 'jose';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { RetriesExhausted, type RetryPolicy, type Scheduler, type Transience, withRetries } from './retry.js';
import { parseGrantedScopes } from './scopes.js';
import { SingleFlight } from './single-flight.js';
import type { GoogleIdentity } from './types.js';

/** A Google access token held by Clerk for the user's linked Google account. */
export interface ClerkHeldToken {
  accessToken: string;
  /** Epoch ms; null when Clerk did not say. */
  expiresAt: number | null;
  scopes: string[];
  google: GoogleIdentity;
  fetchedAt: number;
}

/** What Clerk said about the user's Google account. */
export type ClerkLookup =
  | { kind: 'token'; token: ClerkHeldToken; cached?: boolean }
  | { kind: 'not_connected'; cached?: boolean }
  /** `refused`: the token Google refused, when that is why (so the account can still be named). */
  | { kind: 'reconnect_required'; clerkCode: string; refused?: ClerkHeldToken };

/**
 * The reconnect code of a Clerk-held account whose access token Google refused (the grant was revoked at Google) while
 * Clerk still hands that token out: Clerk refreshes only once a token expires, so it cannot know.
 */
export const GOOGLE_REFUSED_TOKEN = 'google_refused_token';

/** Clerk failed transiently (429, 5xx, network) and the retries are spent. */
export class ClerkUnavailable extends Error {
  constructor(
    readonly retryAfterMs: number,
    readonly clerkCode: string,
  ) {
    super(`Clerk unavailable: ${clerkCode}`);
    this.name = 'ClerkUnavailable';
  }
}

interface ClerkErrorShape {
  status?: number;
  retryAfter?: number;
  errors?: { code?: string }[];
}

class TransientClerkError extends Error {
  constructor(
    readonly code: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(code);
  }
}

export interface ClerkSourceOptions {
  secretKey: string;
  apiUrl?: string;
  clock: Clock;
  scheduler: Scheduler;
  retry: RetryPolicy;
  logger: Logger;
  /**
   * How long before `expires_at` a cached token stops being served and Clerk is asked for its successor. Default 5 s:
   * Clerk refreshes a Google token only once it has expired, so asking earlier would just return the same token and
   * spend a Backend API call.
   */
  refreshMarginSeconds?: number;
  /** How long a token without `expires_at` is cached. Default 5 min. */
  defaultTtlSeconds?: number;
  /** Per-call timeout. Default 10 s. */
  timeoutMs?: number;
  /** Most users cached, and most held in each per-user memory. Default 10,000 (least recently used first out). */
  maxEntries?: number;
  /**
   * How long "no Google account at Clerk" is remembered, so a user without one does not cost a Backend API call per
   * request. Default 45 s; `forget` (a Clerk `user.updated` webhook, a connect) ends it at once.
   */
  notFoundTtlSeconds?: number;
}

/**
 * A cached Clerk token that lacks a scope is re-checked with Clerk at most this often per user: the user may just have
 * added the scope through `reauthorize`, and Clerk's `user.updated` webhook can arrive after the app's next request.
 */
const RECHECK_MS = 10_000;

/**
 * Reads Clerk-held Google tokens with `@clerk/backend` and caches each until shortly before it expires, so Clerk is
 * asked once per token lifetime rather than once per request (development instances allow 100 calls per 10 s).
 * Concurrent misses for one user share a single Backend API call. Holds every per-user memory of Clerk-held
 * accounts: the tokens, the Google identities, "no account at Clerk", which accounts are broken at Clerk (so their
 * turning unusable is announced once), and when a token's missing scope was last re-checked.
 */
export class ClerkTokenSource {
  readonly #clerk: ReturnType<typeof createClerkClient>;
  readonly #cache = new Map<string, ClerkHeldToken>();
  readonly #identities = new Map<string, GoogleIdentity>();
  /** Users Clerk said have no Google account, and until when (epoch ms) that answer is trusted. */
  readonly #absent = new Map<string, number>();
  readonly #notFoundTtlMs: number;
  /** Counts forget() calls, so an answer fetched across one is not remembered as "no account". */
  #forgets = 0;
  readonly #flights = new SingleFlight<string, ClerkLookup>();
  readonly #marginMs: number;
  readonly #defaultTtlMs: number;
  readonly #maxEntries: number;
  /** Users whose Clerk-held Google account last answered 422 (needs a reconnect at Clerk). */
  readonly #broken = new Set<string>();
  /** When each user's cached token was last re-checked with Clerk for a missing scope. */
  readonly #rechecked = new Map<string, number>();
  /** Per user, the access token Google refused while Clerk still hands it out: not served again. */
  readonly #refused = new Map<string, ClerkHeldToken>();

  constructor(private readonly options: ClerkSourceOptions) {
    this.#clerk = createClerkClient({
      secretKey: options.secretKey,
      ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
      telemetry: { disabled: true },
    });
    this.#marginMs = (options.refreshMarginSeconds ?? 5) * 1000;
    this.#defaultTtlMs = (options.defaultTtlSeconds ?? 300) * 1000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#notFoundTtlMs = (options.notFoundTtlSeconds ?? 45) * 1000;
  }

  /** The cached token when still fresh, else Clerk's answer. `force` skips the cache. */
  async lookup(userId: string, force = false): Promise<ClerkLookup> {
    if (!force) {
      const cached = this.#fresh(userId);
      if (cached) return { kind: 'token', token: cached, cached: true };
      const absentUntil = this.#absent.get(userId);
      if (absentUntil !== undefined) {
        if (this.options.clock.now() < absentUntil) return { kind: 'not_connected', cached: true };
        this.#absent.delete(userId);
      }
    }
    return this.#flights.run(userId, () => this.#fetch(userId));
  }

  /** The cached token, if any, that has not yet expired (served while Clerk is failing). */
  stillValid(userId: string): ClerkHeldToken | null {
    const cached = this.#cache.get(userId);
    if (!cached) return null;
    return cached.expiresAt === null || cached.expiresAt > this.options.clock.now() ? cached : null;
  }

  /** Drops what is cached for the user (on disconnect, user deletion, or a 401 from Google). */
  forget(userId: string): void {
    this.#cache.delete(userId);
    this.#identities.delete(userId);
    this.#absent.delete(userId);
    this.#forgets += 1;
  }

  /** Records that Clerk cannot provide a token for the user; true when that is news (the account just broke). */
  noteBroken(userId: string): boolean {
    if (this.#broken.has(userId)) return false;
    this.#broken.add(userId);
    if (this.#broken.size > this.#maxEntries) this.#broken.delete(this.#broken.values().next().value as string);
    return true;
  }

  /** Records that Clerk answered for the user again; true when the account had been broken (it recovered). */
  noteAnswered(userId: string): boolean {
    return this.#broken.delete(userId);
  }

  /**
   * Records that Google no longer accepts `token` (checked with tokeninfo): Clerk's answers carrying it count as
   * `reconnect_required` with {@link GOOGLE_REFUSED_TOKEN} until Clerk hands out another (after a reauthorize).
   */
  noteRefused(userId: string, token: ClerkHeldToken): void {
    this.#cache.delete(userId);
    this.#refused.delete(userId);
    this.#refused.set(userId, token);
    if (this.#refused.size > this.#maxEntries) this.#refused.delete(this.#refused.keys().next().value as string);
  }

  /** Whether a cached token missing a scope may be re-checked with Clerk now (at most once per 10 s per user). */
  mayRecheck(userId: string): boolean {
    const now = this.options.clock.now();
    const last = this.#rechecked.get(userId);
    if (last !== undefined && now - last < RECHECK_MS) return false;
    this.#rechecked.delete(userId);
    this.#rechecked.set(userId, now);
    if (this.#rechecked.size > this.#maxEntries) {
      this.#rechecked.delete(this.#rechecked.keys().next().value as string);
    }
    return true;
  }

  /** Drops every cached token of one Google account (Google said its tokens were revoked); returns the user ids. */
  forgetGoogleAccount(sub: string): string[] {
    const users = [...this.#cache].filter(([, token]) => token.google.sub === sub).map(([userId]) => userId);
    for (const userId of users) this.#cache.delete(userId);
    return users;
  }

  #rememberAbsent(userId: string, forgetsAtStart: number): { kind: 'not_connected' } {
    this.#cache.delete(userId);
    this.#identities.delete(userId);
    // A forget() while Clerk was being asked (a user.updated webhook linking Google) makes this answer suspect.
    if (this.#forgets !== forgetsAtStart) return { kind: 'not_connected' };
    this.#absent.set(userId, this.options.clock.now() + this.#notFoundTtlMs);
    while (this.#absent.size > this.#maxEntries) {
      this.#absent.delete(this.#absent.keys().next().value as string);
    }
    return { kind: 'not_connected' };
  }

  #fresh(userId: string): ClerkHeldToken | null {
    const cached = this.#cache.get(userId);
    if (!cached) return null;
    const now = this.options.clock.now();
    const until =
      cached.expiresAt === null
        ? cached.fetchedAt + this.#defaultTtlMs
        : // A token Clerk handed out already inside the margin is kept until it expires: asking again would only
          // return the same one (Clerk refreshes only once a token has expired).
          cached.fetchedAt >= cached.expiresAt - this.#marginMs
          ? cached.expiresAt
          : cached.expiresAt - this.#marginMs;
    if (now >= until) return null;
    // Re-insert to keep the Map in least-recently-used order.
    this.#cache.delete(userId);
    this.#cache.set(userId, cached);
    return cached;
  }

  async #fetch(userId: string): Promise<ClerkLookup> {
    const { clock } = this.options;
    const forgetsAtStart = this.#forgets;
    let items: { token: string; expiresAt?: number | null; scopes?: string[]; idToken?: string | undefined }[];
    try {
      const reply = await withRetries(
        () => this.#call(() => this.#clerk.users.getUserOauthAccessToken(userId, 'google')),
        classify,
        this.options.scheduler,
        this.options.retry,
      );
      items = reply.data ?? [];
    } catch (error) {
      if (error instanceof RetriesExhausted) {
        const last = error.lastError as TransientClerkError;
        throw new ClerkUnavailable(error.retryAfterMs, last.code ?? 'unavailable');
      }
      const shape = error as ClerkErrorShape;
      const code = shape.errors?.[0]?.code ?? `http_${shape.status ?? 'error'}`;
      if (shape.status === 404) return this.#rememberAbsent(userId, forgetsAtStart);
      if (shape.status === 422 || shape.status === 400) {
        this.forget(userId);
        return { kind: 'reconnect_required', clerkCode: code };
      }
      this.options.logger.warn({ userId, status: shape.status, code }, 'Clerk refused the OAuth token request');
      throw new ClerkUnavailable(60_000, code);
    }
    const item = items.find((i) => typeof i.token === 'string' && i.token !== '');
    if (!item) return this.#rememberAbsent(userId, forgetsAtStart);
    const refused = this.#refused.get(userId);
    if (refused?.accessToken === item.token) {
      return { kind: 'reconnect_required', clerkCode: GOOGLE_REFUSED_TOKEN, refused };
    }
    if (refused !== undefined) this.#refused.delete(userId);
    const google = await this.#identity(userId, item.idToken);
    const token: ClerkHeldToken = {
      accessToken: item.token,
      expiresAt: typeof item.expiresAt === 'number' ? item.expiresAt * 1000 : null,
      scopes: parseGrantedScopes((item.scopes ?? []).join(' ')),
      google,
      fetchedAt: clock.now(),
    };
    this.#cache.delete(userId);
    this.#cache.set(userId, token);
    while (this.#cache.size > this.#maxEntries) {
      const oldest = this.#cache.keys().next().value as string;
      this.#cache.delete(oldest);
    }
    return { kind: 'token', token };
  }

  /** The Google account behind the token: from the id_token Clerk relays, else from the user's external accounts. */
  async #identity(userId: string, idToken: string | undefined): Promise<GoogleIdentity> {
    if (idToken) {
      try {
        const claims = decodeJwt(idToken);
        if (typeof claims.sub === 'string') {
          return { sub: claims.sub, email: typeof claims.email === 'string' ? claims.email : '' };
        }
      } catch {
        // Fall through to the Backend API.
      }
    }
    const known = this.#identities.get(userId);
    if (known) return known;
    try {
      const user = await this.#call(() => this.#clerk.users.getUser(userId));
      const account = user.externalAccounts.find((a) => a.provider === 'oauth_google' || a.provider === 'google');
      const identity = { sub: account?.providerUserId ?? '', email: account?.emailAddress ?? '' };
      this.#identities.set(userId, identity);
      return identity;
    } catch {
      return { sub: '', email: '' };
    }
  }

  /** Bounds a Backend API call in time: the SDK's fetch has no timeout of its own. */
  async #call<T>(fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TransientClerkError('timeout', undefined)), this.options.timeoutMs ?? 10_000);
      timer.unref?.();
    });
    try {
      return await Promise.race([fn(), timeout]);
    } catch (error) {
      if (error instanceof TransientClerkError) throw error;
      const shape = error as ClerkErrorShape;
      const code = shape.errors?.[0]?.code ?? 'unexpected_error';
      if (shape.status === undefined || shape.status === 429 || shape.status >= 500) {
        throw new TransientClerkError(
          code,
          typeof shape.retryAfter === 'number' ? Math.min(shape.retryAfter, 86_400) * 1000 : undefined,
        );
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}

function classify(error: unknown): Transience {
  return error instanceof TransientClerkError
    ? { transient: true, retryAfterMs: error.retryAfterMs }
    : { transient: false };
}
