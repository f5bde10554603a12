import type { Clock } from '../clock.js';
import type { ConnectionStatus, ReconnectReason } from '../core/types.js';
import type { ConnectionChange, ConnectionWatch } from './change-feed.js';

/** A connection as stored. `refreshToken` and `accessToken` are keyring ciphertexts; times are epoch milliseconds. */
export interface StoredConnection {
  userId: string;
  status: ConnectionStatus;
  googleSub: string;
  googleEmail: string;
  scopes: string[];
  refreshToken: string | null;
  accessToken: string | null;
  accessTokenExpiresAt: number | null;
  refreshTokenExpiresAt: number | null;
  reconnectReason: ReconnectReason | null;
  lastRefreshAt: number | null;
  lastError: { code: string; message: string; at: number } | null;
  /** Bumped by the store on every write. */
  version: number;
  createdAt: number;
  updatedAt: number;
  /**
   * Index keys of the refresh token for Google's token-revoked security events (`riscTokenLookupKeys`): digests,
   * never token pieces. Absent or null when no refresh token is held (or it predates the index).
   */
  riscKeys?: { prefix: string; hash: string } | null;
  /** When the grant was last (re)linked; absent or null for rows written before it was recorded (use createdAt). */
  connectedAt?: number | null;
}

/** A redirect-flow authorization in progress: single use, bound to the user who started it. */
export interface PendingAuthorization {
  stateHash: string;
  userId: string;
  nonceHash: string;
  /** Keyring ciphertext of the PKCE code verifier. */
  codeVerifier: string;
  scopes: string[];
  returnTo: string;
  expiresAt: number;
  createdAt: number;
}

export type AuditAction =
  | 'connect'
  | 'reconnect'
  | 'link_replaced'
  | 'refresh'
  | 'refresh_failed'
  | 'needs_reconnect'
  | 'disconnect'
  | 'revoke'
  | 'token_read';

export interface AuditEntry {
  id: string;
  at: number;
  userId: string | null;
  action: AuditAction | (string & {});
  /** Who acted: `user`, `api_key:<name>`, `system`, `webhook:clerk`, … */
  actor: string;
  /** Never holds a secret. */
  detail: Record<string, unknown>;
}

/** Each part a token request depends on: `ok`, or `unreachable` when it could not be (re-)established. */
export interface StoreHealth {
  /** The pool answers a trivial query. */
  database: 'ok' | 'unreachable';
  /** The refresh lock can be taken: its dedicated session answers (PostgreSQL; in-process on SQLite). */
  locks: 'ok' | 'unreachable';
  /** Other instances' writes are heard: the LISTEN session is live (PostgreSQL; in-process on SQLite). */
  changeFeed: 'ok' | 'unreachable';
}

/** Reads and writes of connections; inside `withRefreshLock` these run on the lock's own database session. */
/**
 * An outbound event as the outbox stores it (`id` is its `webhook-id`, `payload` the JSON body as signed and sent).
 * Given to a connection write, it is inserted in the same transaction as the change it reports: both or neither.
 */
export interface OutboxEntry {
  id: string;
  type: string;
  userId: string | null;
  payload: string;
  createdAt: number;
}

/**
 * Connection rows. Each write takes the outbound events it causes (`outbox`); they are written in the same
 * transaction as the row, and only when the row is written (not for an update that lost its version check).
 */
export interface ConnectionRepository {
  getConnection(userId: string): Promise<StoredConnection | null>;
  /** Inserts or replaces the row; the stored version becomes `connection.version + 1` and is returned. */
  putConnection(connection: StoredConnection, outbox?: readonly OutboxEntry[]): Promise<StoredConnection>;
  /**
   * Writes the row only if it still holds `connection.version` (optimistic concurrency); returns the stored row with
   * its new version, or null when the row changed or vanished meanwhile.
   */
  updateConnection(connection: StoredConnection, outbox?: readonly OutboxEntry[]): Promise<StoredConnection | null>;
  /** Removes the row and returns what it held, or null when there was none. */
  deleteConnection(userId: string, outbox?: readonly OutboxEntry[]): Promise<StoredConnection | null>;
}

