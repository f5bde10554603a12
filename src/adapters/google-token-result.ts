import { TokenBridgeError, UnauthenticatedError } from '../core/errors.js';
import type { AccessToken, GetAccessTokenOptions, TokenBridge } from '../core/types.js';

/** Why a server-side token request came back without a token: what the user (or the app) can do about it. */
export type GoogleTokenFailureCode =
  | 'unauthenticated'
  | 'not_connected'
  | 'reconnect_required'
  | 'scopes_missing'
  | 'invalid_scope'
  | 'invalid_request'
  | 'upstream_unavailable'
  | 'storage_unavailable';

/**
 * `googleToken()`'s answer on the server: the token, or a typed refusal. `connectUrl` (under the adapter's mount path)
 * is where the user fixes `not_connected`, `reconnect_required` and `scopes_missing`; render it as a link.
 */
export type GoogleTokenResult =
  | { ok: true; token: AccessToken }
  | {
      ok: false;
      code: GoogleTokenFailureCode;
      message: string;
      /** The HTTP status the bridge's token route answers for the same refusal. */
      status: number;
      connectUrl?: string;
      /** `reconnect_required`: why (`revoked`, `expired`, …). */
      reason?: string;
      /** `scopes_missing`: the scopes not yet granted. */
      missing?: string[];
      /** `upstream_unavailable`: seconds to wait before asking again. */
      retryAfter?: number;
    };

/**
 * Asks the bridge for `userId`'s Google token and turns the refusals a page should show (not connected, reconnect,
 * missing scopes, signed out) into a result instead of an exception. Anything unexpected still throws.
 *
 * @example
 * const result = await googleTokenResult(bridge, userId, ['drive.readonly']);
 * if (!result.ok) return <a href={result.connectUrl}>Connect Google</a>;
 */
export async function googleTokenResult(
  bridge: TokenBridge,
  userId: string | null | undefined,
  scopes: readonly string[],
  options: Omit<GetAccessTokenOptions, 'scopes'> = {},
): Promise<GoogleTokenResult> {
  try {
    if (!userId) throw new UnauthenticatedError('Nobody is signed in.');
    return { ok: true, token: await bridge.getAccessToken(userId, { ...options, scopes: [...scopes] }) };
  } catch (error) {
    // A fault of the deployment (a configuration or key error) is not something a page can offer a way out of.
    if (!(error instanceof TokenBridgeError) || error.status === 500) throw error;
    const details = error.details;
    return {
      ok: false,
      code: error.code as GoogleTokenFailureCode,
      message: error.message,
      status: error.status,
      ...(typeof details['connectUrl'] === 'string' ? { connectUrl: details['connectUrl'] } : {}),
      ...(typeof details['reason'] === 'string' ? { reason: details['reason'] } : {}),
      ...(Array.isArray(details['missing']) ? { missing: details['missing'] as string[] } : {}),
      ...(typeof details['retryAfter'] === 'number' ? { retryAfter: details['retryAfter'] } : {}),
    };
  }
}
