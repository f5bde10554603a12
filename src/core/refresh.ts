import type { BridgeContext } from './bridge-context.js';
import {
  failureNoted,
  needsReconnect,
  type RefreshedGrant,
  type RefreshWant,
  rebase,
  reconnectReason,
  refreshDecision,
  refreshed,
} from './connection-transitions.js';
import { ownConnectionView } from './connection-views.js';
import { NotConnectedError, StorageUnavailableError } from './errors.js';
import { GoogleOAuthError, type GoogleTokens } from './google-oauth.js';
import type { StoredConnection, WriteEffects } from './ports.js';
import { type RefreshOutcome, settleRefresh } from './refresh-outcomes.js';
import { RetriesExhausted, withRetries } from './retry.js';
import { riscTokenLookupKeys } from './risc-token-keys.js';
import { parseGrantedScopes } from './scopes.js';
import { SingleFlight } from './single-flight.js';

/** How often a refresh re-applies Google's answer onto a row another process rewrote meanwhile, before giving up. */
const MAX_REBASES = 3;

/**
 * Refreshes the bridge's own connections, at most once per expired token across every instance, in plain steps:
 * take the user's refresh lock or join another holder's write (`acquireOrJoin`), re-read the row, call Google, write
 * the row with its audit entry and events (one statement on PostgreSQL), release. Concurrent callers in this process
 * share one refresh (single-flight); what came of it is reported by `refresh-outcomes.ts`.
 */
export class Refresher {
  readonly #flights = new SingleFlight<string, StoredConnection>();

  constructor(private readonly ctx: BridgeContext) {}

  /** The user's row once valid for `want` (or no longer active), refreshing it if no one else has. */
  refresh(userId: string, want: RefreshWant): Promise<StoredConnection> {
    return this.#flights.run(userId, () => this.#refresh(userId, want));
  }

  /** Resolves when every refresh under way has finished. */
  drain(): Promise<void> {
    return this.#flights.drain();
  }

