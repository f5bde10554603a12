import type { ConnectionChange, ConnectionStore, ConnectionWatch, StoredConnection } from './ports.js';
import type { AccessToken } from './types.js';

export interface CacheEntry {
  connection: StoredConnection | null;
  /** The row's answer (its access token decrypted, its expiry as ISO 8601), made on first use, once per row version. */
  token?: AccessToken;
}

/**
 * The hot path's memory: each user's connection row (or its absence) and decrypted access token, so a valid token
 * is served with no database round trip. Bounded (least recently used first out) and kept honest by the store's
 * change feed: any instance's write evicts the entry everywhere, and while the feed is down nothing is served from
 * memory. A read that raced with a change is not cached (the generation check), so a stale row never settles in.
 */
export class ConnectionCache {
  readonly #entries = new Map<string, CacheEntry>();
  readonly #watch: ConnectionWatch;
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

  /** Caches what a read (or this instance's own write) returned, unless a change arrived since `generation`. */
  fill(userId: string, connection: StoredConnection | null, generation: number): void {
    if (!this.#watch.live || this.maxEntries <= 0 || generation !== this.#generation) return;
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

  #invalidate(change: ConnectionChange): void {
    this.#generation++;
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
