import { type Kysely, sql } from 'kysely';
import type { AuditEntry } from '../core/ports.js';
import type { ConnectionStatus } from '../core/types.js';
import type { Database } from './schema.js';

/** Connection counts for dashboards and `doctor`; one grouped query, cheap enough to run on every scrape. */
export interface ConnectionStats {
  total: number;
  byStatus: Record<ConnectionStatus, number>;
  /** Grants Google limits in time (`refresh_token_expires_in`): the sign of an app left in Testing status. */
  timeLimitedGrants: number;
}

/** A pending authorization's encrypted PKCE verifier, for key rotation. */
export interface PendingSecret {
  stateHash: string;
  userId: string;
  codeVerifier: string;
}

/**
 * Operator queries over the store's tables: listings, counts and the key-rotation scan. Kept apart from the hot-path
 * {@link Store} interface because only the CLI and the metrics scrape need them. Every write a caller makes from
 * these results still goes through the store (under the refresh lock, compare-and-swap on the row version), except
 * {@link StoreMaintenance.replacePendingVerifier}, which compares and swaps the ciphertext itself.
 */
export interface StoreMaintenance {
  connectionStats(): Promise<ConnectionStats>;
  /** User ids in ascending order after `after`, optionally only those with a secret not encrypted under `keyId`. */
  listUserIds(options: {
    after?: string;
    limit: number;
    status?: ConnectionStatus;
    notEncryptedWith?: string;
  }): Promise<string[]>;
  /** How many rows hold a secret under none of `keyIds` (one id: rows still to rotate; the whole ring: lost keys). */
  countNotEncryptedWith(
    keyIds: string | readonly string[],
  ): Promise<{ connections: number; pendingAuthorizations: number }>;
  /** Names of the applied migrations, or an empty list when the database was never migrated. */
  appliedMigrations(): Promise<string[]>;
  listPendingNotEncryptedWith(keyId: string, options: { after?: string; limit: number }): Promise<PendingSecret[]>;
  /**
   * One page of a user's audit trail, newest first. `cursor` is the id of the last entry of the previous page: ids
   * sort by time, so entries written in the same millisecond are neither skipped nor repeated across pages.
   */
  auditPage(filter: { userId: string; limit: number; cursor?: string }): Promise<AuditEntry[]>;
  /** Replaces a pending authorization's verifier only if it still holds `expected`; false when it changed or is gone. */
  replacePendingVerifier(stateHash: string, expected: string, next: string): Promise<boolean>;
}

/**
 * The maintenance queries of a store opened by `openStore` (SQLite or PostgreSQL).
 *
 * @example
 * const { byStatus } = await storeMaintenance(store).connectionStats();
 */
export function storeMaintenance(store: { readonly maintenance: StoreMaintenance }): StoreMaintenance {
  return store.maintenance;
}

/** `v1.<kid>.` — the prefix every ciphertext made with that key starts with (see Keyring.encrypt). */
const prefixOf = (keyId: string): string => `v1.${keyId}.`;

/** The maintenance queries over the store's own tables (the store exposes them as `store.maintenance`). */
export class KyselyMaintenance implements StoreMaintenance {
  constructor(private readonly db: Kysely<Database>) {}

  async connectionStats(): Promise<ConnectionStats> {
    const rows = await this.db
      .selectFrom('tb_connections')
      .select((eb) => ['status', eb.fn.countAll().as('n'), eb.fn.count('refresh_token_expires_at').as('limited')])
      .groupBy('status')
      .execute();
    const byStatus: Record<ConnectionStatus, number> = { active: 0, needs_reconnect: 0 };
    let total = 0;
    let timeLimitedGrants = 0;
    for (const row of rows) {
      const n = Number(row.n);
      byStatus[row.status as ConnectionStatus] = (byStatus[row.status as ConnectionStatus] ?? 0) + n;
      total += n;
      timeLimitedGrants += Number(row.limited);
    }
    return { total, byStatus, timeLimitedGrants };
  }

