import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Logger, pino } from 'pino';
import type { ConnectionRepository, OutboxEntry, Store, StoredConnection } from '../storage/index.js';
import { type ClerkHeldToken, ClerkTokenSource, ClerkUnavailable } from './clerk-source.js';
import { type Clock, systemClock } from './clock.js';
import { ConnectionCache } from './connection-cache.js';
import {
  AuthorizationFailedError,
  ConfigurationError,
  DecryptionError,
  InvalidRequestError,
  InvalidStateError,
  NotConnectedError,
  ReconnectRequiredError,
  ScopesMissingError,
  StorageUnavailableError,
  TokenBridgeError,
  UpstreamUnavailableError,
} from './errors.js';
import { EventHub } from './events.js';
import { GoogleOAuth, GoogleOAuthError, type GoogleTokens, type VerifiedIdentity } from './google-oauth.js';
import type { Keyring } from './keyring.js';
import {
  defaultRetryPolicy,
  RetriesExhausted,
  type RetryPolicy,
  type Scheduler,
  timerScheduler,
  withRetries,
} from './retry.js';
import { safeReturnTo } from './return-to.js';
import { type RiscEvent, type RiscSubject, riscEventLookupKey, riscTokenLookupKeys } from './risc.js';
import { missingScopes, normaliseScopes, parseGrantedScopes } from './scopes.js';
import { SingleFlight } from './single-flight.js';
import type {
  AccessToken,
  AuthorizationRequest,
  AuthorizationResult,
  AuthorizationStart,
  BridgeEvent,
  Connection,
  DisconnectOptions,
  GetAccessTokenOptions,
  ReconnectReason,
  SecurityEventsResult,
  TokenBridge,
  TokenSourcePolicy,
} from './types.js';
import { outboxEntries } from './webhook-payload.js';

export interface TokenBridgeOptions {
  store: Store;
  keyring: Keyring;
  google: {
    clientId: string;
    clientSecret: string;
    redirectUri: string;
    /** One origin serving every Google path (the emulator); default the real Google hosts. */
    baseUrl?: string;
    /** The id_token issuer; default https://accounts.google.com (and the legacy accounts.google.com). */
    issuer?: string;
  };
  /** Enables the Clerk-held source (`@clerk/backend` `users.getUserOauthAccessToken`). */
  clerk?: { secretKey: string; apiUrl?: string };
  /** Default `auto`. */
  tokenSource?: TokenSourcePolicy;
  /** The app-facing URL that starts consent for these scopes (the HTTP layer supplies it). */
  connectUrl(scopes: string[]): string;
  clock?: Clock;
  logger?: Logger;
  /** Waits between retries; inject one in tests so backoff never sleeps. */
  scheduler?: Scheduler;
  /** Bounds on retrying transient Google and Clerk failures. */
  retry?: Partial<RetryPolicy>;
  /** Per-request timeout for Google and Clerk calls. Default 10 s. */
  httpTimeoutMs?: number;
  /** Users whose connection and decrypted access token are kept in memory (LRU). Default 10,000; 0 turns it off. */
  cacheSize?: number;
  /**
   * Writes the outbound events (`connection.*`) to the store's webhook outbox in the same transaction as the change
   * they report, so a crash between the two cannot lose one. Set it when a `WebhookDispatcher` delivers them (and
   * have the dispatcher `follow` the bridge rather than `attach` to it). Default false.
   */
  outbox?: boolean;
}

const DEFAULT_MIN_VALIDITY_SECONDS = 300;
export const MAX_MIN_VALIDITY_SECONDS = 3600;
const STATE_TTL_MS = 10 * 60_000;
const IDENTITY_SCOPES = ['openid', 'email'];
/** Always requested anyway, so never worth listing in a connect URL. */
const NON_GRANT_SCOPES = new Set(['openid', 'email', 'https://www.googleapis.com/auth/userinfo.email']);
/** Refresh-token lifetimes Google grants apps in Testing status run out within this window of the recorded expiry. */
const TESTING_EXPIRY_SLACK_MS = 60 * 60_000;

const sha256 = (value: string): string => createHash('sha256').update(value).digest('base64url');
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const randomToken = (bytes: number): string => randomBytes(bytes).toString('base64url');
/** How many users each per-user Clerk memory holds (broken accounts, scope re-checks); the oldest go first. */
const MAX_CLERK_USERS = 10_000;
/** How often a refresh re-applies Google's answer onto a row another process rewrote meanwhile, before giving up. */
const MAX_REBASES = 3;
/**
 * A cached Clerk token that lacks a scope is re-checked with Clerk at most this often per user: the user may just have
 * added the scope through `reauthorize`, and Clerk's `user.updated` webhook can arrive after the app's next request.
 */
const CLERK_RECHECK_MS = 10_000;

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether one `getAccessToken` call had to wait for Google or Clerk (for the cache hit ratio). */
interface Trace {
  upstream: boolean;
}

/** What a locked refresh decided; events and audit entries are written after the lock is released. */
type RefreshOutcome =
  | { kind: 'fresh'; connection: StoredConnection }
  | { kind: 'refreshed'; connection: StoredConnection; recovered: boolean; durationMs: number }
  | { kind: 'needs_reconnect'; connection: StoredConnection; reason: ReconnectReason }
  | {
      kind: 'failed';
      connection: StoredConnection | null;
      error: GoogleOAuthError | RetriesExhausted;
      transient: boolean;
    };

/**
 * Creates the bridge: one call for a fresh, scope-checked Google access token per Clerk user, from the bridge's own
 * OAuth connection or the Google account the user linked in Clerk. The caller owns `store` (migrate it first, close
 * it after `bridge.close()`).
 *
 * @example
 * const bridge = createTokenBridge({ store, keyring, google: { clientId, clientSecret, redirectUri },
 *   connectUrl: (scopes) => `/connect/google?${scopes.map((s) => `scope=${encodeURIComponent(s)}`).join('&')}` });
 * const { accessToken } = await bridge.getAccessToken('user_123', { scopes: ['drive.readonly'] });
 */
export function createTokenBridge(options: TokenBridgeOptions): TokenBridge {
  return new Bridge(options);
}

