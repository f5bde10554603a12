/**
 * The public shape of the bridge core. The HTTP layer, the CLI and library users program against
 * these types only; `createTokenBridge` (bridge.ts) implements them. No HTTP in here.
 */

import type { RiscEvent } from './risc.js';

/** Where a token came from: the bridge's own Google OAuth flow, or the Google account linked in Clerk. */
export type TokenSource = 'oauth' | 'clerk';

/** `auto` prefers the bridge's own connection when it covers the scopes, else a Clerk-held one that does. */
export type TokenSourcePolicy = 'auto' | TokenSource;

export type ConnectionStatus = 'active' | 'needs_reconnect';

/**
 * Why a grant stopped working. `missing_refresh_token`: Clerk holds no refresh token for the user's Google account
 * (Clerk's `oauth_missing_refresh_token`).
 */
export type ReconnectReason = 'revoked' | 'testing_app_expired' | 'missing_refresh_token' | 'unknown';

export interface GoogleIdentity {
  /** Google's stable numeric subject id. */
  sub: string;
  email: string;
}

export interface AccessToken {
  accessToken: string;
  tokenType: 'Bearer';
  /** ISO 8601. */
  expiresAt: string;
  /** Full scope URLs (and the bare `openid`, `email`, `profile`) that the token carries. */
  scopes: string[];
  source: TokenSource;
  google: GoogleIdentity;
}

export interface GetAccessTokenOptions {
  /** Short names (`drive.readonly`) or full URLs; normalised by the core. */
  scopes?: string[];
  /** Refresh ahead of time when less than this is left. Default 300. */
  minValiditySeconds?: number;
  /** Refresh even when the cached token is still valid (the proxy uses this after a 401). */
  forceRefresh?: boolean;
  /**
   * Who is reading, when it is not the user themself (e.g. `api_key:billing` for a server-to-server read). When set,
   * the read is recorded in the audit trail.
   */
  actor?: string;
}

