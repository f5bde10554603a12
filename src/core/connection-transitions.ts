/**
 * Pure transitions of a stored connection row: what a refresh, a dead grant, a security event or a new link makes of
 * it, and the decisions taken on the way. No I/O, no clock (times are passed in), no keyring (ciphertexts are passed
 * in): each is a table in `test/core/connection-transitions.test.ts`.
 */

import type { StoredConnection } from './ports.js';
import type { BridgeEvent, ReconnectReason } from './types.js';

/** Refresh-token lifetimes Google grants apps in Testing status run out within this window of the recorded expiry. */
export const TESTING_EXPIRY_SLACK_MS = 60 * 60_000;
/** Always requested anyway, so never worth listing in a connect URL. */
export const NON_GRANT_SCOPES: ReadonlySet<string> = new Set([
  'openid',
  'email',
  'https://www.googleapis.com/auth/userinfo.email',
]);

/** What a caller of a refresh wants: a token valid this long, and whether to spend a grant even on a valid one. */
export interface RefreshWant {
  minValidityMs: number;
  force: boolean;
  /** The row version the caller saw when it decided to refresh. */
  seenVersion: number;
}

/** Whether the row holds an access token valid for at least `minValidityMs` more at `now`. */
export function validFor(row: StoredConnection, minValidityMs: number, now: number): boolean {
  return (
    row.accessToken !== null && row.accessTokenExpiresAt !== null && row.accessTokenExpiresAt - now >= minValidityMs
  );
}

/**
 * What to do with the row as read once a refresh may have landed: `missing` (the user has no connection), `settled`
 * (spending a refresh grant on it would be wrong: it is valid long enough, or no longer active), or `refresh`.
 */
export function refreshDecision(
  row: StoredConnection | null,
  want: RefreshWant,
  now: number,
): 'missing' | 'settled' | 'refresh' {
  if (!row) return 'missing';
  if (row.status !== 'active') return 'settled';
  const someoneElseRefreshed = row.version !== want.seenVersion;
  if ((!want.force || someoneElseRefreshed) && validFor(row, want.minValidityMs, now)) return 'settled';
  return 'refresh';
}

/** Why Google's `invalid_grant` ended the grant: an app in Testing status runs out, a user revokes, or unknown. */
export function reconnectReason(row: StoredConnection, description: string | undefined, now: number): ReconnectReason {
  if (row.refreshTokenExpiresAt !== null && now >= row.refreshTokenExpiresAt - TESTING_EXPIRY_SLACK_MS) {
    return 'testing_app_expired';
  }
  if (/revoked|expired/i.test(description ?? '')) return 'revoked';
  return 'unknown';
}

/**
 * The row marked `needs_reconnect`. When Google said the grant is dead (`failure`: a refused refresh, a security
 * event), its tokens go with it, since they can never work again; a row that merely lacks a refresh token keeps what
 * it holds (its access token is still revoked at Google on disconnect).
 */
export function needsReconnect(
  row: StoredConnection,
  change: { reason: ReconnectReason; at: number; failure?: { code: string; message: string } },
): StoredConnection {
  const marked: StoredConnection = {
    ...row,
    status: 'needs_reconnect',
    reconnectReason: change.reason,
    updatedAt: change.at,
  };
  if (!change.failure) return marked;
  return {
    ...marked,
    refreshToken: null,
    accessToken: null,
    accessTokenExpiresAt: null,
    riscKeys: null,
    lastError: { ...change.failure, at: change.at },
  };
}

/** The row after a refresh that failed without ending the grant: the failure noted, everything else kept. */
export function failureNoted(row: StoredConnection, failure: { code: string; message: string }, at: number) {
  return { ...row, lastError: { ...failure, at }, updatedAt: at };
}

/** What a successful refresh brings, already encrypted. */
export interface RefreshedGrant {
  accessToken: string;
  accessTokenExpiresAt: number;
  /** The refresh token to store: Google's new one, or the stored one re-encrypted; null keeps the stored one. */
  refreshToken: string | null;
  /** Google issued a new refresh token (it normally does not on refresh). */
  issuedRefreshToken: boolean;
  refreshTokenExpiresAt: number | null;
  riscKeys: { prefix: string; hash: string } | null;
  /** The scopes Google reported; null when it left them out (the stored ones stay). */
  scopes: string[] | null;
}

/** The row after a successful refresh. */
export function refreshed(row: StoredConnection, grant: RefreshedGrant, at: number): StoredConnection {
  return {
    ...row,
    accessToken: grant.accessToken,
    accessTokenExpiresAt: grant.accessTokenExpiresAt,
    refreshToken: grant.refreshToken ?? row.refreshToken,
    refreshTokenExpiresAt: grant.refreshTokenExpiresAt ?? row.refreshTokenExpiresAt,
    riscKeys: grant.riscKeys ?? row.riscKeys ?? null,
    scopes: grant.scopes ?? row.scopes,
    lastRefreshAt: at,
    lastError: null,
    updatedAt: at,
  };
}

/**
 * A refresh's result re-applied onto a row another writer changed meanwhile (a key rotation re-encrypting it from
 * another process): `rebase` with the token, `keep` when the other write is already good enough or is not the same
 * grant any more (a disconnect or a relink wins), `missing` when the row is gone.
 */
