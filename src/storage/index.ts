import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import pg from 'pg';
import { type Clock, systemClock } from '../clock.js';
import { ConfigurationError } from '../core/ports.js';
import { LocalChangeFeed, PostgresChangeFeed } from './change-feed.js';
import { guardStore } from './guarded-store.js';
import { KyselyStore } from './kysely-store.js';
import { PostgresRefreshLocks } from './postgres-refresh-lock.js';
import type { Database } from './schema.js';
import { SchemaScopedPostgresDialect } from './schema-introspector.js';
import type { Store } from './store.js';

export type { ConnectionChange, ConnectionWatch } from './change-feed.js';
export { KyselyStore } from './kysely-store.js';
export { migrations } from './migrations.js';
export type { Database } from './schema.js';
export type {
  AuditAction,
  AuditEntry,
  AuditRecord,
  ConnectionRepository,
  ConnectionStore,
  LockTurn,
  OutboxEntry,
  PendingAuthorization,
  RefreshLease,
  RefreshLock,
  Store,
  StoredConnection,
  StoreHealth,
  WriteEffects,
} from './store.js';

export interface OpenStoreOptions {
  clock?: Clock;
  /**
   * PostgreSQL schema to keep the tables in (created by `migrate`). May also be given as `?schema=` on the URL.
   * Lets several deployments, or parallel test files, share one database.
   */
  schema?: string;
  /** PostgreSQL pool size. Default 10. */
  poolSize?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8_OID = 20;

/**
 * Opens the bridge's store. `postgres://…` or `postgresql://…` selects PostgreSQL (a pg Pool); anything else is a
 * SQLite file path (`sqlite:` prefix optional; `:memory:` for a throwaway database), whose folder is created.
 * Call `migrate()` before use.
 *
 * @example
 * const store = await openStore(process.env.DATABASE_URL ?? './data/tokenbridge.db');
 * await store.migrate();
 */
export async function openStore(databaseUrl: string, options: OpenStoreOptions = {}): Promise<Store> {
  const clock = options.clock ?? systemClock;
  if (typeof databaseUrl !== 'string' || databaseUrl.trim() === '') {
    throw new ConfigurationError('A database URL or SQLite file path is required.');
  }
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) return openPostgres(databaseUrl, clock, options);
  return openSqlite(databaseUrl, clock);
}

function openPostgres(databaseUrl: string, clock: Clock, options: OpenStoreOptions): Store {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new ConfigurationError('DATABASE_URL is not a valid PostgreSQL URL.');
  }
  const schema = options.schema ?? url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new ConfigurationError('The PostgreSQL schema name must be lower-case letters, digits and "_".');
  }
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as never,
  };
  const connection = {
    connectionString: url.toString(),
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  };
  // Named (with the schema) so an operator can tell the two dedicated sessions from the pool's in pg_stat_activity.
  const sessionName = (role: string) => ({ ...connection, application_name: schema ? `${role}/${schema}` : role });
  // Times are bigint columns; parse them as numbers (epoch milliseconds fit in 2^53).
  const pool = new pg.Pool({ ...sessionName('tokenbridge'), max: options.poolSize ?? 10, types });
  // A client losing its server (a PostgreSQL restart, a terminated backend) must not crash the process. Idle in the
  // pool, the pool reports it here and replaces it. Checked out, pg-pool leaves it without a listener and pg emits
  // 'error' on it even when a query was running (which fails on its own): the listener every client gets on connect
  // absorbs that, and the pool drops the unusable client when it is released.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const db = new Kysely<Database>({ dialect: new SchemaScopedPostgresDialect({ pool }, schema) });
  const channel = channelFor(schema ?? 'public');
  const feed = new PostgresChangeFeed(sessionName('tokenbridge-change-feed'), channel);
  const locks = new PostgresRefreshLocks(sessionName('tokenbridge-refresh-locks'), schema ?? 'public', feed, channel);
  return guardStore(new KyselyStore(db, 'postgres', clock, feed, { ...(schema ? { schema } : {}), locks }));
}

/** The NOTIFY channel of a schema, within PostgreSQL's 63-byte identifier limit. */
function channelFor(schema: string): string {
  const name = `tb_connections_${schema}`;
  return name.length <= 63 ? name : `tb_connections_${createHash('sha256').update(schema).digest('hex').slice(0, 32)}`;
}

/**
 * Creates the SQLite file readable by its owner only (0600), or tightens an existing one and its journals, before
 * SQLite opens it: SQLite gives the WAL and shared-memory files the database file's own mode, and they hold the same
 * rows (ciphertexts, state hashes, the audit trail).
 */
function ownerOnly(path: string): void {
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    if (!existsSync(file)) continue;
    try {
      chmodSync(file, 0o600);
    } catch (error) {
      // Someone else's file that we may still use (a shared volume): their permissions are theirs to set.
      if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
    }
  }
}

function openSqlite(databaseUrl: string, clock: Clock): Store {
  let path = databaseUrl.replace(/^sqlite:(\/\/)?/i, '');
  if (path === '') throw new ConfigurationError('The SQLite path is empty.');
  const memory = path === ':memory:';
  if (!memory) {
    path = resolve(path);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    ownerOnly(path);
  }
  const database = new Sqlite(path);
  if (!memory) database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('synchronous = NORMAL');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  const dataVersion = database.prepare('pragma data_version').pluck();
  const feed = new LocalChangeFeed(() => dataVersion.get() as number);
  return guardStore(new KyselyStore(db, 'sqlite', clock, feed));
}