export interface Connection {
  userId: string;
  status: ConnectionStatus;
  source: TokenSource;
  google: GoogleIdentity;
  scopes: string[];
  /** ISO 8601 expiry of the current access token, when one is held. */
  accessTokenExpiresAt: string | null;
  lastRefreshAt: string | null;
  lastError: { code: string; message: string; at: string } | null;
  reconnectReason: ReconnectReason | null;
  /** ISO 8601; set for grants that Google limits in time (apps in Testing status). */
  refreshTokenExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AuthorizationRequest {
  userId: string;
  /** Scopes to add; the bridge always asks for `openid email` too and keeps earlier grants. */
  scopes: string[];
  /** A same-origin relative path to send the user back to after the callback. */
  returnTo?: string;
  /**
   * Let the user pick a different Google account: sends `prompt=select_account consent` and no `login_hint`. Linking
   * another account replaces the old link and revokes its grant.
   */
  switchAccount?: boolean;
  /**
   * The origin the user's browser is at (`https://app.example.com`): when one of the configured redirect URIs
   * (`google.redirectUri`, `google.redirectUris`) is under it, Google sends the user back there; any other origin, or
   * none, gets `google.redirectUri`.
   */
  origin?: string;
}

export interface AuthorizationStart {
  /** Google's authorization URL to send the browser to. */
  url: string;
  /** The opaque, single-use state bound to `userId`. */
  state: string;
  expiresAt: string;
}

export interface AuthorizationResult {
  connection: Connection;
  returnTo: string;
}

export type BridgeEvent =
  | { type: 'connection.created'; userId: string; connection: Connection }
  | { type: 'connection.updated'; userId: string; connection: Connection }
  | { type: 'connection.needs_reconnect'; userId: string; reason: ReconnectReason }
  | { type: 'connection.recovered'; userId: string; connection: Connection }
  | { type: 'connection.deleted'; userId: string }
  | { type: 'token.refreshed'; userId: string; source: TokenSource; durationMs: number }
  | { type: 'token.refresh_failed'; userId: string; code: string; transient: boolean; source?: TokenSource }
  /**
   * One `getAccessToken` call finished. `outcome` is `ok` or the error's stable code; `upstream` is true when the
   * call had to wait for Google or Clerk (a refresh or a Clerk fetch), false when a held token was served.
   */
  | {
      type: 'token.requested';
      userId: string;
      outcome: 'ok' | (string & {});
      source: TokenSource | null;
      upstream: boolean;
      durationMs: number;
    }
  /** The refresh lock for a user was taken after `waitMs` (across instances on PostgreSQL). */
  | { type: 'refresh.lock_acquired'; userId: string; waitMs: number }
  /**
   * Another instance's refresh landed while this one waited `waitMs` for the lock, and its row was served without
   * taking the lock (PostgreSQL).
   */
  | { type: 'refresh.joined'; userId: string; waitMs: number }
  /** Google or Clerk answered a token call with an error (after retries); `status` null when nothing answered. */
  | { type: 'upstream.failed'; service: 'google' | 'clerk'; status: number | null; code: string };

/** What applying one Security Event Token (Google Cross-Account Protection) did. */
export interface SecurityEventsResult {
  /** The SET's `jti` was processed before: nothing was applied again. */
  duplicate: boolean;
  /** Users whose connection was marked `needs_reconnect` (tokens dropped) by this SET. */
  affectedUserIds: string[];
  /** Users whose connection was left alone because the event predates their last (re)connect. */
  staleUserIds: string[];
}

/** Options of {@link TokenBridge.connection}. */
export interface ConnectionOptions {
  /**
   * Ask Google whether the bridge's own grant still works before answering: one tokeninfo call for the held access
   * token, and a refresh only when Google no longer accepts it, so a grant revoked at Google reads `needs_reconnect`.
   * Rate-limited per user (five at once, one more every 30 s); past that, or when Google cannot say, the stored state
   * answers. Default false: the stored state, with no call to Google.
   */
  checkWithGoogle?: boolean;
}

/** Options of {@link TokenBridge.disconnect}. */
export interface DisconnectOptions {
  /** Who caused the disconnect, for the audit trail. Default `user`. */
  actor?: string;
}

export interface TokenBridge {
  /** A fresh access token for the user that covers `scopes`, or a typed error saying what to do. */
  getAccessToken(userId: string, options?: GetAccessTokenOptions): Promise<AccessToken>;
  /** Starts the redirect flow: a Google authorization URL for incremental consent. */
  createAuthorizationUrl(request: AuthorizationRequest): Promise<AuthorizationStart>;
  /** Completes the redirect flow for the signed-in user who started it. */
  completeAuthorization(input: { userId: string; state: string; code: string }): Promise<AuthorizationResult>;
  /** Completes the popup flow (Google Identity Services' code model, `redirect_uri=postmessage`). */
  exchangeCode(input: { userId: string; code: string }): Promise<Connection>;
  /** The user's connection, or null. Under `auto`/`clerk` this may describe a Clerk-held account. */
  connection(userId: string, options?: ConnectionOptions): Promise<Connection | null>;
  /**
   * Revokes at Google and forgets the connection. Idempotent. `actor` is who the audit trail names as the cause:
   * `user` (the default), `clerk_webhook` (Clerk's `user.deleted`), `cli:<os user>`, …
   */
  disconnect(userId: string, options?: DisconnectOptions): Promise<void>;
  /**
   * Handles an inbound event (a Clerk webhook's `svix-id`, a RISC `jti`) once across instances: a duplicate of one
   * already handled answers `{ duplicate: true }` without running `fn`; otherwise `fn` runs, and the event is recorded
   * only once it succeeded, so a failure (rethrown) leaves the redelivery to be handled.
   */
  handleOnce<T>(
    source: 'clerk' | 'google_risc',
    id: string,
    fn: () => Promise<T>,
  ): Promise<{ duplicate: true } | { duplicate: false; value: T }>;
  /**
   * Applies the events of one verified Security Event Token (`createRiscVerifier().verify`), de-duplicated by `jti`:
   * `tokens-revoked`, `sessions-revoked`, `account-disabled` (by Google account) and `token-revoked` (by refresh
   * token) mark the connection `needs_reconnect` (reason `revoked`) and drop its tokens; other types change nothing.
   * An event issued before the connection's last (re)connect is ignored. The `jti` is recorded only once every event
   * was applied, so a failure (rethrown) leaves the redelivery to be applied.
   */
  applySecurityEvents(events: readonly RiscEvent[]): Promise<SecurityEventsResult>;
  /**
   * Forgets what is cached about the user's Clerk-held Google account (the token, or "none at Clerk"), so the next
   * request asks Clerk. Call it on Clerk's `user.created` and `user.updated` webhooks.
   */
  forgetClerkUser(userId: string): void;
  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: (event: BridgeEvent) => void): () => void;
  /** Releases timers, locks and database handles. */
  close(): Promise<void>;
}
