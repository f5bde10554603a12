/**
 * What the core needs from persistence, declared by the core: `src/storage` implements these ports (SQLite and
 * PostgreSQL) and imports nothing else from the core. The refresh itself is driven by the core in plain steps
 * (`refresh.ts`): acquire the lock or join another holder's write, re-read, call Google, write, release. The lock knows
 * nothing of tokens.
 */

import type { ConnectionStatus, ReconnectReason } from './types.js';

// The failures a store reports: every database failure as a typed `storage_unavailable`, bad configuration as such.
export { ConfigurationError, StorageUnavailableError, TokenBridgeError } from './errors.js';

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
  /**
   * The redirect URI sent to Google, which the code exchange must repeat; absent or null for authorizations begun
   * before it was recorded (they used the configured `redirectUri`).
   */
  redirectUri?: string | null;
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

/** An audit entry to write; the store gives it its id, and its time unless `at` is set. */
export type AuditRecord = Omit<AuditEntry, 'id' | 'at'> & { at?: number };

/**
 * An outbound event as the outbox stores it (`id` is its `webhook-id`, `payload` the JSON body as signed and sent).
 * Given to a connection write, it is inserted with the change it reports: both or neither.
 */
export interface OutboxEntry {
  id: string;
  type: string;
  userId: string | null;
  payload: string;
  createdAt: number;
}

/**
 * What a connection write carries besides the row: written in the same statement (PostgreSQL) or transaction
 * (SQLite) as the row, and only when the row is written (not for an update that lost its version check).
 */
export interface WriteEffects {
  outbox?: readonly OutboxEntry[];
  audit?: readonly AuditRecord[];
}

/** A connection row changed: `userId` null means anything may have changed (the feed was interrupted). */
export interface ConnectionChange {
  userId: string | null;
  /** The row's version after the change; null when it was deleted (or unknown). */
  version: number | null;
}

/** A subscription to connection changes. Caches may trust themselves only while `live` is true. */
export interface ConnectionWatch {
  readonly live: boolean;
  /** Settles once the feed has tried to go live (check `live` for the outcome). */
  readonly ready: Promise<void>;
  close(): void;
}

/** Connection rows. Every write publishes the change on the change feed, in its own transaction. */
export interface ConnectionRepository {
  getConnection(userId: string): Promise<StoredConnection | null>;
  /** Inserts or replaces the row; the stored version becomes `connection.version + 1` and is returned. */
  putConnection(connection: StoredConnection, effects?: WriteEffects): Promise<StoredConnection>;
  /**
   * Writes the row only if it still holds `connection.version` (optimistic concurrency); returns the stored row with
   * its new version, or null when the row changed or vanished meanwhile.
   */
  updateConnection(connection: StoredConnection, effects?: WriteEffects): Promise<StoredConnection | null>;
  /** Removes the row and returns what it held, or null when there was none. */
  deleteConnection(userId: string, effects?: WriteEffects): Promise<StoredConnection | null>;
}

/** Holding the refresh lock of one user; `release` must be called once the holder's write (if any) is done. */
export interface RefreshLease {
  release(): Promise<void>;
}

/** The lock was taken (`lease`), or another holder changed the user's row while this caller waited (`changed`). */
export type LockTurn = { kind: 'lease'; lease: RefreshLease } | { kind: 'changed' };

/**
 * The per-user refresh lock, across every instance sharing the database. On PostgreSQL: session advisory locks on one
 * dedicated connection (no pooled connection is held while the holder calls Google; a holder whose process dies loses
 * the lock with its session), waiters woken by the change feed, never polling. On SQLite: an in-process lock.
 */
export interface RefreshLock {
  /**
   * Takes the lock for `userId`, or returns `changed` as soon as another holder writes the user's row while this
   * caller waits: that write may be all the caller wanted. It re-reads the row and decides, calling again to keep
   * waiting. Rejects with `storage_unavailable` when the lock cannot be reached or the wait outlasts any holder.
   */
  acquireOrJoin(userId: string): Promise<LockTurn>;
}

