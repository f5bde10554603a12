import type { BridgeContext } from './bridge-context.js';
import { validFor } from './connection-transitions.js';
import { ownConnectionView } from './connection-views.js';
import { UpstreamUnavailableError } from './errors.js';
import type { GoogleOAuthError } from './google-oauth.js';
import type { StoredConnection } from './ports.js';
import { RetriesExhausted } from './retry.js';
import type { ReconnectReason } from './types.js';

/**
 * What a locked refresh came to. Its row, audit entry and outbound events are already written (together); what is
 * left is telling this process: logs and in-process events, after the lock is released.
 */
export type RefreshOutcome =
  | { kind: 'fresh'; connection: StoredConnection }
  | { kind: 'refreshed'; connection: StoredConnection; recovered: boolean; durationMs: number }
  | { kind: 'needs_reconnect'; connection: StoredConnection; reason: ReconnectReason; audited: boolean }
  | {
      kind: 'failed';
      connection: StoredConnection | null;
      error: GoogleOAuthError | RetriesExhausted;
      transient: boolean;
      audited: boolean;
    };

/**
 * Reports a refresh's outcome (logs, events, and the audit entry when the row's write could not carry it) and
 * answers with the row to serve from, or the error to answer with: a transient failure serves a still-valid token,
 * else `upstream_unavailable` with `Retry-After`; it never marks the connection `needs_reconnect`.
 */
export async function settleRefresh(
  ctx: BridgeContext,
  userId: string,
  outcome: RefreshOutcome,
): Promise<StoredConnection> {
  const { events, logger } = ctx;
  switch (outcome.kind) {
    case 'fresh':
      return outcome.connection;
    case 'refreshed':
      logger.info({ userId }, 'google token refreshed');
      events.emit({ type: 'token.refreshed', userId, source: 'oauth', durationMs: outcome.durationMs });
      if (outcome.recovered) {
        events.emit({ type: 'connection.recovered', userId, connection: ownConnectionView(outcome.connection) });
      }
      return outcome.connection;
    case 'needs_reconnect':
      logger.warn({ userId, reason: outcome.reason }, 'google grant no longer valid');
      events.emit({ type: 'token.refresh_failed', userId, code: 'invalid_grant', transient: false, source: 'oauth' });
      events.emit({ type: 'upstream.failed', service: 'google', status: 400, code: 'invalid_grant' });
      events.emit({ type: 'connection.needs_reconnect', userId, reason: outcome.reason });
      if (!outcome.audited) {
        await ctx.audit({ userId, action: 'needs_reconnect', actor: 'system', detail: { reason: outcome.reason } });
      }
      return outcome.connection;
    case 'failed': {
      const { error, transient } = outcome;
      const cause = error instanceof RetriesExhausted ? (error.lastError as GoogleOAuthError) : error;
      logger.warn({ userId, code: cause.oauthError, status: cause.status, transient }, 'google token refresh failed');
      events.emit({ type: 'token.refresh_failed', userId, source: 'oauth', code: cause.oauthError, transient });
      events.emit({ type: 'upstream.failed', service: 'google', status: cause.status ?? null, code: cause.oauthError });
      if (!outcome.audited) {
        await ctx.audit({
          userId,
          action: 'refresh_failed',
          actor: 'system',
          detail: { code: cause.oauthError, transient },
        });
      }
      const connection = outcome.connection;
      // A still-valid token is served meanwhile.
      if (connection && validFor(connection, 1, ctx.clock.now())) return connection;
      const retryAfterMs = error instanceof RetriesExhausted ? error.retryAfterMs : 60_000;
      throw new UpstreamUnavailableError('google', Math.max(1, Math.ceil(retryAfterMs / 1000)), cause);
    }
  }
}
