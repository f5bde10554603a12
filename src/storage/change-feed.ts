import { type Kysely, type RawBuilder, sql } from 'kysely';
import pg from 'pg';
import type { ConnectionChange, ConnectionWatch } from '../core/ports.js';
import type { Database } from './schema.js';

export type { ConnectionChange, ConnectionWatch } from '../core/ports.js';

/** Tells every instance sharing the database that a connection row changed. */
export interface ChangeFeed {
  /** Announces a change; on PostgreSQL inside the writer's transaction, so it is delivered on commit only. */
  notify(executor: Kysely<Database>, userId: string, version: number | null): Promise<void>;
  /**
   * The announcement as an SQL expression, for a writer that folds it into the write's own statement (PostgreSQL);
   * undefined when the feed is not in the database (SQLite's is in-process: call `notify`).
   */
  notice(userId: string, version: number | null): RawBuilder<unknown> | undefined;
  watch(listener: (change: ConnectionChange) => void): ConnectionWatch;
  /** Resolves when changes are being heard, re-opening the feed if it had dropped; rejects when it cannot. */
  probe(): Promise<void>;
  close(): Promise<void>;
}

/**
 * SQLite: the serving process owns the file, so an in-process fan-out reaches every cache. Commands run beside it
 * (`tokenbridge connections revoke`, `keys rotate`, `token`) write through connections of their own: given
 * `dataVersion` (SQLite's `PRAGMA data_version`, which moves when another connection commits), reading a watch's
 * `live` first catches up on those writes by telling every watcher "anything may have changed". A cache checks `live`
 * before each use, so it never serves a row another process changed; the check is one in-memory pragma, no I/O.
 */
export class LocalChangeFeed implements ChangeFeed {
  readonly #listeners = new Set<(change: ConnectionChange) => void>();
  #seen: number | undefined;

  constructor(private readonly dataVersion?: () => number) {
    this.#seen = dataVersion?.();
  }

  async notify(_executor: Kysely<Database>, userId: string, version: number | null): Promise<void> {
    for (const listener of this.#listeners) listener({ userId, version });
  }

  notice(): undefined {
    return undefined;
  }

  watch(listener: (change: ConnectionChange) => void): ConnectionWatch {
    this.#listeners.add(listener);
    const feed = this;
    return {
      get live() {
        feed.#catchUp();
        return true;
      },
      ready: Promise.resolve(),
      close: () => {
        this.#listeners.delete(listener);
      },
    };
  }

  async probe(): Promise<void> {}

  async close(): Promise<void> {
    this.#listeners.clear();
  }

  /** Another connection committed since the last look: every cached row may be stale. */
  #catchUp(): void {
    if (!this.dataVersion) return;
    let version: number | undefined;
    try {
      version = this.dataVersion();
    } catch {
      // The database is closing: nothing cached can be vouched for.
    }
    if (version !== undefined && version === this.#seen) return;
    this.#seen = version;
    for (const listener of this.#listeners) listener({ userId: null, version: null });
  }
}

/**
 * PostgreSQL LISTEN/NOTIFY: writers `pg_notify` in their transaction; one dedicated client per process listens. When
 * that client drops (a database restart), watchers hear "anything may have changed" and see `live` false until it is
 * back, so no cache serves a row it may have missed a change to.
 */
export class PostgresChangeFeed implements ChangeFeed {
  readonly #listeners = new Set<(change: ConnectionChange) => void>();
  #client: pg.Client | null = null;
  #live = false;
  #closed = false;
  #connecting: Promise<void> | null = null;
  #retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly clientConfig: pg.ClientConfig,
    private readonly channel: string,
  ) {}

  get live(): boolean {
    return this.#live;
  }

  async notify(executor: Kysely<Database>, userId: string, version: number | null): Promise<void> {
    await sql`select ${this.notice(userId, version)}`.execute(executor);
  }

  notice(userId: string, version: number | null): RawBuilder<unknown> {
    return sql`pg_notify(${this.channel}, ${JSON.stringify({ u: userId, v: version })})`;
  }

  watch(listener: (change: ConnectionChange) => void): ConnectionWatch {
    this.#listeners.add(listener);
    const ready = this.#ensureListening();
    const feed = this;
    return {
      get live() {
        return feed.#live;
      },
      ready,
      close: () => {
        this.#listeners.delete(listener);
      },
    };
  }

  async probe(): Promise<void> {
    if (this.#live) return;
    // A probe does not wait for the retry timer: it tries now, so readiness returns as soon as the database does.
    await this.#ensureListening();
    if (!this.#live) throw new Error('the change feed is not listening');
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#live = false;
    clearTimeout(this.#retry);
    this.#listeners.clear();
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  #ensureListening(): Promise<void> {
    if (this.#closed || this.#client) return this.#connecting ?? Promise.resolve();
    this.#connecting = this.#listen().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  async #listen(): Promise<void> {
    const client = new pg.Client(this.clientConfig);
    this.#client = client;
    client.on('notification', (message) => {
      if (message.channel !== this.channel || !message.payload) return;
      try {
        const { u, v } = JSON.parse(message.payload) as { u?: unknown; v?: unknown };
        if (typeof u === 'string') this.#emit({ userId: u, version: typeof v === 'number' ? v : null });
      } catch {
        // Not ours: ignore.
      }
    });
    const drop = () => {
      if (this.#client !== client) return;
      this.#client = null;
      this.#live = false;
      this.#emit({ userId: null, version: null });
      client.end().catch(() => {});
      if (!this.#closed && this.#listeners.size > 0) {
        this.#retry = setTimeout(() => void this.#ensureListening(), 1000);
        this.#retry.unref?.();
      }
    };
    client.on('error', drop);
    client.on('end', drop);
    try {
      await client.connect();
      await client.query(`listen "${this.channel}"`);
      if (this.#client === client) {
        this.#live = true;
        // Changes made while nobody listened are unknown: start clean.
        this.#emit({ userId: null, version: null });
      }
    } catch {
      drop();
    }
  }

  #emit(change: ConnectionChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch {
        // A listener's failure is its own.
      }
    }
  }
}
