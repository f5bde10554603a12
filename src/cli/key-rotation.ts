import { DecryptionError } from '../core/errors.js';
import type { Keyring } from '../core/keyring.js';
import { holdingRefreshLock } from '../core/refresh-lock.js';
import { storeMaintenance } from '../storage/maintenance.js';
import type { ConnectionRepository, Store, StoredConnection } from '../storage/store.js';

/** Where a rotation stands; reported after every row. */
export interface RotationProgress {
  /** Rows that needed re-encryption when the run started (connections and pending authorizations). */
  total: number;
  /** Rows rewritten under the new key so far. */
  rotated: number;
  /** Rows that no longer needed it when reached (a concurrent refresh or a deletion got there first). */
  skipped: number;
  /** Rows that could not be decrypted with any key of the ring; left untouched. */
  failed: number;
}

export interface RotationResult extends RotationProgress {
  /** False when stopped by the signal before the end; running again continues where it stopped. */
  complete: boolean;
  /** Rows still under an older key after the run (0 when complete, unless traffic wrote with an old keyring). */
  remaining: number;
  /** Key ids of the ring that no row uses any more: safe to remove from TOKENBRIDGE_ENCRYPTION_KEYS. */
  unusedKeyIds: string[];
}

export interface RotateKeysOptions {
  store: Store;
  keyring: Keyring;
  /** Rows per scan. Default 100. */
  batchSize?: number;
  onProgress?: (progress: RotationProgress) => void;
  /** Stops after the row in hand; the work done so far stays committed. */
  signal?: AbortSignal;
}

const PURPOSES = { refreshToken: 'refresh_token', accessToken: 'access_token' } as const;

/**
 * Re-encrypts every stored secret under the keyring's first key. It scans in primary-key order for rows whose
 * ciphertext names another key, so an interrupted run simply continues when started again (and a finished one is a
 * no-op). Each connection is rewritten under that user's refresh lock, with a compare-and-swap on the row version:
 * a refresh that lands first wins and the row is re-read, never overwritten with stale tokens.
 *
 * @example
 * const result = await rotateKeys({ store, keyring: Keyring.parse('k2:…,k1:…') });
 */
export async function rotateKeys(options: RotateKeysOptions): Promise<RotationResult> {
  const { store, keyring } = options;
  const maintenance = storeMaintenance(store);
  const batchSize = options.batchSize ?? 100;
  const primary = keyring.primaryKeyId;
  const before = await maintenance.countNotEncryptedWith(primary);
  const progress: RotationProgress = {
    total: before.connections + before.pendingAuthorizations,
    rotated: 0,
    skipped: 0,
    failed: 0,
  };
  const report = () => options.onProgress?.({ ...progress });
  report();
  let complete = true;

  // Rows that failed stay behind the cursor, so a batch never returns them twice.
  let after: string | undefined;
  scan: for (;;) {
    const ids = await maintenance.listUserIds({
      limit: batchSize,
      notEncryptedWith: primary,
      ...(after === undefined ? {} : { after }),
    });
    if (ids.length === 0) break;
    for (const userId of ids) {
      if (options.signal?.aborted) {
        complete = false;
        break scan;
      }
      const outcome = await holdingRefreshLock(store, userId, () => rotateConnection(store, userId, keyring));
      progress[outcome]++;
      report();
    }
    after = ids.at(-1);
  }

  let afterState: string | undefined;
  while (complete) {
    const pending = await maintenance.listPendingNotEncryptedWith(primary, {
      limit: batchSize,
      ...(afterState === undefined ? {} : { after: afterState }),
    });
    if (pending.length === 0) break;
    for (const item of pending) {
      if (options.signal?.aborted) {
        complete = false;
        break;
      }
      const context = { userId: item.userId, purpose: 'pkce_verifier' };
      let next: string;
      try {
        next = keyring.encrypt(keyring.decrypt(item.codeVerifier, context), context);
      } catch (error) {
        if (!(error instanceof DecryptionError)) throw error;
        progress.failed++;
        report();
        continue;
      }
      // A pending authorization is only ever taken (deleted), never rewritten: a lost swap means it was used.
      const swapped = await maintenance.replacePendingVerifier(item.stateHash, item.codeVerifier, next);
      progress[swapped ? 'rotated' : 'skipped']++;
      report();
    }
    afterState = pending.at(-1)?.stateHash;
  }

  const left = await maintenance.countNotEncryptedWith(primary);
  const remaining = left.connections + left.pendingAuthorizations;
  return { ...progress, complete, remaining, unusedKeyIds: remaining === 0 ? keyring.keyIds.slice(1) : [] };
}

/** Rewrites one connection's secrets under the primary key; retries a lost compare-and-swap on the fresh row. */
async function rotateConnection(
  repo: ConnectionRepository,
  userId: string,
  keyring: Keyring,
): Promise<'rotated' | 'skipped' | 'failed'> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const row = await repo.getConnection(userId);
    if (!row) return 'skipped';
    const next: StoredConnection = { ...row };
    let changed = false;
    for (const field of ['refreshToken', 'accessToken'] as const) {
      const value = row[field];
      if (value === null || !keyring.needsReencryption(value)) continue;
      const context = { userId, purpose: PURPOSES[field] };
      try {
        next[field] = keyring.encrypt(keyring.decrypt(value, context), context);
      } catch (error) {
        if (error instanceof DecryptionError) return 'failed';
        throw error;
      }
      changed = true;
    }
    if (!changed) return 'skipped';
    // updatedAt is left alone: nothing about the grant changed, only the key that protects it.
    if (await repo.updateConnection(next)) return 'rotated';
  }
  return 'skipped';
}
