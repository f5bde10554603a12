import { type Logger, pino } from 'pino';
import { type Clock, systemClock } from '../clock.js';
import { BridgeContext } from './bridge-context.js';
import { ClerkTokenSource } from './clerk-source.js';
import { ClerkTokens } from './clerk-tokens.js';
import { ConnectionCache } from './connection-cache.js';
import { ConnectionCheck } from './connection-check.js';
import { Connections } from './connections.js';
import { ConfigurationError, TokenBridgeError } from './errors.js';
import { EventHub } from './events.js';
import { GoogleOAuth } from './google-oauth.js';
import { handleOnce } from './inbound-events.js';
import type { Keyring } from './keyring.js';
import { OAuthFlow } from './oauth-flow.js';
import { OwnTokens, type Trace } from './own-tokens.js';
import type { ConnectionStore } from './ports.js';
import { RedirectUris } from './redirect-uris.js';
import { Refresher } from './refresh.js';
import { defaultRetryPolicy, type RetryPolicy, type Scheduler, timerScheduler } from './retry.js';
import type { RiscEvent } from './risc.js';
import { SecurityEvents } from './security-events.js';
import { TokenPolicy } from './token-policy.js';
import { checkUserId, tokenRequest } from './token-request.js';
import type {
  AccessToken,
  AuthorizationRequest,
  AuthorizationResult,
  AuthorizationStart,
  BridgeEvent,
  Connection,
  ConnectionOptions,
  DisconnectOptions,
  GetAccessTokenOptions,
  SecurityEventsResult,
  TokenBridge,
  TokenSourcePolicy,
} from './types.js';

