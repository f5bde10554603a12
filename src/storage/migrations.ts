import type { Kysely, Migration } from 'kysely';

/**
 * The schema history. The same migrations run on SQLite and PostgreSQL, so only portable types are used
 * (text, integer, bigint); new migrations are appended, never edited.
 */
export const migrations: Record<string, Migration> = {
  '2026_11_25_0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('tb_connections')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('google_sub', 'text', (c) => c.notNull())
        .addColumn('google_email', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('refresh_token', 'text')
        .addColumn('access_token', 'text')
        .addColumn('access_token_expires_at', 'bigint')
        .addColumn('refresh_token_expires_at', 'bigint')
        .addColumn('reconnect_reason', 'text')
        .addColumn('last_refresh_at', 'bigint')
        .addColumn('last_error_code', 'text')
        .addColumn('last_error_message', 'text')
        .addColumn('last_error_at', 'bigint')
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('tb_connections_google_sub').on('tb_connections').column('google_sub').execute();

      await db.schema
        .createTable('tb_pending_authorizations')
        .addColumn('state_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('nonce_hash', 'text', (c) => c.notNull())
        .addColumn('code_verifier', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('return_to', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('tb_pending_authorizations_expires_at')
        .on('tb_pending_authorizations')
        .column('expires_at')
        .execute();

      await db.schema
        .createTable('tb_processed_events')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('processed_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('tb_processed_events_pk', ['source', 'event_id'])
        .execute();

      await db.schema
        .createTable('tb_audit_log')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('tb_audit_log_user_at').on('tb_audit_log').columns(['user_id', 'at']).execute();
      await db.schema.createIndex('tb_audit_log_at').on('tb_audit_log').column('at').execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['tb_audit_log', 'tb_processed_events', 'tb_pending_authorizations', 'tb_connections']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  },
  // Google's Cross-Account Protection names accounts by sub or email and refresh tokens by prefix or double hash:
  // these columns let a security event find its connection in one indexed lookup, without decrypting any row.
  '2026_11_26_0002_risc_lookup': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('tb_connections').addColumn('risc_prefix_key', 'text').execute();
      await db.schema.alterTable('tb_connections').addColumn('risc_hash_key', 'text').execute();
      await db.schema.alterTable('tb_connections').addColumn('connected_at', 'bigint').execute();
      await db.schema
        .createIndex('tb_connections_risc_prefix_key')
        .on('tb_connections')
        .column('risc_prefix_key')
        .execute();
      await db.schema
        .createIndex('tb_connections_risc_hash_key')
        .on('tb_connections')
        .column('risc_hash_key')
        .execute();
      await db.schema.createIndex('tb_connections_google_email').on('tb_connections').column('google_email').execute();
    },
    async down(db: Kysely<unknown>) {
      for (const index of [
        'tb_connections_google_email',
        'tb_connections_risc_hash_key',
        'tb_connections_risc_prefix_key',
      ]) {
        await db.schema.dropIndex(index).ifExists().execute();
      }
      for (const column of ['connected_at', 'risc_hash_key', 'risc_prefix_key']) {
        await db.schema.alterTable('tb_connections').dropColumn(column).execute();
      }
    },
  },
  // Outbound events (Standard Webhooks) are written here by the instance that made the change and delivered from here,
  // so a crash or restart loses none; the lease lets exactly one instance hold a due row at a time.
  '2026_11_27_0003_webhook_outbox': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('tb_webhook_outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'bigint')
        .addColumn('last_status', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('delivered_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('tb_webhook_outbox_due')
        .on('tb_webhook_outbox')
        .columns(['status', 'next_attempt_at'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('tb_webhook_outbox').ifExists().execute();
    },
  },
  // Rate-limit buckets shared by the instances of one database (used on PostgreSQL; SQLite serves one process).
  '2026_12_02_0001_rate_limits': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('tb_rate_limits')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('tat', 'double precision', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('tb_rate_limits').ifExists().execute();
    },
  },
  // The redirect URI a redirect flow was started with (the one under the origin the user was at), which the code
  // exchange must repeat. Null in rows begun before: they used the configured redirect URI.
  '2026_12_02_0002_pending_redirect_uri': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('tb_pending_authorizations').addColumn('redirect_uri', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('tb_pending_authorizations').dropColumn('redirect_uri').execute();
    },
  },
};
