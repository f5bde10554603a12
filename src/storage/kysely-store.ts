import { randomBytes } from 'node:crypto';
import { type Kysely, Migrator, type Selectable, sql } from 'kysely';
import type { Clock } from '../clock.js';
import type { ConnectionStatus, ReconnectReason } from '../core/types.js';
import type { ChangeFeed, ConnectionChange, ConnectionWatch } from './change-feed.js';
import { KeyedMutex } from './keyed-mutex.js';
import { migrations } from './migrations.js';
import type { PostgresRefreshLocks } from './postgres-refresh-lock.js';
import type { ConnectionTable, Database, PendingAuthorizationTable } from './schema.js';
import type {
  AuditEntry,
  ConnectionRepository,
  OutboxEntry,
  PendingAuthorization,
  Store,
  StoredConnection,
  StoreHealth,
} from './store.js';
import { insertOutboxEntries } from './webhook-outbox.js';

const num = (value: number | string | bigint | null): number | null => (value === null ? null : Number(value));

function toConnection(row: Selectable<ConnectionTable>): StoredConnection {
  return {
    userId: row.user_id,
    status: row.status as ConnectionStatus,
    googleSub: row.google_sub,
    googleEmail: row.google_email,
    scopes: row.scopes === '' ? [] : row.scopes.split(' '),
    refreshToken: row.refresh_token,
    accessToken: row.access_token,
    accessTokenExpiresAt: num(row.access_token_expires_at),
    refreshTokenExpiresAt: num(row.refresh_token_expires_at),
    reconnectReason: row.reconnect_reason as ReconnectReason | null,
    lastRefreshAt: num(row.last_refresh_at),
    lastError:
      row.last_error_code === null
        ? null
        : { code: row.last_error_code, message: row.last_error_message ?? '', at: num(row.last_error_at) ?? 0 },
    version: Number(row.version),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    // Present only when recorded, so rows written without them read back as they were written.
    ...(row.risc_prefix_key !== null && row.risc_hash_key !== null
      ? { riscKeys: { prefix: row.risc_prefix_key, hash: row.risc_hash_key } }
      : {}),
    ...(row.connected_at !== null ? { connectedAt: Number(row.connected_at) } : {}),
  };
}

function fromConnection(c: StoredConnection, version: number): ConnectionTable {
  return {
    user_id: c.userId,
    status: c.status,
    google_sub: c.googleSub,
    google_email: c.googleEmail,
    scopes: c.scopes.join(' '),
    refresh_token: c.refreshToken,
    access_token: c.accessToken,
    access_token_expires_at: c.accessTokenExpiresAt,
    refresh_token_expires_at: c.refreshTokenExpiresAt,
    reconnect_reason: c.reconnectReason,
    last_refresh_at: c.lastRefreshAt,
    last_error_code: c.lastError?.code ?? null,
    last_error_message: c.lastError?.message ?? null,
    last_error_at: c.lastError?.at ?? null,
    version,
    risc_prefix_key: c.riscKeys?.prefix ?? null,
    risc_hash_key: c.riscKeys?.hash ?? null,
    connected_at: c.connectedAt ?? null,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

function toPending(row: Selectable<PendingAuthorizationTable>): PendingAuthorization {
  return {
    stateHash: row.state_hash,
    userId: row.user_id,
    nonceHash: row.nonce_hash,
    codeVerifier: row.code_verifier,
    scopes: row.scopes === '' ? [] : row.scopes.split(' '),
    returnTo: row.return_to,
    expiresAt: Number(row.expires_at),
    createdAt: Number(row.created_at),
  };
}

class KyselyConnections implements ConnectionRepository {
  constructor(
    protected readonly db: Kysely<Database>,
    protected readonly feed: ChangeFeed,
  ) {}

  async getConnection(userId: string): Promise<StoredConnection | null> {
    const row = await this.db.selectFrom('tb_connections').selectAll().where('user_id', '=', userId).executeTakeFirst();
    return row ? toConnection(row) : null;
  }

  async putConnection(connection: StoredConnection, outbox: readonly OutboxEntry[] = []): Promise<StoredConnection> {
    const version = connection.version + 1;
    const row = fromConnection(connection, version);
    const { user_id: _userId, created_at: _createdAt, ...update } = row;
    await this.#atomically(outbox, async (db) => {
      await db
        .insertInto('tb_connections')
        .values(row)
        .onConflict((oc) => oc.column('user_id').doUpdateSet(update))
        .execute();
      await insertOutboxEntries(db, outbox);
      await this.feed.notify(db, connection.userId, version);
    });
    return { ...connection, version };
  }

  async updateConnection(
    connection: StoredConnection,
    outbox: readonly OutboxEntry[] = [],
  ): Promise<StoredConnection | null> {
    const version = connection.version + 1;
    const { user_id: _userId, created_at: _createdAt, ...update } = fromConnection(connection, version);
    const written = await this.#atomically(outbox, async (db) => {
      const result = await db
        .updateTable('tb_connections')
        .set(update)
        .where('user_id', '=', connection.userId)
        .where('version', '=', connection.version)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await insertOutboxEntries(db, outbox);
      await this.feed.notify(db, connection.userId, version);
      return true;
    });
    return written ? { ...connection, version } : null;
  }

  async deleteConnection(userId: string, outbox: readonly OutboxEntry[] = []): Promise<StoredConnection | null> {
    const row = await this.#atomically(outbox, async (db) => {
      const deleted = await db
        .deleteFrom('tb_connections')
        .where('user_id', '=', userId)
        .returningAll()
        .executeTakeFirst();
      if (deleted) {
        await insertOutboxEntries(db, outbox);
        await this.feed.notify(db, userId, null);
      }
      return deleted;
    });
    return row ? toConnection(row) : null;
  }

  /** Runs `work` in one transaction when it writes events with its change, so both are written or neither. */
  #atomically<T>(outbox: readonly OutboxEntry[], work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return outbox.length === 0 ? work(this.db) : this.db.transaction().execute((trx) => work(trx));
  }
}