export interface TokenBridgeOptions {
  /** The persistence port (`openStore` gives one over SQLite or PostgreSQL). */
  store: ConnectionStore;
  keyring: Keyring;
  google: {
    clientId: string;
    clientSecret: string;
    redirectUri: string;
    /**
     * Other redirect URIs of this bridge, each registered on the Google client, for the other origins it is reached at
     * (the sandbox lists `PUBLIC_URL`'s loopback aliases): a redirect flow started at one of their origins
     * (`AuthorizationRequest.origin`) comes back there. Default none.
     */
    redirectUris?: readonly string[];
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

/** The wiring: each concept lives in its own file; this class checks the door is open and passes requests on. */
class Bridge implements TokenBridge {
  readonly #ctx: BridgeContext;
  readonly #refresher: Refresher;
  readonly #tokens: TokenPolicy;
  readonly #clerk: ClerkTokens | null;
  readonly #oauth: OAuthFlow;
  readonly #connections: Connections;
  readonly #security: SecurityEvents;
  #closed = false;

  constructor(options: TokenBridgeOptions) {
    const { google } = options;
    if (!google?.clientId || !google.clientSecret || !google.redirectUri) {
      throw new ConfigurationError('Google clientId, clientSecret and redirectUri are required.');
    }
    if (typeof options.connectUrl !== 'function') {
      throw new ConfigurationError('connectUrl(scopes) is required: the app URL that starts Google consent.');
    }
    const policy = options.tokenSource ?? 'auto';
    if (!['auto', 'oauth', 'clerk'].includes(policy)) {
      throw new ConfigurationError('tokenSource must be auto, clerk or oauth.');
    }
    if (policy === 'clerk' && !options.clerk) {
      throw new ConfigurationError('tokenSource "clerk" needs the clerk option (a Clerk secret key).');
    }
    const clock = options.clock ?? systemClock;
    const logger = options.logger ?? pino({ level: 'silent' });
    const scheduler = options.scheduler ?? timerScheduler;
    const retry = { ...defaultRetryPolicy, ...options.retry };
    const redirectUris = new RedirectUris(google.redirectUri, google.redirectUris);
    const { redirectUris: _, ...client } = google;
    const ctx = new BridgeContext(
      options.store,
      options.keyring,
      new GoogleOAuth({ ...client, clock, timeoutMs: options.httpTimeoutMs }),
      clock,
      logger,
      new EventHub(logger),
      new ConnectionCache(options.store, options.cacheSize ?? 10_000),
      scheduler,
      retry,
      options.connectUrl,
      options.outbox === true,
    );
    const clerkSource =
      options.clerk && policy !== 'oauth'
        ? new ClerkTokenSource({ ...options.clerk, clock, scheduler, retry, logger, timeoutMs: options.httpTimeoutMs })
        : null;
    this.#ctx = ctx;
    this.#refresher = new Refresher(ctx);
    const own = new OwnTokens(ctx, this.#refresher);
    this.#clerk = clerkSource ? new ClerkTokens(ctx, clerkSource) : null;
    this.#tokens = new TokenPolicy(policy, own, this.#clerk, options.connectUrl);
    this.#oauth = new OAuthFlow(ctx, redirectUris, (userId) => clerkSource?.forget(userId));
    this.#connections = new Connections(ctx, policy, own, this.#clerk, new ConnectionCheck(ctx, this.#refresher));
    this.#security = new SecurityEvents(ctx, clerkSource);
  }

  on(listener: (event: BridgeEvent) => void): () => void {
    return this.#ctx.events.on(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#refresher.drain();
    this.#ctx.cache.close();
    this.#ctx.events.clear();
  }

  async getAccessToken(userId: string, options?: GetAccessTokenOptions): Promise<AccessToken> {
    this.#assertOpen();
    const request = tokenRequest(userId, options);
    const { clock, events } = this.#ctx;
    const started = clock.now();
    const trace: Trace = { upstream: false };
    const finished = (outcome: string, source: AccessToken['source'] | null) =>
      events.emit({
        type: 'token.requested',
        userId,
        outcome,
        source,
        upstream: trace.upstream,
        durationMs: clock.now() - started,
      });
    let token: AccessToken;
    try {
      // A warm token is answered without an await; anything else goes the whole way.
      token = this.#tokens.warm(request) ?? (await this.#tokens.resolve(request, trace));
    } catch (error) {
      finished(error instanceof TokenBridgeError ? error.code : 'internal_error', null);
      throw error;
    }
    finished('ok', token.source);
    if (request.actor !== undefined) {
      await this.#ctx.audit({
        userId,
        action: 'token_read',
        actor: request.actor,
        detail: { source: token.source, scopes: request.scopes },
      });
    }
    return token;
  }

  async createAuthorizationUrl(request: AuthorizationRequest): Promise<AuthorizationStart> {
    this.#assertOpen();
    return this.#oauth.createAuthorizationUrl(request);
  }

  async completeAuthorization(input: { userId: string; state: string; code: string }): Promise<AuthorizationResult> {
    this.#assertOpen();
    return this.#oauth.completeAuthorization(input);
  }

  async exchangeCode(input: { userId: string; code: string }): Promise<Connection> {
    this.#assertOpen();
    return this.#oauth.exchangeCode(input);
  }

  async connection(userId: string, options?: ConnectionOptions): Promise<Connection | null> {
    this.#assertOpen();
    checkUserId(userId);
    return this.#connections.view(userId, options);
  }

  async disconnect(userId: string, options: DisconnectOptions = {}): Promise<void> {
    this.#assertOpen();
    checkUserId(userId);
    return this.#connections.disconnect(userId, options);
  }

  forgetClerkUser(userId: string): void {
    this.#assertOpen();
    checkUserId(userId);
    this.#clerk?.source.forget(userId);
  }

  async handleOnce<T>(
    source: 'clerk' | 'google_risc',
    id: string,
    fn: () => Promise<T>,
  ): Promise<{ duplicate: true } | { duplicate: false; value: T }> {
    this.#assertOpen();
    return handleOnce(this.#ctx.store, source, id, fn);
  }

  async applySecurityEvents(events: readonly RiscEvent[]): Promise<SecurityEventsResult> {
    this.#assertOpen();
    return this.#security.apply(events);
  }

  #assertOpen(): void {
    if (this.#closed) throw new TokenBridgeError('The token bridge is closed.', { status: 503 });
  }
}
