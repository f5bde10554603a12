import type { AccessToken, Connection, ReconnectReason } from '../core/types.js';

/** Why a grant stopped working: `revoked`, `testing_app_expired`, `missing_refresh_token` or `unknown`. */
export type { ReconnectReason };

/** A Google access token as the bridge hands it out (`GET /api/google-token`). */
export type GoogleToken = AccessToken;

/** The user's Google connection as the bridge describes it (`GET /api/google/connection`). */
export type GoogleConnection = Connection;

/** What the user can do about a token the bridge cannot give yet: go through Google's consent. */
export interface ConnectAction {
  /** The bridge's connect URL for what is missing (resolved against `baseUrl`), with `return_to` set to the current page. */
  connectUrl: string;
  /** Sends the browser to Google's consent (a full-page redirect) and back to the current page afterwards. */
  connect(): void;
  /**
   * Opens Google's consent in a popup (Google Identity Services' code model) instead of leaving the page, then hands
   * the code to the bridge. Resolves once the bridge has stored the grant; the next `getGoogleToken` then succeeds.
   * Needs the `popup` option of {@link createTokenbridgeClient}.
   */
  connectWithPopup(): Promise<PopupConnectResult>;
}

/** What stands in the way of a token that the user can fix: consent (with the action that asks for it), or sign-in. */
export type Refusal =
  | ({ ok: false; reason: 'scopes_missing'; missing: string[] } & ConnectAction)
  | ({ ok: false; reason: 'not_connected' } & ConnectAction)
  | ({ ok: false; reason: 'reconnect_required'; cause: ReconnectReason } & ConnectAction)
  | { ok: false; reason: 'unauthenticated' };

/** The outcome of `getGoogleToken`: a token, or the one thing that stands in the way. */
export type GoogleTokenResult = { ok: true; token: GoogleToken } | Refusal;

/** The Google APIs the bridge's proxy reaches. */
export type GoogleApi = 'drive' | 'people' | 'gmail' | 'calendar';

/**
 * The outcome of `googleApi`: Google's answer (its parsed JSON body, undefined when it sent none), Google's error, or
 * what stands in the way of the token the bridge would call Google with.
 */
export type GoogleApiResult =
  | { ok: true; status: number; body: unknown }
  | {
      ok: false;
      reason: 'google_error';
      /** Google's HTTP status (429 when it is limiting the rate, 404 for an unknown file, …). */
      status: number;
      message: string;
      /** Google's `errors[0].reason`, such as `rateLimitExceeded` or `notFound`. */
      googleReason: string | undefined;
      /** Google's `Retry-After`, in seconds, when it sent one. */
      retryAfterSeconds: number | undefined;
    }
  | Refusal;

/**
 * The outcome of `connection()`: the connection (null when there is none) with the connect URL that adds to it (it
 * returns to the current page), or not signed in.
 */
export type ConnectionResult =
  | { ok: true; connection: GoogleConnection | null; connectUrl: string }
  | { ok: false; reason: 'unauthenticated' };

/** The outcome of `disconnect()`. Disconnecting twice is fine: the second call also answers ok. */
export type DisconnectResult = { ok: true } | { ok: false; reason: 'unauthenticated' };

/** The outcome of a popup connect. `cancelled` covers a closed popup and a denied consent. */
export type PopupConnectResult =
  | { ok: true; connection: GoogleConnection }
  | { ok: false; reason: 'cancelled'; error: string }
  | { ok: false; reason: 'unauthenticated' };