/** Records of inbound events (a Clerk webhook's `svix-id`, a RISC `jti`) already handled, across instances. */
export interface InboundEventLog {
  /** True when `(source, id)` was recorded already. */
  isEventClaimed(source: string, id: string): Promise<boolean>;
  /** Records `(source, id)`: true the first time, false when it was recorded already. */
  claimEvent(source: string, id: string): Promise<boolean>;
}

/** One outbound event as stored: `id` is its `webhook-id`, `payload` the JSON body exactly as it is signed and sent. */
export interface OutboxMessage {
  id: string;
  type: string;
  userId: string | null;
  payload: string;
  /** Attempts started so far, the current one included once claimed. */
  attempts: number;
  createdAt: number;
}

/** A delivery given up after its last attempt, as `webhooks failed` lists it. */
export interface FailedDelivery {
  id: string;
  type: string;
  userId: string | null;
  attempts: number;
  /** The endpoint's last HTTP status; null when nothing answered. */
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
}

/** What an attempt came to: delivered, to be retried at `retryAt`, or given up (`retryAt` null). */
export type AttemptOutcome =
  | { delivered: true; at: number; status: number }
  | { delivered: false; retryAt: number | null; status: number | null; error: string };

/**
 * The durable queue of outbound events. Rows are claimed under a lease: on PostgreSQL with `FOR UPDATE SKIP LOCKED`,
 * so instances sharing the database never claim the same row; a lease that runs out (its instance died mid-delivery)
 * lets another instance take the row again, with the same id.
 */
export interface WebhookOutbox {
  enqueue(message: Omit<OutboxMessage, 'attempts'>): Promise<void>;
  /** Leases up to `limit` rows due at `now` to `owner` until `now + leaseMs`, counting the attempt. */
  claimDue(options: { owner: string; now: number; leaseMs: number; limit: number }): Promise<OutboxMessage[]>;
  /** Records an attempt's outcome, if `owner` still holds the lease; false when it no longer does. */
  settle(id: string, owner: string, outcome: AttemptOutcome): Promise<boolean>;
  /** Deletes delivered and failed rows created before `before`; returns how many. */
  purgeSettled(before: number): Promise<number>;
  /** Failed deliveries, oldest first. */
  listFailed(options?: { limit?: number }): Promise<FailedDelivery[]>;
  /**
   * Puts failed deliveries back in the queue, due at `now` with a fresh retry schedule and the same `webhook-id`
   * (so a receiver that did get one de-duplicates it): the ids given, or every failed one. Returns the ids requeued.
   */
  replayFailed(options: { now: number; ids?: readonly string[] }): Promise<string[]>;
}

/** Where the webhook dispatcher finds its outbox. */
export interface OutboxStore {
  readonly outbox: WebhookOutbox;
}

/** Everything the bridge asks of persistence. */
export interface ConnectionStore extends ConnectionRepository, RefreshLock, InboundEventLog, OutboxStore {
  savePendingAuthorization(pending: PendingAuthorization): Promise<void>;
  /** Atomically removes and returns the pending authorization (single use), or null. */
  takePendingAuthorization(stateHash: string): Promise<PendingAuthorization | null>;
  /** Deletes pending authorizations that expired before `now`; returns how many. */
  purgeExpiredAuthorizations(now: number): Promise<number>;
  /** Connections linked to this Google account (by its stable `sub`). */
  findConnectionsByGoogleSub(sub: string): Promise<StoredConnection[]>;
  /** Connections linked to a Google account with this email (compared case-insensitively). */
  findConnectionsByGoogleEmail(email: string): Promise<StoredConnection[]>;
  /** Connections whose refresh token has this RISC index key (see `riscEventLookupKey`); normally one. */
  findConnectionsByRiscKey(alg: 'prefix' | 'hash_base64_sha512_sha512', key: string): Promise<StoredConnection[]>;
  appendAudit(entry: AuditRecord): Promise<void>;
  /** Writes outbound events that no connection write carries (a Clerk-held account's change) to the outbox. */
  recordEvents(entries: readonly OutboxEntry[]): Promise<void>;
  /**
   * Hears every connection write, by any instance sharing the database (PostgreSQL LISTEN/NOTIFY; in-process on
   * SQLite). A cache may serve from memory only while the returned watch is `live`.
   */
  watchConnections(listener: (change: ConnectionChange) => void): ConnectionWatch;
}
