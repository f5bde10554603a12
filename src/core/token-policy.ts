import type { ClerkTokens } from './clerk-tokens.js';
import { NotConnectedError, ReconnectRequiredError, ScopesMissingError, TokenBridgeError } from './errors.js';
import type { OwnTokens, Trace } from './own-tokens.js';
import { missingScopes } from './scopes.js';
import type { TokenRequest } from './token-request.js';
import type { AccessToken, TokenSourcePolicy } from './types.js';

/**
 * Where a token request goes, by policy: `oauth` (the bridge's own connection), `clerk` (the Google account linked in
 * Clerk), or `auto`: the own connection when it covers the scopes, else a Clerk-held one that does, else the error
 * that says best what to do.
 */
export class TokenPolicy {
  constructor(
    readonly policy: TokenSourcePolicy,
    private readonly own: OwnTokens,
    private readonly clerk: ClerkTokens | null,
    private readonly connectUrl: (scopes: string[]) => string,
  ) {}

  /**
   * The answer with no await, when the own connection's row in memory serves the request as it stands: under `oauth`
   * and under `auto` alike (an own connection that covers the scopes wins), never under `clerk`.
   */
  warm(request: TokenRequest): AccessToken | undefined {
    return this.policy === 'clerk' ? undefined : this.own.warm(request);
  }

  async resolve(request: TokenRequest, trace: Trace): Promise<AccessToken> {
    if (this.policy === 'oauth') return this.own.token(request, trace);
    if (this.policy === 'clerk') return this.#clerkToken(request, trace);

    const own = await this.own.read(request.userId);
    let ownError: TokenBridgeError | undefined;
    if (own) {
      if (own.status === 'active' && missingScopes(own.scopes, request.scopes).length === 0) {
        try {
          return await this.own.token(request, trace, own);
        } catch (error) {
          if (!(error instanceof ReconnectRequiredError || error instanceof ScopesMissingError)) throw error;
          ownError = error;
        }
      } else {
        ownError = this.own.unusable(own, request.scopes) ?? undefined;
      }
    }
    if (!this.clerk) throw ownError ?? new NotConnectedError(this.connectUrl(request.scopes));
    try {
      return await this.clerk.token(request, trace);
    } catch (clerkError) {
      // The own connection's story is the more useful one: it is what the connect URL repairs.
      if (ownError && clerkError instanceof TokenBridgeError && clerkError.status !== 503) throw ownError;
      throw clerkError;
    }
  }

  #clerkToken(request: TokenRequest, trace: Trace): Promise<AccessToken> {
    if (!this.clerk) throw new NotConnectedError(this.connectUrl(request.scopes));
    return this.clerk.token(request, trace);
  }
}