/** The Store over Kysely, for both dialects; only locking differs. */
export class KyselyStore extends KyselyConnections implements Store {
  readonly #localLocks = new KeyedMutex();

  constructor(
    db: Kysely<Database>,
    readonly kind: 'sqlite' | 'postgres',
    readonly clock: Clock,
    feed: ChangeFeed,
    private readonly options: { schema?: string; locks?: PostgresRefreshLocks } = {},
  ) {
    super(db, feed);
  }

  watchConnections(listener: (change: ConnectionChange) => void): ConnectionWatch {
    return this.feed.watch(listener);
  }

  /** The Kysely instance, for tools that need raw access (tests, the CLI). */
  get kysely(): Kysely<Database> {
    return this.db;
  }

  async migrate(): Promise<void> {
    const schema = this.options.schema;
    if (this.kind === 'postgres' && schema) {
      await sql`create schema if not exists ${sql.id(schema)}`.execute(this.db);
    }
    const migrator = new Migrator({
      db: this.db,
      provider: { getMigrations: async () => migrations },
      migrationTableName: 'tb_migrations',
      migrationLockTableName: 'tb_migrations_lock',
      ...(this.kind === 'postgres' && schema ? { migrationTableSchema: schema } : {}),
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      throw new Error(`Database migration ${failed ?? ''} failed: ${(error as Error).message ?? String(error)}`, {
        cause: error,
      });
    }
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async health(): Promise<StoreHealth> {
    const state = (check: Promise<void>) =>
      check.then(
        () => 'ok' as const,
        () => 'unreachable' as const,
      );
    const [database, locks, changeFeed] = await Promise.all([
      state(this.ping()),
      state(this.options.locks?.probe() ?? Promise.resolve()),
      state(this.feed.probe()),
    ]);
    return { database, locks, changeFeed };
  }

  async close(): Promise<void> {
    await this.options.locks?.close();
    await this.feed.close();
    await this.db.destroy();
  }

  async withRefreshLock<T>(
    userId: string,
    fn: (repository: ConnectionRepository) => Promise<T>,
    settled?: (repository: ConnectionRepository) => Promise<T | undefined>,
  ): Promise<T> {
    // SQLite: one process owns the file, so an in-process lock suffices (a transaction would hold SQLite's only
    // connection across an HTTP call). PostgreSQL: session advisory locks shared by every instance.
    if (this.options.locks) {
      return this.options.locks.run(userId, () => fn(this), settled && (() => settled(this)));
    }
    return this.#localLocks.run(userId, () => fn(this));
  }

  async savePendingAuthorization(p: PendingAuthorization): Promise<void> {
    await this.db
      .insertInto('tb_pending_authorizations')
      .values({
        state_hash: p.stateHash,
        user_id: p.userId,
        nonce_hash: p.nonceHash,
        code_verifier: p.codeVerifier,
        scopes: p.scopes.join(' '),
        return_to: p.returnTo,
        expires_at: p.expiresAt,
        created_at: p.createdAt,
      })
      .execute();
  }

  async takePendingAuthorization(stateHash: string): Promise<PendingAuthorization | null> {
    const row = await this.db
      .deleteFrom('tb_pending_authorizations')
      .where('state_hash', '=', stateHash)
      .returningAll()
      .executeTakeFirst();
    return row ? toPending(row) : null;
  }

  async purgeExpiredAuthorizations(now: number): Promise<number> {
    const result = await this.db
      .deleteFrom('tb_pending_authorizations')
      .where('expires_at', '<', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async claimEvent(source: string, id: string): Promise<boolean> {
    const result = await this.db
      .insertInto('tb_processed_events')
      .values({ source, event_id: id, processed_at: this.clock.now() })
      .onConflict((oc) => oc.columns(['source', 'event_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async releaseEvent(source: string, id: string): Promise<void> {
    await this.db.deleteFrom('tb_processed_events').where('source', '=', source).where('event_id', '=', id).execute();
  }

  async isEventClaimed(source: string, id: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('tb_processed_events')
      .select('event_id')
      .where('source', '=', source)
      .where('event_id', '=', id)
      .executeTakeFirst();
    return row !== undefined;
  }

  async findConnectionsByGoogleSub(sub: string): Promise<StoredConnection[]> {
    const rows = await this.db.selectFrom('tb_connections').selectAll().where('google_sub', '=', sub).execute();
    return rows.map(toConnection);
  }

  async findConnectionsByGoogleEmail(email: string): Promise<StoredConnection[]> {
    // Google's emails are stored as the id_token gave them; the indexed equality finds the usual spelling, and the
    // case-insensitive filter keeps the answer right for any other.
    const wanted = email.toLowerCase();
    const rows = await this.db
      .selectFrom('tb_connections')
      .selectAll()
      .where((eb) => eb.or([eb('google_email', '=', email), eb('google_email', '=', wanted)]))
      .execute();
    return rows.map(toConnection).filter((c) => c.googleEmail.toLowerCase() === wanted);
  }

  async findConnectionsByRiscKey(
    alg: 'prefix' | 'hash_base64_sha512_sha512',
    key: string,
  ): Promise<StoredConnection[]> {
    const column = alg === 'prefix' ? 'risc_prefix_key' : 'risc_hash_key';
    const rows = await this.db.selectFrom('tb_connections').selectAll().where(column, '=', key).limit(100).execute();
    return rows.map(toConnection);
  }

  async recordEvents(entries: readonly OutboxEntry[]): Promise<void> {
    await insertOutboxEntries(this.db, entries);
  }

  async appendAudit(entry: Omit<AuditEntry, 'id' | 'at'> & { at?: number }): Promise<void> {
    const at = entry.at ?? this.clock.now();
    await this.db
      .insertInto('tb_audit_log')
      .values({
        id: auditId(at),
        at,
        user_id: entry.userId,
        action: entry.action,
        actor: entry.actor,
        detail: JSON.stringify(entry.detail),
      })
      .execute();
  }

  async listAudit(filter: { userId?: string; limit?: number; before?: number } = {}): Promise<AuditEntry[]> {
    let query = this.db.selectFrom('tb_audit_log').selectAll();
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
    if (filter.before !== undefined) query = query.where('at', '<', filter.before);
    const rows = await query
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.min(Math.max(filter.limit ?? 100, 1), 1000))
      .execute();
    return rows.map((r) => ({
      id: r.id,
      at: Number(r.at),
      userId: r.user_id,
      action: r.action,
      actor: r.actor,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }));
  }

  async countConnections(): Promise<number> {
    const row = await this.db
      .selectFrom('tb_connections')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

let auditSequence = 0;

/** Sorts by time, then by order of writing within this process, so entries in the same millisecond keep their order. */
function auditId(at: number): string {
  auditSequence = (auditSequence + 1) % 36 ** 6;
  return (
    Math.max(0, at).toString(36).padStart(9, '0') +
    auditSequence.toString(36).padStart(6, '0') +
    randomBytes(6).toString('hex')
  );
}