  async #refresh(userId: string, want: RefreshWant): Promise<StoredConnection> {
    const { store, clock, events } = this.ctx;
    const asked = clock.now();
    for (;;) {
      const turn = await store.acquireOrJoin(userId);
      if (turn.kind === 'changed') {
        // Another instance's refresh landing while this one waits for the lock is often all this one wanted.
        const row = await store.getConnection(userId);
        const decision = refreshDecision(row, want, clock.now());
        if (decision === 'missing') throw new NotConnectedError(this.ctx.connectUrl([]));
        if (decision === 'settled') {
          events.emit({ type: 'refresh.joined', userId, waitMs: clock.now() - asked });
          return row!;
        }
        continue;
      }
      events.emit({ type: 'refresh.lock_acquired', userId, waitMs: clock.now() - asked });
      let outcome: RefreshOutcome;
      try {
        outcome = await this.#underLock(userId, want);
      } finally {
        await turn.lease.release();
      }
      // This instance's own write: the next read takes the row from the store (the feed evicts it everywhere else).
      if (outcome.kind !== 'fresh') this.ctx.cache.forget(userId);
      return settleRefresh(this.ctx, userId, outcome);
    }
  }

  /** Holding the lock: re-reads the row (another instance may have refreshed), then spends at most one grant. */
  async #underLock(userId: string, want: RefreshWant): Promise<RefreshOutcome> {
    const { store, clock, keyring } = this.ctx;
    const current = await store.getConnection(userId);
    const decision = refreshDecision(current, want, clock.now());
    if (decision === 'missing') throw new NotConnectedError(this.ctx.connectUrl([]));
    if (decision === 'settled') return { kind: 'fresh', connection: current! };
    const row = current!;
    const started = clock.now();
    if (row.refreshToken === null) {
      // Without a refresh token nothing can be renewed: the user must consent again (with prompt=consent).
      return this.#markNeedsReconnect(row, needsReconnect(row, { reason: 'unknown', at: started }));
    }
    const refreshToken = keyring.decrypt(row.refreshToken, { userId, purpose: 'refresh_token' });
    let tokens: GoogleTokens;
    try {
      tokens = await withRetries(
        () => this.ctx.google.refresh(refreshToken),
        GoogleOAuthError.classify,
        this.ctx.scheduler,
        this.ctx.retry,
      );
    } catch (error) {
      return this.#failed(row, error);
    }
    const at = clock.now();
    const encrypt = (secret: string, purpose: string) => keyring.encrypt(secret, { userId, purpose });
    const grant: RefreshedGrant = {
      accessToken: encrypt(tokens.accessToken, 'access_token'),
      accessTokenExpiresAt: at + tokens.expiresInSeconds * 1000,
      // Google's refresh replies carry no refresh token: the stored one stays (re-encrypted after a key rotation).
      refreshToken: tokens.refreshToken
        ? encrypt(tokens.refreshToken, 'refresh_token')
        : keyring.needsReencryption(row.refreshToken)
          ? encrypt(refreshToken, 'refresh_token')
          : null,
      issuedRefreshToken: tokens.refreshToken !== null && tokens.refreshToken !== '',
      refreshTokenExpiresAt: tokens.refreshTokenExpiresInSeconds
        ? at + tokens.refreshTokenExpiresInSeconds * 1000
        : null,
      // Rows linked before the RISC index existed get their keys on their first refresh.
      riscKeys: tokens.refreshToken
        ? riscTokenLookupKeys(tokens.refreshToken)
        : (row.riscKeys ?? riscTokenLookupKeys(refreshToken)),
      scopes: tokens.scope === null ? null : parseGrantedScopes(tokens.scope),
    };
    const next = refreshed(row, grant, at);
    const recovered = row.lastError !== null;
    const effects = (): WriteEffects => ({
      outbox: recovered
        ? this.ctx.outboxOf({ type: 'connection.recovered', userId, connection: ownConnectionView(next) })
        : [],
      audit: [{ userId, action: 'refresh', actor: 'system', detail: { scopes: next.scopes } }],
    });
    // The row may change under us. A disconnect or a relink wins. A rewrite of the same grant (a key rotation
    // re-encrypting it from another process) must not cost the token Google just issued: it goes onto that row.
    let saved = await store.updateConnection(next, effects());
    for (let attempt = 1; !saved; attempt++) {
      const step = rebase(await store.getConnection(userId), { row, grant, at }, want.minValidityMs);
      if (step.kind === 'missing') throw new NotConnectedError(this.ctx.connectUrl([]));
      if (step.kind === 'keep') return { kind: 'fresh', connection: step.row };
      if (attempt > MAX_REBASES) throw new StorageUnavailableError(new Error('the row kept changing during a refresh'));
      saved = await store.updateConnection(step.row, effects());
    }
    return { kind: 'refreshed', connection: saved, recovered, durationMs: at - started };
  }

  /** Google refused or could not be reached: the grant is dead (`invalid_grant`), or the failure is noted. */
  async #failed(row: StoredConnection, error: unknown): Promise<RefreshOutcome> {
    const { userId } = row;
    const at = this.ctx.clock.now();
    if (error instanceof GoogleOAuthError && error.kind === 'invalid_grant') {
      const reason = reconnectReason(row, error.description, at);
      const failure = { code: 'invalid_grant', message: error.description ?? 'invalid_grant' };
      return this.#markNeedsReconnect(row, needsReconnect(row, { reason, at, failure }));
    }
    if (!(error instanceof GoogleOAuthError || error instanceof RetriesExhausted)) throw error;
    const cause = error instanceof RetriesExhausted ? (error.lastError as GoogleOAuthError) : error;
    const transient = error instanceof RetriesExhausted;
    const noted = failureNoted(row, { code: cause.oauthError, message: describeFailure(cause) }, at);
    const saved = await this.ctx.store.updateConnection(noted, {
      audit: [{ userId, action: 'refresh_failed', actor: 'system', detail: { code: cause.oauthError, transient } }],
    });
    return { kind: 'failed', connection: saved ?? row, error, transient, audited: saved !== null };
  }

  async #markNeedsReconnect(row: StoredConnection, dead: StoredConnection): Promise<RefreshOutcome> {
    const { userId } = row;
    const reason = dead.reconnectReason ?? 'unknown';
    const saved = await this.ctx.store.updateConnection(dead, {
      outbox: this.ctx.outboxOf({ type: 'connection.needs_reconnect', userId, reason }),
      audit: [{ userId, action: 'needs_reconnect', actor: 'system', detail: { reason } }],
    });
    return { kind: 'needs_reconnect', connection: saved ?? dead, reason, audited: saved !== null };
  }
}

function describeFailure(error: GoogleOAuthError): string {
  return error.status
    ? `Google answered HTTP ${error.status} (${error.oauthError}).`
    : `Google could not be reached (${error.oauthError}).`;
}
