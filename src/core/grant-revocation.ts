import type { BridgeContext } from './bridge-context.js';
import type { TokenBridgeError } from './errors.js';
import { GoogleOAuthError } from './google-oauth.js';
import type { StoredConnection } from './ports.js';
import { withRetries } from './retry.js';

/**
 * Revokes at Google the grant a stored row holds (its refresh token when there is one: revoking it ends the whole
 * grant). True when Google confirmed; a failure is logged and answered false, never thrown.
 */
export async function revokeGrant(ctx: BridgeContext, connection: StoredConnection): Promise<boolean> {
  const { userId } = connection;
  let token: string | null = null;
  try {
    if (connection.refreshToken)
      token = ctx.keyring.decrypt(connection.refreshToken, { userId, purpose: 'refresh_token' });
    else if (connection.accessToken)
      token = ctx.keyring.decrypt(connection.accessToken, { userId, purpose: 'access_token' });
  } catch (error) {
    ctx.logger.warn(
      { userId, code: (error as TokenBridgeError).code },
      'stored token could not be decrypted for revocation',
    );
  }
  if (token === null) return false;
  try {
    await withRetries(() => ctx.google.revoke(token), GoogleOAuthError.classify, ctx.scheduler, ctx.retry);
    await ctx.audit({ userId, action: 'revoke', actor: 'system', detail: { sub: connection.googleSub } });
    return true;
  } catch (error) {
    const code = error instanceof GoogleOAuthError ? error.oauthError : 'unavailable';
    ctx.logger.warn({ userId, code }, 'revoking the Google grant failed');
    return false;
  }
}
