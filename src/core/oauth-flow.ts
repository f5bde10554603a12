import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { BridgeContext } from './bridge-context.js';
import { type LinkKind, linkEvents, linked, NON_GRANT_SCOPES } from './connection-transitions.js';
import { iso, ownConnectionView } from './connection-views.js';
import { AuthorizationFailedError, InvalidStateError, TokenBridgeError, UpstreamUnavailableError } from './errors.js';
import { GoogleOAuthError, type GoogleTokens, type VerifiedIdentity } from './google-oauth.js';
import { revokeGrant } from './grant-revocation.js';
import type { RedirectUris } from './redirect-uris.js';
import { holdingRefreshLock } from './refresh-lock.js';
import { safeReturnTo } from './return-to.js';
import { riscTokenLookupKeys } from './risc-token-keys.js';
import { normaliseScopes, parseGrantedScopes } from './scopes.js';
import { checkCode, checkUserId } from './token-request.js';
import type { AuthorizationRequest, AuthorizationResult, AuthorizationStart, Connection } from './types.js';

const STATE_TTL_MS = 10 * 60_000;
const IDENTITY_SCOPES = ['openid', 'email'];

const sha256 = (value: string): string => createHash('sha256').update(value).digest('base64url');
const randomToken = (bytes: number): string => randomBytes(bytes).toString('base64url');

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The bridge's own Google OAuth flow: the redirect flow (PKCE S256, a nonce, a single-use state bound to the user,
 * stored server-side for 10 minutes) and the popup flow (Google Identity Services' code model). Both end in one link:
 * the grant recorded for the user, replacing (and revoking) a link to another Google account explicitly.
 */
export class OAuthFlow {
  /** `forgetClerk`: what the Clerk source remembers of the user, dropped once they link their own account. */
  constructor(
    private readonly ctx: BridgeContext,
    /** Where Google may send the user back: the one under the origin the flow starts at. */
    private readonly redirectUris: RedirectUris,
    private readonly forgetClerk: (userId: string) => void,
  ) {}

  async createAuthorizationUrl(request: AuthorizationRequest): Promise<AuthorizationStart> {
    checkUserId(request?.userId);
    const { store, clock, google, keyring } = this.ctx;
    const requested = normaliseScopes(request.scopes ?? []);
    const returnTo = safeReturnTo(request.returnTo);
    const redirectUri = this.redirectUris.forOrigin(request.origin);
    const now = clock.now();
    const existing = await store.getConnection(request.userId);
    const usable = existing !== null && existing.status === 'active' && existing.refreshToken !== null;
    // A dead grant keeps nothing at Google, so include_granted_scopes cannot restore the earlier scopes: ask again.
    const scopes = normaliseScopes([
      ...IDENTITY_SCOPES,
      ...requested,
      ...(existing && !usable ? existing.scopes.filter((s) => !NON_GRANT_SCOPES.has(s)) : []),
    ]);
    const state = randomToken(32);
    const nonce = randomToken(24);
    const { codeVerifier, codeChallenge } = await google.codeVerifier();
    const url = google.authorizationUrl({
      scopes,
      state,
      nonce,
      codeChallenge,
      redirectUri,
      ...(request.switchAccount === true
        ? { prompt: 'select_account consent' }
        : {
            ...(usable ? {} : { prompt: 'consent' }),
            ...(existing ? { loginHint: existing.googleEmail || existing.googleSub } : {}),
          }),
    });
    const expiresAt = now + STATE_TTL_MS;
    await store.purgeExpiredAuthorizations(now);
    await store.savePendingAuthorization({
      stateHash: sha256(state),
      userId: request.userId,
      nonceHash: sha256(nonce),
      codeVerifier: keyring.encrypt(codeVerifier, { userId: request.userId, purpose: 'pkce_verifier' }),
      scopes,
      returnTo,
      redirectUri,
      expiresAt,
      createdAt: now,
    });
    return { url, state, expiresAt: iso(expiresAt)! };
  }

  async completeAuthorization(input: { userId: string; state: string; code: string }): Promise<AuthorizationResult> {
    checkUserId(input?.userId);
    if (typeof input.state !== 'string' || input.state === '' || input.state.length > 512) {
      throw new InvalidStateError();
    }
    checkCode(input.code);
    // Taken (deleted) before any check, so a state works once whoever presents it.
    const pending = await this.ctx.store.takePendingAuthorization(sha256(input.state));
    if (!pending || pending.expiresAt <= this.ctx.clock.now() || pending.userId !== input.userId) {
      throw new InvalidStateError();
    }
    const codeVerifier = this.ctx.keyring.decrypt(pending.codeVerifier, {
      userId: input.userId,
      purpose: 'pkce_verifier',
    });
    // Google answers redirect_uri_mismatch unless the exchange names the redirect URI the consent was asked with.
    const tokens = await this.#exchange(input.code, {
      codeVerifier,
      redirectUri: pending.redirectUri ?? this.redirectUris.primary,
    });
    const identity = await this.#verifyIdentity(
      tokens,
      (nonce) => nonce !== undefined && sameHash(sha256(nonce), pending.nonceHash),
    );
    const connection = await this.#link(input.userId, identity, tokens, 'redirect');
    return { connection, returnTo: pending.returnTo };
  }

  async exchangeCode(input: { userId: string; code: string }): Promise<Connection> {
    checkUserId(input?.userId);
    checkCode(input.code);
    // Google Identity Services' popup code model: no state or PKCE, the code came to the page by postMessage.
    const tokens = await this.#exchange(input.code, { redirectUri: 'postmessage' });
    const identity = await this.#verifyIdentity(tokens, undefined);
    return this.#link(input.userId, identity, tokens, 'popup');
  }

  async #exchange(code: string, extra: { codeVerifier?: string; redirectUri?: string }): Promise<GoogleTokens> {
    try {
      // No retry: a code is single use, and a retried exchange that had in fact succeeded would be refused anyway.
      return await this.ctx.google.exchangeCode({ code, ...extra });
    } catch (error) {
      throw this.#authorizationError(error, 'Google refused the authorization code.');
    }
  }

  async #verifyIdentity(
    tokens: GoogleTokens,
    nonceCheck: ((nonce: string | undefined) => boolean) | undefined,
  ): Promise<VerifiedIdentity> {
    if (!tokens.idToken) {
      throw new AuthorizationFailedError('Google returned no id_token; the openid scope must be granted.');
    }
    try {
      return await this.ctx.google.verifyIdToken(tokens.idToken, nonceCheck);
    } catch (error) {
      throw this.#authorizationError(error, 'The id_token from Google did not verify.');
    }
  }

  #authorizationError(error: unknown, message: string): TokenBridgeError {
    if (error instanceof GoogleOAuthError) {
      if (error.kind === 'transient') {
        return new UpstreamUnavailableError('google', Math.ceil((error.retryAfterMs ?? 5000) / 1000), error);
      }
      this.ctx.logger.info({ code: error.oauthError }, 'authorization failed');
      return new AuthorizationFailedError(message, { googleError: error.oauthError });
    }
    return error instanceof TokenBridgeError ? error : new AuthorizationFailedError(message);
  }

  /** Records the grant for the user, replacing (and revoking) a link to another Google account explicitly. */
  async #link(
    userId: string,
    identity: VerifiedIdentity,
    tokens: GoogleTokens,
    flow: 'redirect' | 'popup',
  ): Promise<Connection> {
    const { store, keyring, clock, events } = this.ctx;
    const { saved, previous, kind, replaced } = await holdingRefreshLock(store, userId, async () => {
      const previous = await store.getConnection(userId);
      const now = clock.now();
      const link = linked(
        previous,
        userId,
        {
          googleSub: identity.sub,
          googleEmail: identity.email,
          scopes: parseGrantedScopes(tokens.scope ?? ''),
          accessToken: keyring.encrypt(tokens.accessToken, { userId, purpose: 'access_token' }),
          accessTokenExpiresAt: now + tokens.expiresInSeconds * 1000,
          refreshToken: tokens.refreshToken
            ? keyring.encrypt(tokens.refreshToken, { userId, purpose: 'refresh_token' })
            : null,
          refreshTokenExpiresAt:
            tokens.refreshToken && tokens.refreshTokenExpiresInSeconds
              ? now + tokens.refreshTokenExpiresInSeconds * 1000
              : null,
          riscKeys: tokens.refreshToken ? riscTokenLookupKeys(tokens.refreshToken) : null,
        },
        now,
      );
      const saved = await store.putConnection(link.row, {
        outbox: this.ctx.outboxOf(...linkEvents(userId, link, ownConnectionView(link.row))),
      });
      return { saved, previous, kind: link.kind, replaced: link.replaced };
    });
    const view = ownConnectionView(saved);
    if (previous && replaced) {
      // The old account's grant is revoked, not left dangling: the user linked a different Google account.
      const revoked = await revokeGrant(this.ctx, previous);
      await this.ctx.audit({
        userId,
        action: 'link_replaced',
        actor: 'user',
        detail: { previousSub: previous.googleSub, newSub: identity.sub, revoked },
      });
      events.emit({ type: 'connection.deleted', userId });
    }
    const action = previous && !replaced ? 'reconnect' : 'connect';
    await this.ctx.audit({ userId, action, actor: 'user', detail: { flow, scopes: saved.scopes, sub: identity.sub } });
    this.forgetClerk(userId);
    this.ctx.cache.forget(userId);
    events.emit({ type: `connection.${kind satisfies LinkKind}`, userId, connection: view });
    return view;
  }
}
