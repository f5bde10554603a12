import type { Clock } from '../clock.js';
import type { AuditEntry, ConnectionStore } from '../core/ports.js';
import type { TokenBuckets } from '../token-buckets.js';
import type { StoreMaintenance } from './maintenance.js';

export type {
  AuditAction,
  AuditEntry,
  AuditRecord,
  ConnectionRepository,
  ConnectionStore,
  InboundEventLog,
  LockTurn,
  OutboxEntry,
  PendingAuthorization,
  RefreshLease,
  RefreshLock,
  StoredConnection,
  WriteEffects,
} from '../core/ports.js';

/** Each part a token request depends on: `ok`, or `unreachable` when it could not be (re-)established. */
export interface StoreHealth {
  /** The pool answers a trivial query. */
  database: 'ok' | 'unreachable';
  /** The refresh lock can be taken: its dedicated session answers (PostgreSQL; in-process on SQLite). */
  locks: 'ok' | 'unreachable';
  /** Other instances' writes are heard: the LISTEN session is live (PostgreSQL; in-process on SQLite). */
  changeFeed: 'ok' | 'unreachable';
}

/**
 * The bridge's persistence over SQLite and PostgreSQL: the core's port ({@link ConnectionStore}, declared in
 * `core/ports.ts`) plus what the service and its operators need (migrations, health, audit listing, maintenance).
 */
export interface Store extends ConnectionStore {
  readonly kind: 'sqlite' | 'postgres';
  readonly clock: Clock;
  /** Operator queries: listings, counts and the key-rotation scan (the CLI and the metrics scrape). */
  readonly maintenance: StoreMaintenance;
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
  /** Newest first. */
  listAudit(filter?: { userId?: string; limit?: number; before?: number }): Promise<AuditEntry[]>;
  countConnections(): Promise<number>;
  /** Rate-limit buckets every instance shares: PostgreSQL's, or undefined on SQLite (one process; memory suffices). */
  sharedTokenBuckets(): TokenBuckets | undefined;
}