class Bridge implements TokenBridge {
  readonly #store: Store;
  readonly #keyring: Keyring;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #google: GoogleOAuth;
  readonly #clerk: ClerkTokenSource | null;
  readonly #policy: TokenSourcePolicy;
  readonly #events: EventHub;
  readonly #cache: ConnectionCache;
  readonly #refreshes = new SingleFlight<string, StoredConnection>();
  readonly #scheduler: Scheduler;
  readonly #retry: RetryPolicy;
  readonly #connectUrl: (scopes: string[]) => string;
  /** Outbound events go to the outbox with the change they report (see `TokenBridgeOptions.outbox`). */
  readonly #outbox: boolean;
  /** Users whose Clerk-held Google account last answered 422 (needs a reconnect at Clerk). */
  readonly #clerkBroken = new Set<string>();
  readonly #clerkRechecked = new Map<string, number>();
  #closed = false;

  constructor(options: TokenBridgeOptions) {
    const { google } = options;
    if (!google?.clientId || !google.clientSecret || !google.redirectUri) {
      throw new ConfigurationError('Google clientId, clientSecret and redirectUri are required.');
    }
    if (typeof options.connectUrl !== 'function') {
      throw new ConfigurationError('connectUrl(scopes) is required: the app URL that starts Google consent.');
    }
    this.#policy = options.tokenSource ?? 'auto';
    if (!['auto', 'oauth', 'clerk'].includes(this.#policy)) {
      throw new ConfigurationError('tokenSource must be auto, clerk or oauth.');
    }
    if (this.#policy === 'clerk' && !options.clerk) {
      throw new ConfigurationError('tokenSource "clerk" needs the clerk option (a Clerk secret key).');
    }
    this.#store = options.store;
    this.#keyring = options.keyring;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? pino({ level: 'silent' });
    this.#scheduler = options.scheduler ?? timerScheduler;
    this.#retry = { ...defaultRetryPolicy, ...options.retry };
    this.#connectUrl = options.connectUrl;
    this.#outbox = options.outbox === true;
    this.#events = new EventHub(this.#logger);
    this.#cache = new ConnectionCache(this.#store, options.cacheSize ?? 10_000);
    this.#google = new GoogleOAuth({ ...google, clock: this.#clock, timeoutMs: options.httpTimeoutMs });
    this.#clerk =
      options.clerk && this.#policy !== 'oauth'
        ? new ClerkTokenSource({
            ...options.clerk,
            clock: this.#clock,
            scheduler: this.#scheduler,
            retry: this.#retry,
            logger: this.#logger,
            timeoutMs: options.httpTimeoutMs,
          })
        : null;
  }

  on(listener: (event: BridgeEvent) => void): () => void {
    return this.#events.on(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#refreshes.drain();
    this.#cache.close();
    this.#events.clear();
  }

  // ---------------------------------------------------------------- tokens

  async getAccessToken(userId: string, input?: GetAccessTokenOptions): Promise<AccessToken> {
    this.#assertOpen();
    checkUserId(userId);
    const options = input ?? {};
    const requested = normaliseScopes(options.scopes ?? []);
    const minValidityMs = minValidity(options.minValiditySeconds) * 1000;
    const force = options.forceRefresh === true;
    const started = this.#clock.now();
    const trace: Trace = { upstream: false };
    const finished = (outcome: string, source: AccessToken['source'] | null) =>
      this.#events.emit({
        type: 'token.requested',
        userId,
        outcome,
        source,
        upstream: trace.upstream,
        durationMs: this.#clock.now() - started,
      });
    let token: AccessToken;
    try {
      token = await this.#resolve(userId, requested, minValidityMs, force, trace);
    } catch (error) {
      finished(error instanceof TokenBridgeError ? error.code : 'internal_error', null);
      throw error;
    }
    finished('ok', token.source);
    if (options.actor !== undefined) {
      await this.#audit(userId, 'token_read', options.actor, { source: token.source, scopes: requested });
    }
    return token;
  }

  async #resolve(
    userId: string,
    requested: string[],
    minValidityMs: number,
    force: boolean,
    trace: Trace,
  ): Promise<AccessToken> {
    if (this.#policy === 'oauth') return this.#ownToken(userId, requested, minValidityMs, force, undefined, trace);
    if (this.#policy === 'clerk') return this.#clerkToken(userId, requested, force, trace);

    // auto: the own connection when it covers the scopes; else a Clerk-held one that does; else the precise error.
    const own = await this.#readConnection(userId);
    let ownError: TokenBridgeError | undefined;
    if (own) {
      if (own.status === 'active' && missingScopes(own.scopes, requested).length === 0) {
        try {
          return await this.#ownToken(userId, requested, minValidityMs, force, own, trace);
        } catch (error) {
          if (!(error instanceof ReconnectRequiredError || error instanceof ScopesMissingError)) throw error;
          ownError = error;
        }
      } else {
        ownError = this.#unusable(own, requested) ?? undefined;
      }
    }
    if (!this.#clerk) throw ownError ?? new NotConnectedError(this.#connectUrl(requested));
    try {
      return await this.#clerkToken(userId, requested, force, trace);
    } catch (clerkError) {
      // The own connection's story is the more useful one: it is what the connect URL repairs.
      if (ownError && clerkError instanceof TokenBridgeError && clerkError.status !== 503) throw ownError;
      throw clerkError;
    }
  }

  /** Why a stored connection cannot serve `requested`, or null when it can. */
  #unusable(connection: StoredConnection, requested: string[]): TokenBridgeError | null {
    if (connection.status !== 'active') {
      return new ReconnectRequiredError(
        connection.reconnectReason ?? 'unknown',
        this.#connectUrl(reconnectScopes(connection.scopes, requested)),
      );
    }
    const missing = missingScopes(connection.scopes, requested);
    return missing.length > 0 ? new ScopesMissingError(missing, this.#connectUrl(missing)) : null;
  }

  async #ownToken(
    userId: string,
    requested: string[],
    minValidityMs: number,
    force: boolean,
    known: StoredConnection | undefined,
    trace: Trace,
  ): Promise<AccessToken> {
    const connection = known ?? (await this.#readConnection(userId));
    if (!connection) throw new NotConnectedError(this.#connectUrl(requested));
    const unusable = this.#unusable(connection, requested);
    if (unusable) throw unusable;
    try {
      if (!force && this.#validFor(connection, minValidityMs)) return this.#accessToken(connection);

      trace.upstream = true;
      const refreshed = await this.#refreshes.run(userId, () =>
        this.#refresh(userId, { minValidityMs, force, seenVersion: connection.version }),
      );
      const stillUnusable = this.#unusable(refreshed, requested);
      if (stillUnusable) throw stillUnusable;
      return this.#accessToken(refreshed);
    } catch (error) {
      if (!(error instanceof DecryptionError)) throw error;
      // A ciphertext copied from another row, tampered with, or under a key gone from the keyring is unusable. The row
      // stays as it is (restoring a key repairs it); reconnecting replaces it.
      this.#logger.warn({ userId, code: error.code }, 'a stored token could not be decrypted');
      throw new ReconnectRequiredError('unknown', this.#connectUrl(reconnectScopes(connection.scopes, requested)));
    }
  }

  #validFor(connection: StoredConnection, minValidityMs: number): boolean {
    return (
      connection.accessToken !== null &&
      connection.accessTokenExpiresAt !== null &&
      connection.accessTokenExpiresAt - this.#clock.now() >= minValidityMs
    );
  }

  /** The user's own connection, from memory when the change feed vouches for it, else from the store. */
  async #readConnection(userId: string): Promise<StoredConnection | null> {
    const cached = this.#cache.get(userId);
    if (cached) return cached.connection;
    const generation = this.#cache.generation;
    const connection = await this.#store.getConnection(userId);
    this.#cache.fill(userId, connection, generation);
    return connection;
  }

  #accessToken(connection: StoredConnection): AccessToken {
    const { userId } = connection;
    const cached = this.#cache.get(userId);
    const decrypt = () => this.#keyring.decrypt(connection.accessToken!, { userId, purpose: 'access_token' });
    let accessToken: string;
    if (cached && cached.connection === connection) {
      cached.accessToken ??= decrypt();
      accessToken = cached.accessToken;
    } else {
      accessToken = decrypt();
    }
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresAt: iso(connection.accessTokenExpiresAt)!,
      scopes: connection.scopes,
      source: 'oauth',
      google: { sub: connection.googleSub, email: connection.googleEmail },
    };
  }

  /**
   * Refreshes under the cross-instance lock: re-reads the row once the lock is held (another instance may have
   * refreshed meanwhile), then spends at most one refresh grant. Runs inside the in-process single-flight.
   */
  async #refresh(
    userId: string,
    want: { minValidityMs: number; force: boolean; seenVersion: number },
  ): Promise<StoredConnection> {
    const asked = this.#clock.now();
    // Another instance's refresh landing while this one waits for the lock is often all this one wanted.
    const joined = async (repo: ConnectionRepository): Promise<RefreshOutcome | undefined> => {
      const current = this.#noRefreshNeeded(await repo.getConnection(userId), want);
      if (current) this.#events.emit({ type: 'refresh.joined', userId, waitMs: this.#clock.now() - asked });
      return current ? { kind: 'fresh', connection: current } : undefined;
    };
    const underLock = async (repo: ConnectionRepository): Promise<RefreshOutcome> => {
      this.#events.emit({ type: 'refresh.lock_acquired', userId, waitMs: this.#clock.now() - asked });
      const found = await repo.getConnection(userId);
      const settled = this.#noRefreshNeeded(found, want);
      if (settled) return { kind: 'fresh', connection: settled };
      const current = found!;
      const now = this.#clock.now();
      if (current.refreshToken === null) {
        // Without a refresh token nothing can be renewed: the user must consent again (with prompt=consent).
        const dead = {
          ...current,
          status: 'needs_reconnect' as const,
          reconnectReason: 'unknown' as const,
          updatedAt: now,
        };
        const events = this.#outboxOf({ type: 'connection.needs_reconnect', userId, reason: 'unknown' });
        return {
          kind: 'needs_reconnect',
          connection: (await repo.updateConnection(dead, events)) ?? dead,
          reason: 'unknown',
        };
      }
      const refreshToken = this.#keyring.decrypt(current.refreshToken, { userId, purpose: 'refresh_token' });
      let tokens: GoogleTokens;
      try {
        tokens = await withRetries(
          () => this.#google.refresh(refreshToken),
          GoogleOAuthError.classify,
          this.#scheduler,
          this.#retry,
        );
      } catch (error) {
        const at = this.#clock.now();
        if (error instanceof GoogleOAuthError && error.kind === 'invalid_grant') {
          const reason = reconnectReason(current, error, at);
          const dead: StoredConnection = {
            ...current,
            status: 'needs_reconnect',
            reconnectReason: reason,
            refreshToken: null,
            accessToken: null,
            accessTokenExpiresAt: null,
            riscKeys: null,
            lastError: { code: 'invalid_grant', message: error.description ?? 'invalid_grant', at },
            updatedAt: at,
          };
          const events = this.#outboxOf({ type: 'connection.needs_reconnect', userId, reason });
          return { kind: 'needs_reconnect', connection: (await repo.updateConnection(dead, events)) ?? dead, reason };
        }
        if (error instanceof GoogleOAuthError || error instanceof RetriesExhausted) {
          const cause = error instanceof RetriesExhausted ? (error.lastError as GoogleOAuthError) : error;
          const noted: StoredConnection = {
            ...current,
            lastError: { code: cause.oauthError, message: describeFailure(cause), at },
            updatedAt: at,
          };
          const saved = await repo.updateConnection(noted);
          return { kind: 'failed', connection: saved ?? current, error, transient: error instanceof RetriesExhausted };
        }
        throw error;
      }
      const at = this.#clock.now();
      const granted = tokens.scope === null ? current.scopes : parseGrantedScopes(tokens.scope);
      const next: StoredConnection = {
        ...current,
        accessToken: this.#keyring.encrypt(tokens.accessToken, { userId, purpose: 'access_token' }),
        accessTokenExpiresAt: at + tokens.expiresInSeconds * 1000,
        // Google's refresh replies carry no refresh token: the stored one stays (re-encrypted after a key rotation).
        refreshToken: tokens.refreshToken
          ? this.#keyring.encrypt(tokens.refreshToken, { userId, purpose: 'refresh_token' })
          : this.#keyring.needsReencryption(current.refreshToken)
            ? this.#keyring.encrypt(refreshToken, { userId, purpose: 'refresh_token' })
            : current.refreshToken,
        refreshTokenExpiresAt: tokens.refreshTokenExpiresInSeconds
          ? at + tokens.refreshTokenExpiresInSeconds * 1000
          : current.refreshTokenExpiresAt,
        // Rows linked before the RISC index existed get their keys on their first refresh.
        riscKeys: tokens.refreshToken
          ? riscTokenLookupKeys(tokens.refreshToken)
          : (current.riscKeys ?? riscTokenLookupKeys(refreshToken)),
        scopes: granted,
        lastRefreshAt: at,
        lastError: null,
        updatedAt: at,
      };
      // The row may change under us. A disconnect or a relink wins. A rewrite of the same grant (a key rotation
      // re-encrypting it from another process) must not cost the token Google just issued: it goes onto that row.
      const recovered = current.lastError !== null;
      const events = () =>
        recovered ? this.#outboxOf({ type: 'connection.recovered', userId, connection: this.#view(next) }) : [];
      let saved = await repo.updateConnection(next, events());
      for (let attempt = 1; !saved; attempt++) {
        const latest = await repo.getConnection(userId);
        if (!latest) throw new NotConnectedError(this.#connectUrl([]));
        const sameGrant = latest.status === 'active' && latest.googleSub === current.googleSub;
        if (!sameGrant || this.#validFor(latest, want.minValidityMs)) return { kind: 'fresh', connection: latest };
        if (attempt > MAX_REBASES)
          throw new StorageUnavailableError(new Error('the row kept changing during a refresh'));
        saved = await repo.updateConnection(
          {
            ...latest,
            accessToken: next.accessToken,
            accessTokenExpiresAt: next.accessTokenExpiresAt,
            ...(tokens.refreshToken ? { refreshToken: next.refreshToken, riscKeys: next.riscKeys } : {}),
            refreshTokenExpiresAt: next.refreshTokenExpiresAt,
            scopes: next.scopes,
            lastRefreshAt: at,
            lastError: null,
            updatedAt: at,
          },
          events(),
        );
      }
      return { kind: 'refreshed', connection: saved, recovered, durationMs: at - now };
    };
    const outcome = await this.#store.withRefreshLock(userId, underLock, joined);
    // This instance's own write: the next read takes the row from the store (the feed evicts it everywhere else).
    if (outcome.kind !== 'fresh') this.#cache.forget(userId);
    return this.#settleRefresh(userId, outcome);
  }

  /**
   * The row as read once a refresh may have landed: itself when spending a refresh grant on it would be wrong (it is
   * valid long enough, or no longer active), null when it needs one. A missing row is `not_connected`.
   */
  #noRefreshNeeded(
    current: StoredConnection | null,
    want: { minValidityMs: number; force: boolean; seenVersion: number },
  ): StoredConnection | null {
    if (!current) throw new NotConnectedError(this.#connectUrl([]));
    if (current.status !== 'active') return current;
    const someoneElseRefreshed = current.version !== want.seenVersion;
    if ((!want.force || someoneElseRefreshed) && this.#validFor(current, want.minValidityMs)) return current;
    return null;
  }

  async #settleRefresh(userId: string, outcome: RefreshOutcome): Promise<StoredConnection> {
    switch (outcome.kind) {
      case 'fresh':
        return outcome.connection;
      case 'refreshed':
        this.#logger.info({ userId }, 'google token refreshed');
        this.#events.emit({ type: 'token.refreshed', userId, source: 'oauth', durationMs: outcome.durationMs });
        if (outcome.recovered) {
          this.#events.emit({ type: 'connection.recovered', userId, connection: this.#view(outcome.connection) });
        }
        await this.#audit(userId, 'refresh', 'system', { scopes: outcome.connection.scopes });
        return outcome.connection;
      case 'needs_reconnect':
        this.#logger.warn({ userId, reason: outcome.reason }, 'google grant no longer valid');
        this.#events.emit({
          type: 'token.refresh_failed',
          userId,
          code: 'invalid_grant',
          transient: false,
          source: 'oauth',
        });
        this.#events.emit({ type: 'upstream.failed', service: 'google', status: 400, code: 'invalid_grant' });
        this.#events.emit({ type: 'connection.needs_reconnect', userId, reason: outcome.reason });
        await this.#audit(userId, 'needs_reconnect', 'system', { reason: outcome.reason });
        return outcome.connection;
      case 'failed': {
        const cause =
          outcome.error instanceof RetriesExhausted ? (outcome.error.lastError as GoogleOAuthError) : outcome.error;
        this.#logger.warn(
          { userId, code: cause.oauthError, status: cause.status, transient: outcome.transient },
          'google token refresh failed',
        );
        this.#events.emit({
          type: 'token.refresh_failed',
          userId,
          source: 'oauth',
          code: cause.oauthError,
          transient: outcome.transient,
        });
        this.#events.emit({
          type: 'upstream.failed',
          service: 'google',
          status: cause.status ?? null,
          code: cause.oauthError,
        });
        await this.#audit(userId, 'refresh_failed', 'system', { code: cause.oauthError, transient: outcome.transient });
        const connection = outcome.connection;
        // A still-valid token is served meanwhile; a transient failure never marks the connection needs_reconnect.
        if (connection && this.#validFor(connection, 1)) return connection;
        const retryAfterMs = outcome.error instanceof RetriesExhausted ? outcome.error.retryAfterMs : 60_000;
        throw new UpstreamUnavailableError('google', Math.max(1, Math.ceil(retryAfterMs / 1000)), cause);
      }
    }
  }

  async #clerkToken(userId: string, requested: string[], force: boolean, trace: Trace): Promise<AccessToken> {
    const clerk = this.#clerk;
    if (!clerk) throw new NotConnectedError(this.#connectUrl(requested));
    let lookup: Awaited<ReturnType<ClerkTokenSource['lookup']>>;
    const asked = this.#clock.now();
    try {
      lookup = await clerk.lookup(userId, force);
    } catch (error) {
      if (!(error instanceof ClerkUnavailable)) throw error;
      trace.upstream = true;
      this.#events.emit({
        type: 'token.refresh_failed',
        userId,
        code: error.clerkCode,
        transient: true,
        source: 'clerk',
      });
      this.#events.emit({ type: 'upstream.failed', service: 'clerk', status: null, code: error.clerkCode });
      const stale = clerk.stillValid(userId);
      if (stale && missingScopes(stale.scopes, requested).length === 0) return clerkAccessToken(stale);
      throw new UpstreamUnavailableError('clerk', Math.max(1, Math.ceil(error.retryAfterMs / 1000)), error);
    }
    this.#noteClerkLookup(userId, lookup);
    if (lookup.kind !== 'token' || lookup.cached !== true) trace.upstream = true;
    if (lookup.kind === 'token' && lookup.cached !== true) {
      this.#events.emit({ type: 'token.refreshed', userId, source: 'clerk', durationMs: this.#clock.now() - asked });
    }
    switch (lookup.kind) {
      case 'not_connected':
        throw new NotConnectedError(this.#connectUrl(requested));
      case 'reconnect_required':
        throw new ReconnectRequiredError(clerkReconnectReason(lookup.clerkCode), this.#connectUrl(requested));
      case 'token': {
        const missing = missingScopes(lookup.token.scopes, requested);
        if (missing.length > 0 && lookup.cached === true && !force && this.#mayRecheckClerk(userId)) {
          return this.#clerkToken(userId, requested, true, trace);
        }
        if (missing.length > 0) throw new ScopesMissingError(missing, this.#connectUrl(missing));
        return clerkAccessToken(lookup.token);
      }
    }
  }

  /**
   * Announces a Clerk-held account turning unusable (Clerk's 422: no refresh token, or Google refused it) once per
   * transition rather than on every request that meets it, and its recovery once it serves a token again.
   */
  #noteClerkLookup(userId: string, lookup: Awaited<ReturnType<ClerkTokenSource['lookup']>>): void {
    if (lookup.kind === 'reconnect_required') {
      if (this.#clerkBroken.has(userId)) return;
      this.#clerkBroken.add(userId);
      if (this.#clerkBroken.size > MAX_CLERK_USERS) {
        this.#clerkBroken.delete(this.#clerkBroken.values().next().value as string);
      }
      const reason = clerkReconnectReason(lookup.clerkCode);
      this.#logger.warn({ userId, code: lookup.clerkCode }, 'Clerk-held Google account needs a reconnect');
      this.#events.emit({ type: 'connection.needs_reconnect', userId, reason });
      this.#recordClerkEvent({ type: 'connection.needs_reconnect', userId, reason });
      void this.#audit(userId, 'needs_reconnect', 'clerk', { reason, source: 'clerk', code: lookup.clerkCode });
      return;
    }
    if (!this.#clerkBroken.delete(userId) || lookup.kind !== 'token') return;
    const recovered: BridgeEvent = {
      type: 'connection.recovered',
      userId,
      connection: clerkConnection(userId, lookup.token),
    };
    this.#events.emit(recovered);
    this.#recordClerkEvent(recovered);
  }

  /** A Clerk-held account's change has no row of ours: its event goes to the outbox on its own. */
  #recordClerkEvent(event: BridgeEvent): void {
    const entries = this.#outboxOf(event);
    if (entries.length === 0) return;
    this.#store.recordEvents(entries).catch((error: unknown) => {
      this.#logger.error({ type: event.type, code: (error as TokenBridgeError).code }, 'webhook event not recorded');
    });
  }

  /** The outbox rows a write carries for `events`: none unless the bridge writes the outbox (`outbox: true`). */
  #outboxOf(...events: BridgeEvent[]): OutboxEntry[] {
    return this.#outbox ? outboxEntries(events, this.#clock.now()) : [];
  }

  #mayRecheckClerk(userId: string): boolean {
    const now = this.#clock.now();
    const last = this.#clerkRechecked.get(userId);
    if (last !== undefined && now - last < CLERK_RECHECK_MS) return false;
    this.#clerkRechecked.delete(userId);
    this.#clerkRechecked.set(userId, now);
    if (this.#clerkRechecked.size > MAX_CLERK_USERS) {
      this.#clerkRechecked.delete(this.#clerkRechecked.keys().next().value as string);
    }
    return true;
  }

  forgetClerkUser(userId: string): void {
    this.#assertOpen();
    checkUserId(userId);
    this.#clerk?.forget(userId);
  }

  // ---------------------------------------------------------------- Google security events (RISC)

  async applySecurityEvents(events: readonly RiscEvent[]): Promise<SecurityEventsResult> {
    this.#assertOpen();
    const jti = Array.isArray(events) ? events[0]?.jti : undefined;
    if (typeof jti !== 'string' || jti === '' || jti.length > 256 || events.some((e) => e?.jti !== jti)) {
      throw new InvalidRequestError('Security events come from one verified token, with one jti.');
    }
    const result: SecurityEventsResult = { duplicate: false, affectedUserIds: [], staleUserIds: [] };
    // Checked first and claimed last: a failure in between rethrows (the sender retries) and nothing is lost. Two
    // deliveries racing may both apply, which is harmless: a connection already marked is left as it is.
    if (await this.#store.isEventClaimed('google_risc', jti)) return { ...result, duplicate: true };
    for (const event of events) {
      const outcome = await this.#applySecurityEvent(event);
      result.affectedUserIds.push(...outcome.affected.filter((u) => !result.affectedUserIds.includes(u)));
      result.staleUserIds.push(...outcome.stale.filter((u) => !result.staleUserIds.includes(u)));
    }
    await this.#store.claimEvent('google_risc', jti);
    return result;
  }

  async #applySecurityEvent(event: RiscEvent): Promise<{ affected: string[]; stale: string[] }> {
    let targets: StoredConnection[];
    let stillTargeted: (connection: StoredConnection) => boolean;
    switch (event.type) {
      case 'tokens-revoked':
      case 'sessions-revoked':
      case 'account-disabled': {
        targets = await this.#connectionsOf(event.subject);
        const matches = subjectMatcher(event.subject);
        stillTargeted = matches;
        if (event.subject.type === 'iss-sub') this.#clerk?.forgetGoogleAccount(event.subject.sub);
        break;
      }
      case 'token-revoked': {
        const key = riscEventLookupKey(event);
        if (key === null) {
          this.#logger.info({ jti: event.jti, alg: event.tokenIdentifierAlg }, 'token-revoked names no usable token');
          return { affected: [], stale: [] };
        }
        targets = await this.#store.findConnectionsByRiscKey(key.alg, key.key);
        stillTargeted = (c) => (key.alg === 'prefix' ? c.riscKeys?.prefix : c.riscKeys?.hash) === key.key;
        break;
      }
      default:
        // account-enabled, account-credential-change-required, verification and unknown types ask nothing of us.
        this.#logger.info({ jti: event.jti, type: event.type }, 'security event needs no action');
        return { affected: [], stale: [] };
    }
    const affected: string[] = [];
    const stale: string[] = [];
    for (const target of targets) {
      const outcome = await this.#markRevokedByGoogle(target.userId, event, stillTargeted);
      if (outcome === 'marked') affected.push(target.userId);
      else if (outcome === 'stale') stale.push(target.userId);
    }
    return { affected, stale };
  }

  async #connectionsOf(subject: RiscSubject): Promise<StoredConnection[]> {
    return subject.type === 'iss-sub'
      ? this.#store.findConnectionsByGoogleSub(subject.sub)
      : this.#store.findConnectionsByGoogleEmail(subject.email);
  }

  /** Marks one connection `needs_reconnect` (reason revoked) and drops its tokens, under the refresh lock. */
  async #markRevokedByGoogle(
    userId: string,
    event: RiscEvent,
    stillTargeted: (connection: StoredConnection) => boolean,
  ): Promise<'marked' | 'stale' | 'unchanged'> {
    const outcome = await this.#store.withRefreshLock(userId, async (repo) => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const current = await repo.getConnection(userId);
        // Relinked to another account, or the token replaced, since the lookup: the event is not about this row.
        if (!current || !stillTargeted(current)) return 'unchanged' as const;
        // iat has whole seconds: only an event from a second before the (re)connect is surely about the old grant.
        if (event.issuedAt < Math.floor((current.connectedAt ?? current.createdAt) / 1000)) return 'stale' as const;
        if (current.status === 'needs_reconnect' && current.refreshToken === null && current.accessToken === null) {
          return 'unchanged' as const;
        }
        const at = this.#clock.now();
        const saved = await repo.updateConnection(
          {
            ...current,
            status: 'needs_reconnect',
            reconnectReason: 'revoked',
            refreshToken: null,
            accessToken: null,
            accessTokenExpiresAt: null,
            riscKeys: null,
            lastError: { code: `google_${event.type.replace(/-/g, '_')}`, message: riscMessage(event), at },
            updatedAt: at,
          },
          this.#outboxOf({ type: 'connection.needs_reconnect', userId, reason: 'revoked' }),
        );
        if (saved) return 'marked' as const;
      }
      return 'unchanged' as const;
    });
    if (outcome === 'stale') {
      this.#logger.info({ userId, jti: event.jti, type: event.type }, 'security event predates the last connect');
      return outcome;
    }
    if (outcome !== 'marked') return outcome;
    this.#cache.forget(userId);
    this.#logger.warn({ userId, jti: event.jti, type: event.type }, 'Google reported the grant revoked (RISC)');
    this.#events.emit({ type: 'connection.needs_reconnect', userId, reason: 'revoked' });
    await this.#audit(userId, 'needs_reconnect', 'google_risc', {
      reason: 'revoked',
      event: event.type,
      jti: event.jti,
      ...(event.type === 'account-disabled' ? { disabledReason: event.reason } : {}),
    });
    return outcome;
  }

  // ---------------------------------------------------------------- the own flow

  async createAuthorizationUrl(request: AuthorizationRequest): Promise<AuthorizationStart> {
    this.#assertOpen();
    checkUserId(request?.userId);
    const requested = normaliseScopes(request.scopes ?? []);
    const returnTo = safeReturnTo(request.returnTo);
    const now = this.#clock.now();
    const existing = await this.#store.getConnection(request.userId);
    const usable = existing !== null && existing.status === 'active' && existing.refreshToken !== null;
    // A dead grant keeps nothing at Google, so include_granted_scopes cannot restore the earlier scopes: ask again.
    const scopes = normaliseScopes([
      ...IDENTITY_SCOPES,
      ...requested,
      ...(existing && !usable ? existing.scopes.filter((s) => !NON_GRANT_SCOPES.has(s)) : []),
    ]);
    const state = randomToken(32);
    const nonce = randomToken(24);
    const { codeVerifier, codeChallenge } = await this.#google.codeVerifier();
    const url = this.#google.authorizationUrl({
      scopes,
      state,
      nonce,
      codeChallenge,
      ...(request.switchAccount === true
        ? { prompt: 'select_account consent' }
        : {
            ...(usable ? {} : { prompt: 'consent' }),
            ...(existing ? { loginHint: existing.googleEmail || existing.googleSub } : {}),
          }),
    });
    const expiresAt = now + STATE_TTL_MS;
    await this.#store.purgeExpiredAuthorizations(now);
    await this.#store.savePendingAuthorization({
      stateHash: sha256(state),
      userId: request.userId,
      nonceHash: sha256(nonce),
      codeVerifier: this.#keyring.encrypt(codeVerifier, { userId: request.userId, purpose: 'pkce_verifier' }),
      scopes,
      returnTo,
      expiresAt,
      createdAt: now,
    });
    return { url, state, expiresAt: iso(expiresAt)! };
  }

  async completeAuthorization(input: { userId: string; state: string; code: string }): Promise<AuthorizationResult> {
    this.#assertOpen();
    checkUserId(input?.userId);
    if (typeof input.state !== 'string' || input.state === '' || input.state.length > 512)
      throw new InvalidStateError();
    checkCode(input.code);
    // Taken (deleted) before any check, so a state works once whoever presents it.
    const pending = await this.#store.takePendingAuthorization(sha256(input.state));
    if (!pending || pending.expiresAt <= this.#clock.now() || pending.userId !== input.userId) {
      throw new InvalidStateError();
    }
    const codeVerifier = this.#keyring.decrypt(pending.codeVerifier, {
      userId: input.userId,
      purpose: 'pkce_verifier',
    });
    const tokens = await this.#exchange(input.code, { codeVerifier });
    const identity = await this.#verifyIdentity(
      tokens,
      (nonce) => nonce !== undefined && sameHash(sha256(nonce), pending.nonceHash),
    );
    const connection = await this.#link(input.userId, identity, tokens, 'redirect');
    return { connection, returnTo: pending.returnTo };
  }

  async exchangeCode(input: { userId: string; code: string }): Promise<Connection> {
    this.#assertOpen();
    checkUserId(input?.userId);
    checkCode(input.code);
    // Google Identity Services' popup code model: no state or PKCE, the code came to the page by postMessage.
    const tokens = await this.#exchange(input.code, { redirectUri: 'postmessage' });
    const identity = await this.#verifyIdentity(tokens, undefined);
    return this.#link(input.userId, identity, tokens, 'popup');
  }

  async #exchange(code: string, extra: { codeVerifier?: string; redirectUri?: string }): Promise<GoogleTokens> {
    try {
      // No retry: a code is single use, and a retried exchange that had in fact succeeded would be refused anyway.
      return await this.#google.exchangeCode({ code, ...extra });
    } catch (error) {
      throw this.#authorizationError(error, 'Google refused the authorization code.');
    }
  }

  async #verifyIdentity(
    tokens: GoogleTokens,
    nonceCheck: ((nonce: string | undefined) => boolean) | undefined,
  ): Promise<VerifiedIdentity> {
    if (!tokens.idToken) {
      throw new AuthorizationFailedError('Google returned no id_token; the openid scope must be granted.');
    }
    try {
      return await this.#google.verifyIdToken(tokens.idToken, nonceCheck);
    } catch (error) {
      throw this.#authorizationError(error, 'The id_token from Google did not verify.');
    }
  }

  #authorizationError(error: unknown, message: string): TokenBridgeError {
    if (error instanceof GoogleOAuthError) {
      if (error.kind === 'transient') {
        return new UpstreamUnavailableError('google', Math.ceil((error.retryAfterMs ?? 5000) / 1000), error);
      }
      this.#logger.info({ code: error.oauthError }, 'authorization failed');
      return new AuthorizationFailedError(message, { googleError: error.oauthError });
    }
    return error instanceof TokenBridgeError ? error : new AuthorizationFailedError(message);
  }

  /** Records the grant for the user, replacing (and revoking) a link to another Google account explicitly. */
  async #link(
    userId: string,
    identity: VerifiedIdentity,
    tokens: GoogleTokens,
    flow: 'redirect' | 'popup',
  ): Promise<Connection> {
    const granted = parseGrantedScopes(tokens.scope ?? '');
    const result = await this.#store.withRefreshLock(userId, async (repo) => {
      const previous = await repo.getConnection(userId);
      const now = this.#clock.now();
      const sameAccount = previous !== null && previous.googleSub === identity.sub;
      const keepOld = sameAccount && previous.status === 'active';
      const next: StoredConnection = {
        userId,
        status: 'active',
        googleSub: identity.sub,
        googleEmail: identity.email,
        scopes: granted.length > 0 ? granted : keepOld ? previous.scopes : [],
        accessToken: this.#keyring.encrypt(tokens.accessToken, { userId, purpose: 'access_token' }),
        accessTokenExpiresAt: now + tokens.expiresInSeconds * 1000,
        refreshToken: tokens.refreshToken
          ? this.#keyring.encrypt(tokens.refreshToken, { userId, purpose: 'refresh_token' })
          : keepOld
            ? previous.refreshToken
            : null,
        refreshTokenExpiresAt: tokens.refreshToken
          ? tokens.refreshTokenExpiresInSeconds
            ? now + tokens.refreshTokenExpiresInSeconds * 1000
            : null
          : keepOld
            ? previous.refreshTokenExpiresAt
            : null,
        reconnectReason: null,
        lastRefreshAt: now,
        lastError: null,
        version: previous?.version ?? 0,
        createdAt: sameAccount ? previous.createdAt : now,
        updatedAt: now,
        riscKeys: tokens.refreshToken
          ? riscTokenLookupKeys(tokens.refreshToken)
          : keepOld
            ? (previous.riscKeys ?? null)
            : null,
        connectedAt: now,
      };
      const view = this.#view(next);
      const events: BridgeEvent[] = [
        ...(previous && !sameAccount ? [{ type: 'connection.deleted' as const, userId }] : []),
        !previous || !sameAccount
          ? { type: 'connection.created', userId, connection: view }
          : previous.status !== 'active'
            ? { type: 'connection.recovered', userId, connection: view }
            : { type: 'connection.updated', userId, connection: view },
      ];
      const saved = await repo.putConnection(next, this.#outboxOf(...events));
      return { saved, previous, sameAccount };
    });
    const { saved, previous, sameAccount } = result;
    const view = this.#view(saved);
    if (previous && !sameAccount) {
      // The old account's grant is revoked, not left dangling: the user linked a different Google account.
      const revoked = await this.#revokeStored(previous);
      await this.#audit(userId, 'link_replaced', 'user', {
        previousSub: previous.googleSub,
        newSub: identity.sub,
        revoked,
      });
      this.#events.emit({ type: 'connection.deleted', userId });
    }
    await this.#audit(userId, previous && sameAccount ? 'reconnect' : 'connect', 'user', {
      flow,
      scopes: saved.scopes,
      sub: identity.sub,
    });
    this.#clerk?.forget(userId);
    this.#cache.forget(userId);
    if (!previous || !sameAccount) this.#events.emit({ type: 'connection.created', userId, connection: view });
    else if (previous.status !== 'active')
      this.#events.emit({ type: 'connection.recovered', userId, connection: view });
    else this.#events.emit({ type: 'connection.updated', userId, connection: view });
    return view;
  }

  // ---------------------------------------------------------------- connection

  async connection(userId: string): Promise<Connection | null> {
    this.#assertOpen();
    checkUserId(userId);
    if (this.#policy !== 'clerk') {
      const own = await this.#readConnection(userId);
      if (own) return this.#view(own);
    }
    if (!this.#clerk) return null;
    let lookup: Awaited<ReturnType<ClerkTokenSource['lookup']>>;
    try {
      lookup = await this.#clerk.lookup(userId);
    } catch (error) {
      if (error instanceof ClerkUnavailable) {
        throw new UpstreamUnavailableError('clerk', Math.max(1, Math.ceil(error.retryAfterMs / 1000)), error);
      }
      throw error;
    }
    this.#noteClerkLookup(userId, lookup);
    const now = iso(this.#clock.now())!;
    if (lookup.kind === 'not_connected') return null;
    if (lookup.kind === 'reconnect_required') {
      return {
        userId,
        status: 'needs_reconnect',
        source: 'clerk',
        google: { sub: '', email: '' },
        scopes: [],
        accessTokenExpiresAt: null,
        lastRefreshAt: null,
        lastError: { code: lookup.clerkCode, message: 'Clerk could not provide a Google token.', at: now },
        reconnectReason: clerkReconnectReason(lookup.clerkCode),
        refreshTokenExpiresAt: null,
        createdAt: now,
        updatedAt: now,
      };
    }
    return clerkConnection(userId, lookup.token);
  }

  async disconnect(userId: string, options: DisconnectOptions = {}): Promise<void> {
    this.#assertOpen();
    checkUserId(userId);
    this.#clerk?.forget(userId);
    const existing = await this.#store.getConnection(userId);
    if (!existing) return;
    // Revoke first: once the row is gone the bridge could no longer reach the grant.
    const revoked = await this.#revokeStored(existing);
    const removed = await this.#store.withRefreshLock(userId, (repo) =>
      repo.deleteConnection(userId, this.#outboxOf({ type: 'connection.deleted', userId })),
    );
    this.#cache.forget(userId);
    if (!removed) return;
    await this.#audit(userId, 'disconnect', options.actor ?? 'user', { revoked, sub: removed.googleSub });
    this.#events.emit({ type: 'connection.deleted', userId });
  }

  /** Revokes the grant a stored row holds (refresh token first: revoking it ends the whole grant). */
  async #revokeStored(connection: StoredConnection): Promise<boolean> {
    const { userId } = connection;
    let token: string | null = null;
    try {
      if (connection.refreshToken)
        token = this.#keyring.decrypt(connection.refreshToken, { userId, purpose: 'refresh_token' });
      else if (connection.accessToken)
        token = this.#keyring.decrypt(connection.accessToken, { userId, purpose: 'access_token' });
    } catch (error) {
      this.#logger.warn(
        { userId, code: (error as TokenBridgeError).code },
        'stored token could not be decrypted for revocation',
      );
    }
    if (token === null) return false;
    try {
      await withRetries(() => this.#google.revoke(token), GoogleOAuthError.classify, this.#scheduler, this.#retry);
      await this.#audit(userId, 'revoke', 'system', { sub: connection.googleSub });
      return true;
    } catch (error) {
      const code = error instanceof GoogleOAuthError ? error.oauthError : 'unavailable';
      this.#logger.warn({ userId, code }, 'revoking the Google grant failed');
      return false;
    }
  }

  async claimEvent(source: 'clerk' | 'google_risc', id: string): Promise<boolean> {
    this.#checkEvent(source, id);
    return this.#store.claimEvent(source, id);
  }

  async releaseEvent(source: 'clerk' | 'google_risc', id: string): Promise<void> {
    this.#checkEvent(source, id);
    await this.#store.releaseEvent(source, id);
  }

  #checkEvent(source: string, id: string): void {
    this.#assertOpen();
    if (source !== 'clerk' && source !== 'google_risc') throw new InvalidRequestError('Unknown event source.');
    if (typeof id !== 'string' || id === '' || id.length > 256)
      throw new InvalidRequestError('An event id is required.');
  }

  // ---------------------------------------------------------------- helpers

  #view(c: StoredConnection): Connection {
    return {
      userId: c.userId,
      status: c.status,
      source: 'oauth',
      google: { sub: c.googleSub, email: c.googleEmail },
      scopes: c.scopes,
      accessTokenExpiresAt: iso(c.accessTokenExpiresAt),
      lastRefreshAt: iso(c.lastRefreshAt),
      lastError: c.lastError
        ? { code: c.lastError.code, message: c.lastError.message, at: iso(c.lastError.at)! }
        : null,
      reconnectReason: c.reconnectReason,
      refreshTokenExpiresAt: iso(c.refreshTokenExpiresAt),
      createdAt: iso(c.createdAt)!,
      updatedAt: iso(c.updatedAt)!,
    };
  }

  async #audit(userId: string, action: string, actor: string, detail: Record<string, unknown>): Promise<void> {
    try {
      await this.#store.appendAudit({ userId, action, actor, detail });
    } catch (error) {
      // The audit trail must not turn a served token into an error.
      this.#logger.error({ userId, action, err: (error as Error).message }, 'audit write failed');
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new TokenBridgeError('The token bridge is closed.', { status: 503 });
  }
}

