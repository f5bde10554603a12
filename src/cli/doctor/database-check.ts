import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Keyring } from '../../core/keyring.js';
import { migrations, openStore } from '../../storage/index.js';
import { storeMaintenance } from '../../storage/maintenance.js';
import { type CheckResult, fail, pass, warn } from './check.js';

/** Database reachable and migrated; secrets decryptable with the ring; grants that betray a Testing-status app. */
export async function checkDatabase(
  databaseUrl: string,
  keyring: Keyring | undefined,
  options: { schema?: string } = {},
): Promise<CheckResult[]> {
  const where = describeDatabase(databaseUrl);
  const sqlitePath = /^postgres(ql)?:/i.test(databaseUrl) ? undefined : databaseUrl.replace(/^sqlite:(\/\/)?/i, '');
  if (sqlitePath !== undefined && sqlitePath !== ':memory:' && !existsSync(resolve(sqlitePath))) {
    return [
      fail(
        'Database',
        `${where} does not exist.`,
        'Run `tokenbridge migrate` (or start the bridge once) to create it, or point DATABASE_URL at the right file.',
      ),
    ];
  }
  let store: Awaited<ReturnType<typeof openStore>> | undefined;
  try {
    store = await openStore(databaseUrl, options.schema ? { schema: options.schema } : {});
    await store.ping();
  } catch (error) {
    await store?.close().catch(() => {});
    return [
      fail(
        'Database',
        `${where} is not reachable: ${(error as Error).message.split('\n')[0]}`,
        'Check DATABASE_URL (host, port, user, database) and that the server accepts connections from here.',
      ),
    ];
  }
  try {
    const maintenance = storeMaintenance(store);
    const applied = new Set(await maintenance.appliedMigrations());
    const pending = Object.keys(migrations).filter((name) => !applied.has(name));
    if (pending.length > 0) {
      return [
        fail(
          'Database',
          `${where} answers but is not migrated (${pending.length} migration(s) pending).`,
          'Run `tokenbridge migrate` (the bridge also migrates on start).',
        ),
      ];
    }
    const results: CheckResult[] = [pass('Database', `${where} answers and is migrated.`)];
    if (keyring) results.push(await checkStoredSecrets(maintenance, keyring));
    const stats = await maintenance.connectionStats();
    results.push(
      stats.timeLimitedGrants > 0
        ? warn(
            'Google app publishing status',
            `${stats.timeLimitedGrants} of ${stats.total} grant(s) came with refresh_token_expires_in: Google expires ` +
              'them after 7 days because the app is in Testing status, and those users will have to reconnect.',
            'Google Cloud console → APIs & Services → OAuth consent screen → Publish app (and complete verification ' +
              'for sensitive scopes).',
          )
        : pass('Google app publishing status', `${stats.total} connection(s); none with a time-limited grant.`),
    );
    return results;
  } finally {
    await store.close().catch(() => {});
  }
}

async function checkStoredSecrets(
  maintenance: ReturnType<typeof storeMaintenance>,
  keyring: Keyring,
): Promise<CheckResult> {
  const lost = await maintenance.countNotEncryptedWith(keyring.keyIds);
  const lostRows = lost.connections + lost.pendingAuthorizations;
  if (lostRows > 0) {
    return fail(
      'Stored secrets',
      `${lostRows} row(s) are encrypted with a key that is not in TOKENBRIDGE_ENCRYPTION_KEYS; they cannot be read.`,
      'Add the missing old key back after the current one (from your backups of the keyring).',
    );
  }
  const stale = await maintenance.countNotEncryptedWith(keyring.primaryKeyId);
  const staleRows = stale.connections + stale.pendingAuthorizations;
  if (staleRows > 0) {
    return warn(
      'Stored secrets',
      `${staleRows} row(s) are still encrypted with an older key than "${keyring.primaryKeyId}".`,
      'Run `tokenbridge keys rotate` (safe while serving), then remove the old key.',
    );
  }
  return pass('Stored secrets', `Every stored secret is encrypted with "${keyring.primaryKeyId}".`);
}

/** The database for display: a PostgreSQL URL without its password. */
export function describeDatabase(databaseUrl: string): string {
  if (!/^postgres(ql)?:/i.test(databaseUrl)) return `SQLite ${databaseUrl}`;
  const url = new URL(databaseUrl);
  if (url.password) url.password = '***';
  return `PostgreSQL ${url.toString()}`;
}