/** The bridge's persistence: one small interface over SQLite and PostgreSQL. */
export interface Store extends ConnectionRepository {
  readonly kind: 'sqlite' | 'postgres';
  readonly clock: Clock;
  /** Applies pending migrations (safe to call from several instances at once). */
  migrate(): Promise<void>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /**
   * What readiness needs: the database, and on PostgreSQL the refresh lock's and the change feed's dedicated sessions.
   * A session found down is re-opened on the spot; `unreachable` means it could not be. Never rejects.
   */
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
  /**
   * Runs `fn` while holding the refresh lock for `userId`, across every instance sharing the database. On PostgreSQL
   * it is a session advisory lock on a dedicated connection: no pooled connection is held while `fn` calls Google, and
   * a holder whose process dies loses the lock with its session. On SQLite it is an in-process lock. `fn` must re-read
   * the row through the repository it is given: another instance may have refreshed while this one waited.
   *
   * `settled`, when given, is called while waiting each time the waiter wakes (on PostgreSQL: another instance wrote
   * the user's row or released the lock): it reads the row, without the lock, and returns an answer when the holder's
   * write is all the caller wanted, or undefined to keep waiting. An answer ends the wait without taking the lock, so
   * a refresh landing on one instance costs every waiting instance one read rather than a turn at the lock.
   */
  withRefreshLock<T>(
    userId: string,
    fn: (repository: ConnectionRepository) => Promise<T>,
    settled?: (repository: ConnectionRepository) => Promise<T | undefined>,
  ): Promise<T>;
  savePendingAuthorization(pending: PendingAuthorization): Promise<void>;
  /** Atomically removes and returns the pending authorization (single use), or null. */
  takePendingAuthorization(stateHash: string): Promise<PendingAuthorization | null>;
  /** Deletes pending authorizations that expired before `now`; returns how many. */
  purgeExpiredAuthorizations(now: number): Promise<number>;
  /** True the first time `(source, id)` is claimed, false for every duplicate, across instances. */
  claimEvent(source: string, id: string): Promise<boolean>;
  /** True when `(source, id)` was claimed already (a handler that claims only after success checks this first). */
  isEventClaimed(source: string, id: string): Promise<boolean>;
  /** Connections linked to this Google account (by its stable `sub`). */
  findConnectionsByGoogleSub(sub: string): Promise<StoredConnection[]>;
  /** Connections linked to a Google account with this email (compared case-insensitively). */
  findConnectionsByGoogleEmail(email: string): Promise<StoredConnection[]>;
  /** Connections whose refresh token has this RISC index key (see `riscEventLookupKey`); normally one. */
  findConnectionsByRiscKey(alg: 'prefix' | 'hash_base64_sha512_sha512', key: string): Promise<StoredConnection[]>;
  /** Forgets a claim whose handling failed, so the redelivery is handled rather than ignored as a duplicate. */
  releaseEvent(source: string, id: string): Promise<void>;
  appendAudit(entry: Omit<AuditEntry, 'id' | 'at'> & { at?: number }): Promise<void>;
  /** Writes outbound events that no connection write carries (a Clerk-held account's change) to the outbox. */
  recordEvents(entries: readonly OutboxEntry[]): Promise<void>;
  /** Newest first. */
  listAudit(filter?: { userId?: string; limit?: number; before?: number }): Promise<AuditEntry[]>;
  countConnections(): Promise<number>;
  /**
   * Hears every connection write, by any instance sharing the database (PostgreSQL LISTEN/NOTIFY; in-process on
   * SQLite). A cache may serve from memory only while the returned watch is `live`.
   */
  watchConnections(listener: (change: ConnectionChange) => void): ConnectionWatch;
}