function clerkAccessToken(t: {
  accessToken: string;
  expiresAt: number | null;
  scopes: string[];
  google: { sub: string; email: string };
}): AccessToken {
  return {
    accessToken: t.accessToken,
    tokenType: 'Bearer',
    expiresAt: iso(t.expiresAt) ?? '',
    scopes: t.scopes,
    source: 'clerk',
    google: t.google,
  };
}

/** The connection view of a Clerk-held token. */
function clerkConnection(userId: string, t: ClerkHeldToken): Connection {
  return {
    userId,
    status: 'active',
    source: 'clerk',
    google: t.google,
    scopes: t.scopes,
    accessTokenExpiresAt: iso(t.expiresAt),
    lastRefreshAt: iso(t.fetchedAt),
    lastError: null,
    reconnectReason: null,
    refreshTokenExpiresAt: null,
    createdAt: iso(t.fetchedAt)!,
    updatedAt: iso(t.fetchedAt)!,
  };
}

const clerkReconnectReason = (clerkCode: string): ReconnectReason =>
  clerkCode === 'oauth_missing_refresh_token' ? 'missing_refresh_token' : 'unknown';

/** Whether a row is still linked to the Google account a security event names. */
function subjectMatcher(subject: RiscSubject): (connection: StoredConnection) => boolean {
  if (subject.type === 'iss-sub') return (c) => c.googleSub === subject.sub;
  const email = subject.email.toLowerCase();
  return (c) => c.googleEmail.toLowerCase() === email;
}

