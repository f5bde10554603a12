/** The public shapes of what the bridge holds: connection views and access tokens, never a secret besides the token. */

import { type ClerkHeldToken, GOOGLE_REFUSED_TOKEN } from './clerk-source.js';
import type { StoredConnection } from './ports.js';
import type { AccessToken, Connection, ReconnectReason } from './types.js';

/** Epoch milliseconds as ISO 8601 (null stays null). */
export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The view of the bridge's own connection. */
export function ownConnectionView(c: StoredConnection): Connection {
  return {
    userId: c.userId,
    status: c.status,
    source: 'oauth',
    google: { sub: c.googleSub, email: c.googleEmail },
    scopes: c.scopes,
    accessTokenExpiresAt: iso(c.accessTokenExpiresAt),
    lastRefreshAt: iso(c.lastRefreshAt),
    lastError: c.lastError ? { code: c.lastError.code, message: c.lastError.message, at: iso(c.lastError.at)! } : null,
    reconnectReason: c.reconnectReason,
    refreshTokenExpiresAt: iso(c.refreshTokenExpiresAt),
    createdAt: iso(c.createdAt)!,
    updatedAt: iso(c.updatedAt)!,
  };
}

/** The token of the bridge's own connection, given its decrypted access token. */
export function ownAccessToken(c: StoredConnection, accessToken: string): AccessToken {
  return {
    accessToken,
    tokenType: 'Bearer',
    expiresAt: iso(c.accessTokenExpiresAt)!,
    scopes: c.scopes,
    source: 'oauth',
    google: { sub: c.googleSub, email: c.googleEmail },
  };
}

/** The token of a Google account linked in Clerk. */
export function clerkAccessToken(t: ClerkHeldToken): AccessToken {
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
export function clerkConnectionView(userId: string, t: ClerkHeldToken): Connection {
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

/**
 * The connection view of a Clerk-held account Clerk can no longer get a working token for; `last` is the token Google
 * refused, when that is why, so the view still names the account and the access reconnecting asks for again.
 */
export function clerkNeedsReconnectView(
  userId: string,
  clerkCode: string,
  now: number,
  last?: ClerkHeldToken,
): Connection {
  const at = iso(now)!;
  return {
    userId,
    status: 'needs_reconnect',
    source: 'clerk',
    google: last?.google ?? { sub: '', email: '' },
    scopes: last?.scopes ?? [],
    accessTokenExpiresAt: null,
    lastRefreshAt: null,
    lastError: {
      code: clerkCode,
      message:
        clerkCode === GOOGLE_REFUSED_TOKEN
          ? 'Google no longer accepts the token Clerk holds for this account.'
          : 'Clerk could not provide a Google token.',
      at,
    },
    reconnectReason: clerkReconnectReason(clerkCode),
    refreshTokenExpiresAt: null,
    createdAt: at,
    updatedAt: at,
  };
}

/** Clerk's 422 codes as a reconnect reason. */
export const clerkReconnectReason = (clerkCode: string): ReconnectReason =>
  clerkCode === 'oauth_missing_refresh_token'
    ? 'missing_refresh_token'
    : clerkCode === GOOGLE_REFUSED_TOKEN
      ? 'revoked'
      : 'unknown';
