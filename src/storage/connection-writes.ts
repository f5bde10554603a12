import { type Kysely, type OperationNode, type RawBuilder, type Selectable, sql } from 'kysely';
import type { Clock } from '../clock.js';
import type { AuditRecord, ConnectionRepository, OutboxEntry, StoredConnection, WriteEffects } from '../core/ports.js';
import type { ChangeFeed } from './change-feed.js';
import { auditId, fromConnection, toConnection } from './rows.js';
import type { ConnectionTable, Database } from './schema.js';
import { insertOutboxEntries } from './webhook-outbox.js';

type Row = Selectable<ConnectionTable>;

/**
 * Connection rows over Kysely. Each write carries its change notice and its effects (outbox rows, audit entries):
 * on PostgreSQL all of it is one statement (data-modifying CTEs, `pg_notify` in the same statement, so it is heard
 * on commit only); on SQLite one transaction, and only when there are effects (SQLite's statements are in-process
 * calls, its commits the cost).
 */
export class KyselyConnections implements ConnectionRepository {
  constructor(
    protected readonly db: Kysely<Database>,
    protected readonly feed: ChangeFeed,
    readonly kind: 'sqlite' | 'postgres',
    readonly clock: Clock,
  ) {}

  async getConnection(userId: string): Promise<StoredConnection | null> {
    const row = await this.db.selectFrom('tb_connections').selectAll().where('user_id', '=', userId).executeTakeFirst();
    return row ? toConnection(row) : null;
  }

  async putConnection(connection: StoredConnection, effects: WriteEffects = {}): Promise<StoredConnection> {
    const version = connection.version + 1;
    const row = fromConnection(connection, version);
    const { user_id: _userId, created_at: _createdAt, ...update } = row;
    await this.#write(connection.userId, version, effects, (db) =>
      db
        .insertInto('tb_connections')
        .values(row)
        .onConflict((oc) => oc.column('user_id').doUpdateSet(update))
        .returningAll(),
    );
    return { ...connection, version };
  }

  async updateConnection(connection: StoredConnection, effects: WriteEffects = {}): Promise<StoredConnection | null> {
    const version = connection.version + 1;
    const { user_id: _userId, created_at: _createdAt, ...update } = fromConnection(connection, version);
    const written = await this.#write(connection.userId, version, effects, (db) =>
      db
        .updateTable('tb_connections')
        .set(update)
        .where('user_id', '=', connection.userId)
        .where('version', '=', connection.version)
        .returningAll(),
    );
    return written ? { ...connection, version } : null;
  }

  async deleteConnection(userId: string, effects: WriteEffects = {}): Promise<StoredConnection | null> {
    const deleted = await this.#write(userId, null, effects, (db) =>
      db.deleteFrom('tb_connections').where('user_id', '=', userId).returningAll(),
    );
    return deleted ? toConnection(deleted) : null;
  }

  /** Writes audit entries on their own (a read, or a change with no row of ours). */
  protected async insertAudit(db: Kysely<Database>, entries: readonly AuditRecord[]): Promise<void> {
    if (entries.length === 0) return;
    await db
      .insertInto('tb_audit_log')
      .values(entries.map((entry) => this.#auditRow(entry)))
      .execute();
  }

  /** The row's write, its effects and its change notice, as one unit; returns the row written, if any. */
  async #write(
    userId: string,
    version: number | null,
    effects: WriteEffects,
    write: (db: Kysely<Database>) => RowQuery,
  ): Promise<Row | undefined> {
    const outbox = effects.outbox ?? [];
    const audit = effects.audit ?? [];
    if (this.kind === 'postgres') {
      const notice = this.feed.notice(userId, version);
      const ctes: RawBuilder<unknown>[] = [
        sql`written as (${write(this.db)})`,
        ...audit.map((entry, i) => this.#auditCte(`audit_${i}`, entry)),
        ...outbox.map((entry, i) => outboxCte(`outbox_${i}`, entry)),
      ];
      const notify = notice ? sql`, ${notice} as notified` : sql``;
      const { rows } = await sql<Row>`with ${sql.join(ctes, sql`, `)} select written.*${notify} from written`.execute(
        this.db,
      );
      const row = rows[0];
      if (row && !notice) await this.feed.notify(this.db, userId, version);
      return row ? withoutNotice(row) : undefined;
    }
    const run = async (db: Kysely<Database>) => {
      const row = (await write(db).execute())[0];
      if (!row) return undefined;
      await insertOutboxEntries(db, outbox);
      await this.insertAudit(db, audit);
      await this.feed.notify(db, userId, version);
      return row;
    };
    return outbox.length + audit.length === 0 ? run(this.db) : this.db.transaction().execute(run);
  }

  #auditRow(entry: AuditRecord) {
    const at = entry.at ?? this.clock.now();
    return {
      id: auditId(at),
      at,
      user_id: entry.userId,
      action: entry.action,
      actor: entry.actor,
      detail: JSON.stringify(entry.detail),
    };
  }

  /** Inserts one audit entry if (and only if) the row was written. */
  #auditCte(name: string, entry: AuditRecord): RawBuilder<unknown> {
    const r = this.#auditRow(entry);
    return sql`${sql.id(name)} as (insert into tb_audit_log (id, at, user_id, action, actor, detail)
      select ${r.id}::text, ${r.at}::bigint, ${r.user_id}::text, ${r.action}::text, ${r.actor}::text, ${r.detail}::text
      from written)`;
  }
}

/** What a row write compiles to: a Kysely query returning the written row. */
interface RowQuery {
  execute(): Promise<Row[]>;
  toOperationNode(): OperationNode;
}

/** Inserts one outbox row if (and only if) the connection row was written. */
function outboxCte(name: string, entry: OutboxEntry): RawBuilder<unknown> {
  return sql`${sql.id(name)} as (insert into tb_webhook_outbox
      (id, event_type, user_id, payload, status, attempts, next_attempt_at, created_at)
    select ${entry.id}::text, ${entry.type}::text, ${entry.userId}::text, ${entry.payload}::text, 'pending', 0,
      ${entry.createdAt}::bigint, ${entry.createdAt}::bigint
    from written)`;
}

function withoutNotice(row: Row & { notified?: unknown }): Row {
  const { notified: _notified, ...rest } = row;
  return rest;
}