function riscMessage(event: RiscEvent): string {
  switch (event.type) {
    case 'account-disabled':
      return `Google disabled the account${event.reason ? ` (${event.reason})` : ''}; its tokens were dropped.`;
    case 'sessions-revoked':
      return 'Google signed the account out everywhere; its tokens were dropped.';
    default:
      return 'Google revoked the grant.';
  }
}

function checkUserId(userId: unknown): asserts userId is string {
  if (typeof userId !== 'string' || userId === '' || userId.length > 256) {
    throw new InvalidRequestError('A user id is required.');
  }
}

function checkCode(code: unknown): asserts code is string {
  if (typeof code !== 'string' || code === '' || code.length > 2048) {
    throw new InvalidRequestError('An authorization code is required.');
  }
}

function minValidity(seconds: number | undefined): number {
  if (seconds === undefined) return DEFAULT_MIN_VALIDITY_SECONDS;
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_MIN_VALIDITY_SECONDS) {
    throw new InvalidRequestError(`minValiditySeconds must be a whole number from 0 to ${MAX_MIN_VALIDITY_SECONDS}.`);
  }
  return seconds;
}

/** The scopes a reconnect should ask for: everything the dead grant held plus what is requested now. */
function reconnectScopes(previous: string[], requested: string[]): string[] {
  return [...new Set([...previous.filter((s) => !NON_GRANT_SCOPES.has(s)), ...requested])].sort();
}

function reconnectReason(connection: StoredConnection, error: GoogleOAuthError, now: number): ReconnectReason {
  if (connection.refreshTokenExpiresAt !== null && now >= connection.refreshTokenExpiresAt - TESTING_EXPIRY_SLACK_MS) {
    return 'testing_app_expired';
  }
  if (/revoked|expired/i.test(error.description ?? '')) return 'revoked';
  return 'unknown';
}

function describeFailure(error: GoogleOAuthError): string {
  return error.status
    ? `Google answered HTTP ${error.status} (${error.oauthError}).`
    : `Google could not be reached (${error.oauthError}).`;
}
