import type { BridgeContext } from './bridge-context.js';
import type { ClerkTokens } from './clerk-tokens.js';
import type { ConnectionCheck } from './connection-check.js';
import { ownConnectionView } from './connection-views.js';
import { revokeGrant } from './grant-revocation.js';
import type { OwnTokens } from './own-tokens.js';
import { holdingRefreshLock } from './refresh-lock.js';
import type { Connection, ConnectionOptions, DisconnectOptions, TokenSourcePolicy } from './types.js';

/** What a user's connection looks like (their own, or the account linked in Clerk), and how it ends. */
export class Connections {
  constructor(
    private readonly ctx: BridgeContext,
    private readonly policy: TokenSourcePolicy,
    private readonly own: OwnTokens,
    private readonly clerk: ClerkTokens | null,
    private readonly check: ConnectionCheck,
  ) {}

  /**
   * The own connection under `auto` and `oauth`; else (or without one) the Clerk-held account; else null. Either is
   * checked with Google first when asked.
   */
  async view(userId: string, options: ConnectionOptions = {}): Promise<Connection | null> {
    if (this.policy !== 'clerk') {
      const stored = await this.own.read(userId);
      const own = stored && options.checkWithGoogle ? await this.check.check(stored) : stored;
      if (own) return ownConnectionView(own);
    }
    if (!this.clerk) return null;
    const check = this.check;
    return this.clerk.connection(
      userId,
      options.checkWithGoogle ? (accessToken) => check.clerkTokenAlive(userId, accessToken) : undefined,
    );
  }

  /** Revokes the grant at Google, then removes the row with its `connection.deleted` event. */
  async disconnect(userId: string, options: DisconnectOptions): Promise<void> {
    const { store } = this.ctx;
    this.clerk?.source.forget(userId);
    const existing = await store.getConnection(userId);
    if (!existing) return;
    // Revoke first: once the row is gone the bridge could no longer reach the grant.
    const revoked = await revokeGrant(this.ctx, existing);
    const removed = await holdingRefreshLock(store, userId, () =>
      store.deleteConnection(userId, { outbox: this.ctx.outboxOf({ type: 'connection.deleted', userId }) }),
    );
    this.ctx.cache.forget(userId);
    if (!removed) return;
    await this.ctx.audit({
      userId,
      action: 'disconnect',
      actor: options.actor ?? 'user',
      detail: { revoked, sub: removed.googleSub },
    });
    this.ctx.events.emit({ type: 'connection.deleted', userId });
  }
}
