/**
 * `tokenbridge/fastify`: the bridge's routes as a Fastify plugin, for a Fastify app (the standalone service is this
 * plugin with its own config). Users are verified from the Clerk session token by default; pass `identify` to take
 * them from `@clerk/fastify`'s `getAuth(request)` instead.
 *
 * @example
 * await app.register(tokenbridgePlugin, {
 *   bridge, store,
 *   config: { publicUrl: 'https://app.example.com/api/tokenbridge', google: { clientId }, clerk: { secretKey } },
 * });
 */

import { type GoogleTokenResult, googleTokenResult } from '../adapters/google-token-result.js';
import type { GetAccessTokenOptions, TokenBridge } from '../core/types.js';

export type { GoogleTokenFailureCode, GoogleTokenResult } from '../adapters/google-token-result.js';
export type { HostIdentity, HttpConfig, Identify } from '../http/index.js';
export {
  connectUrlBuilder,
  type TokenbridgePluginOptions,
  tokenbridgePlugin,
  tokenbridgePlugin as default,
} from '../http/index.js';

/**
 * The user's Google token for `scopes`, or why not (with the connect URL to offer), for the app's own routes.
 *
 * @example
 * const result = await googleToken(bridge, getAuth(request).userId, ['drive.readonly']);
 */
export function googleToken(
  bridge: TokenBridge,
  userId: string | null | undefined,
  scopes: readonly string[],
  options?: Omit<GetAccessTokenOptions, 'scopes'>,
): Promise<GoogleTokenResult> {
  return googleTokenResult(bridge, userId, scopes, options);
}