export function rebase(
  latest: StoredConnection | null,
  mine: { row: StoredConnection; grant: RefreshedGrant; at: number },
  minValidityMs: number,
): { kind: 'missing' } | { kind: 'keep'; row: StoredConnection } | { kind: 'rebase'; row: StoredConnection } {
  if (!latest) return { kind: 'missing' };
  const sameGrant = latest.status === 'active' && latest.googleSub === mine.row.googleSub;
  if (!sameGrant || validFor(latest, minValidityMs, mine.at)) return { kind: 'keep', row: latest };
  const { grant, at } = mine;
  return {
    kind: 'rebase',
    row: {
      ...latest,
      accessToken: grant.accessToken,
      accessTokenExpiresAt: grant.accessTokenExpiresAt,
      // The other writer's refresh token (a rotation's re-encryption) stays unless Google issued a new one.
      ...(grant.issuedRefreshToken ? { refreshToken: grant.refreshToken, riscKeys: grant.riscKeys } : {}),
      refreshTokenExpiresAt: grant.refreshTokenExpiresAt ?? mine.row.refreshTokenExpiresAt,
      scopes: grant.scopes ?? mine.row.scopes,
      lastRefreshAt: at,
      lastError: null,
      updatedAt: at,
    },
  };
}

/** What a security event asks of one row: leave it, ignore it as older than the last (re)connect, or mark it. */
export function securityEventDecision(
  row: StoredConnection | null,
  event: { issuedAtSeconds: number },
  stillTargeted: (row: StoredConnection) => boolean,
): 'unchanged' | 'stale' | 'mark' {
  // Relinked to another account, or the token replaced, since the lookup: the event is not about this row.
  if (!row || !stillTargeted(row)) return 'unchanged';
  // iat has whole seconds: only an event from a second before the (re)connect is surely about the old grant.
  if (event.issuedAtSeconds < Math.floor((row.connectedAt ?? row.createdAt) / 1000)) return 'stale';
  if (row.status === 'needs_reconnect' && row.refreshToken === null && row.accessToken === null) return 'unchanged';
  return 'mark';
}

/** A new grant from the OAuth flow, its secrets already encrypted. */
export interface LinkedGrant {
  googleSub: string;
  googleEmail: string;
  /** The scopes Google reported granted (empty when it left them out). */
  scopes: readonly string[];
  accessToken: string;
  accessTokenExpiresAt: number;
  /** Null when Google issued no refresh token (a re-consent of an account that already has one). */
  refreshToken: string | null;
  refreshTokenExpiresAt: number | null;
  riscKeys: { prefix: string; hash: string } | null;
}

/** How a link relates to what the user had: `created` (a first or another account), `recovered`, or `updated`. */
export type LinkKind = 'created' | 'recovered' | 'updated';

/**
 * The row a completed OAuth flow writes, and what it did. The same Google account keeps its refresh token (and its
 * scopes, when Google omits them) while the grant is alive; another account replaces the link entirely.
 */
export function linked(
  previous: StoredConnection | null,
  userId: string,
  grant: LinkedGrant,
  at: number,
): { row: StoredConnection; kind: LinkKind; replaced: boolean } {
  const sameAccount = previous !== null && previous.googleSub === grant.googleSub;
  const keepOld = sameAccount && previous.status === 'active';
  const row: StoredConnection = {
    userId,
    status: 'active',
    googleSub: grant.googleSub,
    googleEmail: grant.googleEmail,
    scopes: grant.scopes.length > 0 ? [...grant.scopes] : keepOld ? previous.scopes : [],
    accessToken: grant.accessToken,
    accessTokenExpiresAt: grant.accessTokenExpiresAt,
    refreshToken: grant.refreshToken ?? (keepOld ? previous.refreshToken : null),
    refreshTokenExpiresAt: grant.refreshToken
      ? grant.refreshTokenExpiresAt
      : keepOld
        ? previous.refreshTokenExpiresAt
        : null,
    reconnectReason: null,
    lastRefreshAt: at,
    lastError: null,
    version: previous?.version ?? 0,
    createdAt: sameAccount ? previous.createdAt : at,
    updatedAt: at,
    riscKeys: grant.refreshToken ? grant.riscKeys : keepOld ? (previous.riscKeys ?? null) : null,
    connectedAt: at,
  };
  const kind: LinkKind = !sameAccount ? 'created' : previous.status !== 'active' ? 'recovered' : 'updated';
  return { row, kind, replaced: previous !== null && !sameAccount };
}

/** The events a link announces, in order (the replaced account's deletion first). */
export function linkEvents(
  userId: string,
  link: { kind: LinkKind; replaced: boolean },
  connection: Extract<BridgeEvent, { type: 'connection.created' }>['connection'],
): BridgeEvent[] {
  return [
    ...(link.replaced ? [{ type: 'connection.deleted' as const, userId }] : []),
    { type: `connection.${link.kind}`, userId, connection },
  ];
}

/** The scopes a reconnect should ask for: everything the dead grant held plus what is requested now. */
export function reconnectScopes(previous: readonly string[], requested: readonly string[]): string[] {
  return [...new Set([...previous.filter((s) => !NON_GRANT_SCOPES.has(s)), ...requested])].sort();
}
