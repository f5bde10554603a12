import type { ConnectionChange, ConnectionStore, ConnectionWatch, StoredConnection } from './ports.js';
import type { AccessToken } from './types.js';

export interface CacheEntry {
  connection: StoredConnection | null;
  /** The row's answer (its access token decrypted, its expiry as ISO 8601), made on first use, once per row version. */
  token?: AccessToken;
}

/** How many recent changes are remembered to judge a read that raced with them. */
const RECENT_CHANGES = 64;

/**
 * The hot path's memory: each user's connection row (or its absence) and decrypted access token, so a valid token
 * is served with no database round trip. Bounded (least recently used first out) and kept honest by the store's
 * change feed: any instance's write evicts the entry everywhere, and while the feed is down nothing is served from
 * memory. A read that raced with a change it may not include is not cached (the generation check), so a stale row
 * never settles in; changes to other users, or ones the read already holds, do not cost the next request a read.
 */
export class ConnectionCache {
  readonly #entries = new Map<string, CacheEntry>();
  readonly #watch: ConnectionWatch;
  /** The last {@link RECENT_CHANGES} changes heard, oldest first; the newest is change number `#generation`. */
  readonly #recent: ConnectionChange[] = [];
  #generation = 0;

  constructor(
    store: Pick<ConnectionStore, 'watchConnections'>,
    private readonly maxEntries: number,
  ) {
    this.#watch = store.watchConnections((change) => this.#invalidate(change));
  }

  /** The change counter to pass back to {@link fill} with what a read returned. */
  get generation(): number {
    return this.#generation;
  }

  /** The cached entry, or undefined when not cached (or the feed is down). */
  get(userId: string): CacheEntry | undefined {
    if (!this.#watch.live || this.maxEntries <= 0) return undefined;
    const entry = this.#entries.get(userId);
    if (entry === undefined) return undefined;
    this.#entries.delete(userId);
    this.#entries.set(userId, entry);
    return entry;
  }

  /** The cached entry without marking it used (the same request already did), or undefined. */
  peek(userId: string): CacheEntry | undefined {
    if (!this.#watch.live || this.maxEntries <= 0) return undefined;
    return this.#entries.get(userId);
  }

  /**
   * Caches what a read (or this instance's own write) returned, unless a change heard since `generation` may be
   * newer than it: one for all users, for this user's row at a later or unknown version, or one no longer remembered.
   */
  fill(userId: string, connection: StoredConnection | null, generation: number): void {
    if (!this.#watch.live || this.maxEntries <= 0 || !this.#holdsChangesSince(generation, userId, connection)) return;
    this.#entries.delete(userId);
    this.#entries.set(userId, { connection });
    while (this.#entries.size > this.maxEntries) {
      this.#entries.delete(this.#entries.keys().next().value as string);
    }
  }

  forget(userId: string): void {
    this.#entries.delete(userId);
  }

  close(): void {
    this.#watch.close();
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  #holdsChangesSince(generation: number, userId: string, connection: StoredConnection | null): boolean {
    const missed = this.#generation - generation;
    if (missed === 0) return true;
    if (missed < 0 || missed > this.#recent.length) return false;
    for (const change of this.#recent.slice(-missed)) {
      if (change.userId === null) return false;
      if (change.userId !== userId) continue;
      if (connection === null || change.version === null || change.version > connection.version) return false;
    }
    return true;
  }

  #invalidate(change: ConnectionChange): void {
    this.#generation++;
    this.#recent.push(change);
    if (this.#recent.length > RECENT_CHANGES) this.#recent.shift();
    if (change.userId === null) {
      this.#entries.clear();
      return;
    }
    const entry = this.#entries.get(change.userId);
    if (!entry) return;
    // Our own write arriving back through the feed leaves the entry we already hold for that version alone.
    const cachedVersion = entry.connection?.version ?? -1;
    if (change.version === null || change.version > cachedVersion) this.#entries.delete(change.userId);
  }
}
