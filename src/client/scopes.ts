import { coversScopes as coversCanonical, normaliseScopes } from '../core/scopes.js';

/**
 * Google scope names as the bridge reads them: short names (`drive.readonly`) become full scope URLs, `openid`,
 * `email` and `profile` stay bare; de-duplicated and sorted. Throws for a name the bridge would refuse.
 *
 * @example
 * normaliseScopes(['drive.readonly']) // ['https://www.googleapis.com/auth/drive.readonly']
 */
export { normaliseScopes };

/**
 * True when the `granted` scopes (as a connection or token lists them) cover every `wanted` scope, counting the
 * broader scopes that include a narrower one (`drive` covers `drive.readonly`, `gmail.modify` covers `gmail.readonly`).
 * `wanted` may use short names.
 *
 * @example
 * coversScopes(connection.scopes, ['gmail.readonly']) // true when gmail.readonly, gmail.modify or mail.google.com
 */
export function coversScopes(granted: readonly string[], wanted: readonly string[]): boolean {
  return coversCanonical(granted, normaliseScopes(wanted));
}
