import type { BridgeContext } from './bridge-context.js';
import type { CacheEntry } from './connection-cache.js';
import { reconnectScopes, validFor } from './connection-transitions.js';
import { ownAccessToken } from './connection-views.js';
import {
  DecryptionError,
  NotConnectedError,
  ReconnectRequiredError,
  ScopesMissingError,
  type TokenBridgeError,
} from './errors.js';
import type { StoredConnection } from './ports.js';
import type { Refresher } from './refresh.js';
import { missingScopes } from './scopes.js';
import type { TokenRequest } from './token-request.js';
import type { AccessToken } from './types.js';

/** Whether one `getAccessToken` call had to wait for Google or Clerk (for the cache hit ratio). */
export interface Trace {
  upstream: boolean;
}

/**
 * Tokens of the bridge's own OAuth connections: a warm token comes from memory (`connection-cache.ts`, kept honest
 * by the change feed) with no database round trip; one about to expire is refreshed once (`refresh.ts`).
 */
export class OwnTokens {
  constructor(
    private readonly ctx: BridgeContext,
    private readonly refresher: Refresher,
  ) {}

  /** The user's own connection, from memory when the change feed vouches for it, else from the store. */
  async read(userId: string): Promise<StoredConnection | null> {
    const { cache, store } = this.ctx;
    const cached = cache.get(userId);
    if (cached) return cached.connection;
    const generation = cache.generation;
    const connection = await store.getConnection(userId);
    cache.fill(userId, connection, generation);
    return connection;
  }

  /**
   * The hot path: the answer when the cached row serves the request as it stands (active, covering the scopes, valid
   * long enough), with no promise and no await; undefined when {@link token} has to decide.
   */
  warm(request: TokenRequest): AccessToken | undefined {
    if (request.force) return undefined;
    const entry = this.ctx.cache.get(request.userId);
    const connection = entry?.connection;
    if (
      connection == null ||
      connection.status !== 'active' ||
      !validFor(connection, request.minValidityMs, this.ctx.clock.now()) ||
      missingScopes(connection.scopes, request.scopes).length > 0
    ) {
      return undefined;
    }
    try {
      return this.#accessToken(connection, entry);
    } catch (error) {
      // An undecryptable row is the slow path's to report.
      if (error instanceof DecryptionError) return undefined;
      throw error;
    }
  }

  /** Why a stored connection cannot serve `scopes`, or null when it can. */
  unusable(connection: StoredConnection, scopes: string[]): TokenBridgeError | null {
    const { connectUrl } = this.ctx;
    if (connection.status !== 'active') {
      return new ReconnectRequiredError(
        connection.reconnectReason ?? 'unknown',
        connectUrl(reconnectScopes(connection.scopes, scopes)),
      );
    }
    const missing = missingScopes(connection.scopes, scopes);
    return missing.length > 0 ? new ScopesMissingError(missing, connectUrl(missing)) : null;
  }

  /** A token from the user's own connection (`known` when the caller has just read it), refreshed if need be. */
  async token(request: TokenRequest, trace: Trace, known?: StoredConnection): Promise<AccessToken> {
    const { userId, scopes, minValidityMs, force } = request;
    const connection = known ?? (await this.read(userId));
    if (!connection) throw new NotConnectedError(this.ctx.connectUrl(scopes));
    const unusable = this.unusable(connection, scopes);
    if (unusable) throw unusable;
    try {
      if (!force && validFor(connection, minValidityMs, this.ctx.clock.now())) return this.#accessToken(connection);
      trace.upstream = true;
      const refreshed = await this.refresher.refresh(userId, { minValidityMs, force, seenVersion: connection.version });
      const stillUnusable = this.unusable(refreshed, scopes);
      if (stillUnusable) throw stillUnusable;
      return this.#accessToken(refreshed);
    } catch (error) {
      if (!(error instanceof DecryptionError)) throw error;
      // A ciphertext copied from another row, tampered with, or under a key gone from the keyring is unusable. The row
      // stays as it is (restoring a key repairs it); reconnecting replaces it.
      this.ctx.logger.warn({ userId, code: error.code }, 'a stored token could not be decrypted');
      throw new ReconnectRequiredError('unknown', this.ctx.connectUrl(reconnectScopes(connection.scopes, scopes)));
    }
  }

  /**
   * The row's answer. A cached row's is made once (one decryption, one date formatting) and handed out as a copy, so
   * a caller that changes its answer changes nobody else's.
   */
  #accessToken(connection: StoredConnection, entry?: CacheEntry): AccessToken {
    const cached = entry ?? this.ctx.cache.peek(connection.userId);
    if (cached === undefined || cached.connection !== connection) return this.#answer(connection);
    cached.token ??= this.#answer(connection);
    return { ...cached.token, scopes: [...cached.token.scopes], google: { ...cached.token.google } };
  }

  #answer(connection: StoredConnection): AccessToken {
    const { userId } = connection;
    return ownAccessToken(
      connection,
      this.ctx.keyring.decrypt(connection.accessToken!, { userId, purpose: 'access_token' }),
    );
  }
}
