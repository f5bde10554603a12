import type { BridgeContext } from './bridge-context.js';
import { type ClerkLookup, type ClerkTokenSource, ClerkUnavailable } from './clerk-source.js';
import {
  clerkAccessToken,
  clerkConnectionView,
  clerkNeedsReconnectView,
  clerkReconnectReason,
} from './connection-views.js';
import { NotConnectedError, ReconnectRequiredError, ScopesMissingError, UpstreamUnavailableError } from './errors.js';
import type { Trace } from './own-tokens.js';
import { missingScopes } from './scopes.js';
import type { TokenRequest } from './token-request.js';
import type { AccessToken, BridgeEvent, Connection } from './types.js';

/**
 * Tokens and connection views of the Google accounts users linked in Clerk (`users.getUserOauthAccessToken`), with
 * what they mean for the app: an account turning unusable at Clerk, or recovering, is announced once per transition.
 */
export class ClerkTokens {
  constructor(
    private readonly ctx: BridgeContext,
    readonly source: ClerkTokenSource,
  ) {}

  async token(request: TokenRequest, trace: Trace, force = request.force): Promise<AccessToken> {
    const { userId, scopes } = request;
    const { clock, events, connectUrl } = this.ctx;
    let lookup: ClerkLookup;
    const asked = clock.now();
    try {
      lookup = await this.source.lookup(userId, force);
    } catch (error) {
      if (!(error instanceof ClerkUnavailable)) throw error;
      trace.upstream = true;
      events.emit({ type: 'token.refresh_failed', userId, code: error.clerkCode, transient: true, source: 'clerk' });
      events.emit({ type: 'upstream.failed', service: 'clerk', status: null, code: error.clerkCode });
      const stale = this.source.stillValid(userId);
      if (stale && missingScopes(stale.scopes, scopes).length === 0) return clerkAccessToken(stale);
      throw unavailable(error);
    }
    this.#note(userId, lookup);
    if (lookup.kind !== 'token' || lookup.cached !== true) trace.upstream = true;
    if (lookup.kind === 'token' && lookup.cached !== true) {
      events.emit({ type: 'token.refreshed', userId, source: 'clerk', durationMs: clock.now() - asked });
    }
    switch (lookup.kind) {
      case 'not_connected':
        throw new NotConnectedError(connectUrl(scopes));
      case 'reconnect_required':
        throw new ReconnectRequiredError(clerkReconnectReason(lookup.clerkCode), connectUrl(scopes));
      case 'token': {
        const missing = missingScopes(lookup.token.scopes, scopes);
        if (missing.length > 0 && lookup.cached === true && !force && this.source.mayRecheck(userId)) {
          return this.token(request, trace, true);
        }
        if (missing.length > 0) throw new ScopesMissingError(missing, connectUrl(missing));
        return clerkAccessToken(lookup.token);
      }
    }
  }

  /**
   * The view of the user's Clerk-held account, or null when Clerk holds none. With `alive`, the token Clerk hands out
   * is checked with Google first: one Google refuses (the grant was revoked at Google) shows, and is served, as
   * needing a reconnect until Clerk holds another.
   */
  async connection(userId: string, alive?: (accessToken: string) => Promise<boolean>): Promise<Connection | null> {
    let lookup: ClerkLookup;
    try {
      lookup = await this.source.lookup(userId);
      if (lookup.kind === 'token' && alive && !(await alive(lookup.token.accessToken))) {
        this.source.noteRefused(userId, lookup.token);
        lookup = await this.source.lookup(userId, true);
      }
    } catch (error) {
      if (error instanceof ClerkUnavailable) throw unavailable(error);
      throw error;
    }
    this.#note(userId, lookup);
    if (lookup.kind === 'not_connected') return null;
    if (lookup.kind === 'reconnect_required') {
      return clerkNeedsReconnectView(userId, lookup.clerkCode, this.ctx.clock.now(), lookup.refused);
    }
    return clerkConnectionView(userId, lookup.token);
  }

  /**
   * Announces a Clerk-held account turning unusable (Clerk's 422: no refresh token, or Google refused it) once per
   * transition rather than on every request that meets it, and its recovery once it serves a token again.
   */
  #note(userId: string, lookup: ClerkLookup): void {
    const { events, logger } = this.ctx;
    if (lookup.kind === 'reconnect_required') {
      if (!this.source.noteBroken(userId)) return;
      const reason = clerkReconnectReason(lookup.clerkCode);
      logger.warn({ userId, code: lookup.clerkCode }, 'Clerk-held Google account needs a reconnect');
      events.emit({ type: 'connection.needs_reconnect', userId, reason });
      this.ctx.recordEvents({ type: 'connection.needs_reconnect', userId, reason });
      void this.ctx.audit({
        userId,
        action: 'needs_reconnect',
        actor: 'clerk',
        detail: { reason, source: 'clerk', code: lookup.clerkCode },
      });
      return;
    }
    if (!this.source.noteAnswered(userId) || lookup.kind !== 'token') return;
    const recovered: BridgeEvent = {
      type: 'connection.recovered',
      userId,
      connection: clerkConnectionView(userId, lookup.token),
    };
    events.emit(recovered);
    this.ctx.recordEvents(recovered);
  }
}

function unavailable(error: ClerkUnavailable): UpstreamUnavailableError {
  return new UpstreamUnavailableError('clerk', Math.max(1, Math.ceil(error.retryAfterMs / 1000)), error);
}
