import type { RefreshLock } from './ports.js';

/**
 * Runs `fn` holding the user's refresh lock (the port in `ports.ts`; PostgreSQL advisory locks or an in-process lock
 * behind it), for writers that must take their turn whatever other holders wrote meanwhile: a link, a disconnect, a
 * security event, a key rotation. A refresh drives the lock itself (`refresh.ts`), because another holder's write
 * may spare it the work.
 *
 * @example
 * await holdingRefreshLock(store, userId, async () => store.updateConnection(next));
 */
export async function holdingRefreshLock<T>(lock: RefreshLock, userId: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    const turn = await lock.acquireOrJoin(userId);
    if (turn.kind === 'changed') continue;
    try {
      return await fn();
    } finally {
      await turn.lease.release();
    }
  }
}
