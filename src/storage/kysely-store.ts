import { type Kysely, Migrator, sql } from 'kysely';
import type { Clock } from '../clock.js';
import type {
  AuditEntry,
  AuditRecord,
  ConnectionChange,
  ConnectionWatch,
  LockTurn,
  OutboxEntry,
  PendingAuthorization,
  StoredConnection,
} from '../core/ports.js';
import type { TokenBuckets } from '../token-buckets.js';
import type { ChangeFeed } from './change-feed.js';
import { KyselyConnections } from './connection-writes.js';
import { LocalRefreshLocks } from './local-refresh-lock.js';
import { KyselyMaintenance } from './maintenance.js';
import { migrations } from './migrations.js';
import type { PostgresRefreshLocks } from './postgres-refresh-lock.js';
import { PostgresTokenBuckets } from './postgres-token-buckets.js';
import { toConnection, toPending } from './rows.js';
import type { Database } from './schema.js';
import type { Store, StoreHealth } from './store.js';
import { insertOutboxEntries, KyselyOutbox } from './webhook-outbox.js';

/** The Store over Kysely, for both dialects; the refresh lock and how writes are folded differ. */
export class KyselyStore extends KyselyConnections implements Store {
  readonly #locks: PostgresRefreshLocks | LocalRefreshLocks;
  readonly outbox: KyselyOutbox;
  readonly maintenance: KyselyMaintenance;

  constructor(
    db: Kysely<Database>,
    kind: 'sqlite' | 'postgres',
    clock: Clock,
    feed: ChangeFeed,
    private readonly options: { schema?: string; locks?: PostgresRefreshLocks } = {},
  ) {
    super(db, feed, kind, clock);
    this.#locks = options.locks ?? new LocalRefreshLocks();
    this.outbox = new KyselyOutbox(db, kind);
    this.maintenance = new KyselyMaintenance(db);
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

  sharedTokenBuckets(): TokenBuckets | undefined {
    return this.kind === 'postgres' ? new PostgresTokenBuckets(this.db, this.clock) : undefined;
  }

  acquireOrJoin(userId: string): Promise<LockTurn> {
    return this.#locks.acquireOrJoin(userId);
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
        redirect_uri: p.redirectUri ?? null,
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

  async appendAudit(entry: AuditRecord): Promise<void> {
    await this.insertAudit(this.db, [entry]);
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
