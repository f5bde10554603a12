import { MemoryTokenBuckets } from '../token-buckets.js';
import type { BridgeContext } from './bridge-context.js';
import { validFor } from './connection-transitions.js';
import { DecryptionError, NotConnectedError, UpstreamUnavailableError } from './errors.js';
import { GoogleOAuthError } from './google-oauth.js';
import type { StoredConnection } from './ports.js';
import type { Refresher } from './refresh.js';

/**
 * How often one user's connection may be checked with Google: five checks at once, one more every 30 s. A page
 * reloaded in a loop costs Google at most one call per 30 s; past the limit the stored state answers.
 */
export const CONNECTION_CHECK_RULE = { limit: 5, windowMs: 150_000 } as const;

/**
 * Checks a connection with Google, so a grant revoked at Google does not go on looking connected. An own connection:
 * one tokeninfo call for the held access token and, only when Google no longer accepts it (or none is held), a
 * refresh, whose `invalid_grant` marks the connection `needs_reconnect` as any refresh does. A Clerk-held account: one
 * tokeninfo call for the token Clerk hands out. Rate-limited per user in memory.
 *
 * @example
 * const checked = await check.check(row); // the row as Google sees it now (or null when it went meanwhile)
 */
export class ConnectionCheck {
  readonly #buckets: MemoryTokenBuckets;

  constructor(
    private readonly ctx: BridgeContext,
    private readonly refresher: Refresher,
  ) {
    this.#buckets = new MemoryTokenBuckets({ clock: ctx.clock, maxKeys: 10_000 });
  }

  /**
   * Whether Google still accepts a Clerk-held access token (one tokeninfo call); true when the user's checks are spent
   * or Google cannot say, so only Google's own "no" marks the account.
   */
  async clerkTokenAlive(userId: string, accessToken: string): Promise<boolean> {
    if (this.#buckets.takeNow(userId, CONNECTION_CHECK_RULE) > 0) return true;
    try {
      return await this.ctx.google.accessTokenAlive(accessToken);
    } catch (error) {
      if (error instanceof GoogleOAuthError || error instanceof UpstreamUnavailableError) return true;
      throw error;
    }
  }

  /** The row as Google sees it now; the row as stored when the user's checks are spent or Google cannot say. */
  async check(row: StoredConnection): Promise<StoredConnection | null> {
    if (row.status !== 'active') return row;
    if (this.#buckets.takeNow(row.userId, CONNECTION_CHECK_RULE) > 0) return row;
    const { clock, google, keyring } = this.ctx;
    try {
      if (row.accessToken !== null && validFor(row, 1, clock.now())) {
        const accessToken = keyring.decrypt(row.accessToken, { userId: row.userId, purpose: 'access_token' });
        if (await google.accessTokenAlive(accessToken)) return row;
      }
      return await this.refresher.refresh(row.userId, { minValidityMs: 0, force: true, seenVersion: row.version });
    } catch (error) {
      if (error instanceof NotConnectedError) return null;
      // Google not answering, or a token that does not decrypt: the stored state stands, and the next token request
      // says what is wrong.
      if (
        error instanceof GoogleOAuthError ||
        error instanceof UpstreamUnavailableError ||
        error instanceof DecryptionError
      ) {
        return row;
      }
      throw error;
    }
  }
}