  async listUserIds(options: {
    after?: string;
    limit: number;
    status?: ConnectionStatus;
    notEncryptedWith?: string;
  }): Promise<string[]> {
    let query = this.db.selectFrom('tb_connections').select('user_id');
    if (options.after !== undefined) query = query.where('user_id', '>', options.after);
    if (options.status !== undefined) query = query.where('status', '=', options.status);
    if (options.notEncryptedWith !== undefined) {
      const prefix = prefixOf(options.notEncryptedWith);
      // Parenthesised: Kysely joins where() fragments with `and` as they are.
      query = query.where(sql<boolean>`(${notUnder('refresh_token', prefix)} or ${notUnder('access_token', prefix)})`);
    }
    const rows = await query.orderBy('user_id').limit(clampLimit(options.limit)).execute();
    return rows.map((r) => r.user_id);
  }

  async countNotEncryptedWith(
    keyIds: string | readonly string[],
  ): Promise<{ connections: number; pendingAuthorizations: number }> {
    const prefixes = (typeof keyIds === 'string' ? [keyIds] : [...keyIds]).map(prefixOf);
    const under = (column: SecretColumn) =>
      sql.join(
        prefixes.map((p) => notUnder(column, p)),
        sql` and `,
      );
    const connections = await this.db
      .selectFrom('tb_connections')
      .select((eb) => eb.fn.countAll().as('n'))
      .where(sql<boolean>`((${under('refresh_token')}) or (${under('access_token')}))`)
      .executeTakeFirstOrThrow();
    const pending = await this.db
      .selectFrom('tb_pending_authorizations')
      .select((eb) => eb.fn.countAll().as('n'))
      .where(sql<boolean>`${under('code_verifier')}`)
      .executeTakeFirstOrThrow();
    return { connections: Number(connections.n), pendingAuthorizations: Number(pending.n) };
  }

  async appliedMigrations(): Promise<string[]> {
    try {
      const { rows } = await sql<{ name: string }>`select name from tb_migrations`.execute(this.db);
      return rows.map((r) => r.name);
    } catch {
      // No migrations table: never migrated (the caller has checked the database answers at all).
      return [];
    }
  }

  async listPendingNotEncryptedWith(
    keyId: string,
    options: { after?: string; limit: number },
  ): Promise<PendingSecret[]> {
    let query = this.db
      .selectFrom('tb_pending_authorizations')
      .select(['state_hash', 'user_id', 'code_verifier'])
      .where(notUnder('code_verifier', prefixOf(keyId)));
    if (options.after !== undefined) query = query.where('state_hash', '>', options.after);
    const rows = await query.orderBy('state_hash').limit(clampLimit(options.limit)).execute();
    return rows.map((r) => ({ stateHash: r.state_hash, userId: r.user_id, codeVerifier: r.code_verifier }));
  }

  async auditPage(filter: { userId: string; limit: number; cursor?: string }): Promise<AuditEntry[]> {
    let query = this.db.selectFrom('tb_audit_log').selectAll().where('user_id', '=', filter.userId);
    if (filter.cursor !== undefined) query = query.where('id', '<', filter.cursor);
    const rows = await query.orderBy('id', 'desc').limit(clampLimit(filter.limit)).execute();
    return rows.map((r) => ({
      id: r.id,
      at: Number(r.at),
      userId: r.user_id,
      action: r.action,
      actor: r.actor,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }));
  }

  async replacePendingVerifier(stateHash: string, expected: string, next: string): Promise<boolean> {
    const result = await this.db
      .updateTable('tb_pending_authorizations')
      .set({ code_verifier: next })
      .where('state_hash', '=', stateHash)
      .where('code_verifier', '=', expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}

/**
 * A secret column holding a ciphertext of another key. `substr` rather than LIKE: key ids may contain `_`, which
 * LIKE would read as a wildcard. Works the same on SQLite and PostgreSQL.
 */
type SecretColumn = 'refresh_token' | 'access_token' | 'code_verifier';

function notUnder(column: SecretColumn, prefix: string) {
  return sql<boolean>`(${sql.ref(column)} is not null and substr(${sql.ref(column)}, 1, ${prefix.length}) <> ${prefix})`;
}

function clampLimit(limit: number): number {
  return Math.min(Math.max(Math.trunc(limit) || 1, 1), 1000);
}
