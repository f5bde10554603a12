import type { BridgeContext } from './bridge-context.js';
import type { ClerkTokenSource } from './clerk-source.js';
import { needsReconnect, securityEventDecision } from './connection-transitions.js';
import { InvalidRequestError } from './errors.js';
import { handleOnce } from './inbound-events.js';
import type { StoredConnection } from './ports.js';
import { holdingRefreshLock } from './refresh-lock.js';
import type { RiscEvent, RiscSubject } from './risc.js';
import { riscEventLookupKey } from './risc-token-keys.js';
import type { SecurityEventsResult } from './types.js';

/**
 * Applies Google's Cross-Account Protection (RISC) events to the connections they name: a revoked grant, signed-out
 * sessions or a disabled account mark the connection `needs_reconnect` (reason `revoked`) and drop its tokens, under
 * the user's refresh lock. The token's verification is `risc.ts`; this is what the bridge does with its events.
 */
export class SecurityEvents {
  constructor(
    private readonly ctx: BridgeContext,
    private readonly clerk: ClerkTokenSource | null,
  ) {}

  async apply(events: readonly RiscEvent[]): Promise<SecurityEventsResult> {
    const jti = Array.isArray(events) ? events[0]?.jti : undefined;
    if (typeof jti !== 'string' || jti === '' || jti.length > 256 || events.some((e) => e?.jti !== jti)) {
      throw new InvalidRequestError('Security events come from one verified token, with one jti.');
    }
    const handled = await handleOnce(this.ctx.store, 'google_risc', jti, async () => {
      const result: SecurityEventsResult = { duplicate: false, affectedUserIds: [], staleUserIds: [] };
      for (const event of events) {
        const outcome = await this.#applyOne(event);
        result.affectedUserIds.push(...outcome.affected.filter((u) => !result.affectedUserIds.includes(u)));
        result.staleUserIds.push(...outcome.stale.filter((u) => !result.staleUserIds.includes(u)));
      }
      return result;
    });
    return handled.duplicate ? { duplicate: true, affectedUserIds: [], staleUserIds: [] } : handled.value;
  }

  async #applyOne(event: RiscEvent): Promise<{ affected: string[]; stale: string[] }> {
    const { store, logger } = this.ctx;
    let targets: StoredConnection[];
    let stillTargeted: (connection: StoredConnection) => boolean;
    switch (event.type) {
      case 'tokens-revoked':
      case 'sessions-revoked':
      case 'account-disabled': {
        const subject = event.subject;
        targets =
          subject.type === 'iss-sub'
            ? await store.findConnectionsByGoogleSub(subject.sub)
            : await store.findConnectionsByGoogleEmail(subject.email);
        stillTargeted = subjectMatcher(subject);
        if (subject.type === 'iss-sub') this.clerk?.forgetGoogleAccount(subject.sub);
        break;
      }
      case 'token-revoked': {
        const key = riscEventLookupKey(event);
        if (key === null) {
          logger.info({ jti: event.jti, alg: event.tokenIdentifierAlg }, 'token-revoked names no usable token');
          return { affected: [], stale: [] };
        }
        targets = await store.findConnectionsByRiscKey(key.alg, key.key);
        stillTargeted = (c) => (key.alg === 'prefix' ? c.riscKeys?.prefix : c.riscKeys?.hash) === key.key;
        break;
      }
      default:
        // account-enabled, account-credential-change-required, verification and unknown types ask nothing of us.
        logger.info({ jti: event.jti, type: event.type }, 'security event needs no action');
        return { affected: [], stale: [] };
    }
    const affected: string[] = [];
    const stale: string[] = [];
    for (const target of targets) {
      const outcome = await this.#markRevoked(target.userId, event, stillTargeted);
      if (outcome === 'marked') affected.push(target.userId);
      else if (outcome === 'stale') stale.push(target.userId);
    }
    return { affected, stale };
  }

  /** Marks one connection `needs_reconnect` (reason revoked) and drops its tokens, under the refresh lock. */
  async #markRevoked(
    userId: string,
    event: RiscEvent,
    stillTargeted: (connection: StoredConnection) => boolean,
  ): Promise<'marked' | 'stale' | 'unchanged'> {
    const { store, clock, logger } = this.ctx;
    const outcome = await holdingRefreshLock(store, userId, async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const current = await store.getConnection(userId);
        const decision = securityEventDecision(current, { issuedAtSeconds: event.issuedAt }, stillTargeted);
        if (decision !== 'mark') return decision;
        const at = clock.now();
        const failure = { code: `google_${event.type.replace(/-/g, '_')}`, message: riscMessage(event) };
        const saved = await store.updateConnection(needsReconnect(current!, { reason: 'revoked', at, failure }), {
          outbox: this.ctx.outboxOf({ type: 'connection.needs_reconnect', userId, reason: 'revoked' }),
          audit: [
            {
              userId,
              action: 'needs_reconnect',
              actor: 'google_risc',
              detail: {
                reason: 'revoked',
                event: event.type,
                jti: event.jti,
                ...(event.type === 'account-disabled' ? { disabledReason: event.reason } : {}),
              },
            },
          ],
        });
        if (saved) return 'marked' as const;
      }
      return 'unchanged' as const;
    });
    if (outcome === 'stale') {
      logger.info({ userId, jti: event.jti, type: event.type }, 'security event predates the last connect');
      return outcome;
    }
    if (outcome !== 'marked') return outcome;
    this.ctx.cache.forget(userId);
    logger.warn({ userId, jti: event.jti, type: event.type }, 'Google reported the grant revoked (RISC)');
    this.ctx.events.emit({ type: 'connection.needs_reconnect', userId, reason: 'revoked' });
    return outcome;
  }
}

/** Whether a row is still linked to the Google account a security event names. */
function subjectMatcher(subject: RiscSubject): (connection: StoredConnection) => boolean {
  if (subject.type === 'iss-sub') return (c) => c.googleSub === subject.sub;
  const email = subject.email.toLowerCase();
  return (c) => c.googleEmail.toLowerCase() === email;
}

function riscMessage(event: RiscEvent): string {
  switch (event.type) {
    case 'account-disabled':
      return `Google disabled the account${event.reason ? ` (${event.reason})` : ''}; its tokens were dropped.`;
    case 'sessions-revoked':
      return 'Google signed the account out everywhere; its tokens were dropped.';
    default:
      return 'Google revoked the grant.';
  }
}
