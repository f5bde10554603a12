import type { LockTurn, RefreshLock } from '../core/ports.js';
import { KeyedMutex } from './keyed-mutex.js';

/**
 * The refresh lock on SQLite: in-process, because one process owns the file (a database transaction would hold
 * SQLite's only connection across the holder's call to Google). A waiter always ends up with the lease: in-process
 * refreshes of one user are already joined by the core's single-flight, so only links, disconnects and security
 * events queue here.
 */
export class LocalRefreshLocks implements RefreshLock {
  readonly #mutex = new KeyedMutex();

  async acquireOrJoin(userId: string): Promise<LockTurn> {
    const release = await this.#mutex.lock(userId);
    return { kind: 'lease', lease: { release: async () => release() } };
  }
}
