/**
 * Codes a {@link TokenbridgeClientError} can carry: the named ones are documented in docs/client.md; any other string
 * is an error code the bridge answered with that the client does not turn into a result (for example `internal_error`).
 */
export type TokenbridgeClientErrorCode =
  | 'network_error'
  | 'upstream_unavailable'
  | 'invalid_request'
  | 'invalid_scope'
  | 'unexpected_response'
  | 'popup_unavailable'
  | 'session_unavailable'
  | (string & {});

/**
 * The one error the browser client throws, for the unexpected only: the network failed, Google stayed unavailable, the
 * request was malformed (a programming error such as an unknown scope), or the bridge answered something it should not.
 * The expected cases (not signed in, not connected, a missing scope, a dead grant) are results, not errors.
 *
 * @example
 * try {
 *   const result = await tokenbridge.getGoogleToken(['drive.readonly']);
 * } catch (error) {
 *   if (error instanceof TokenbridgeClientError && error.code === 'upstream_unavailable') {
 *     showBanner(`Google is busy, try again in ${error.retryAfterSeconds ?? 30} s`);
 *   }
 * }
 */
export class TokenbridgeClientError extends Error {
  readonly code: TokenbridgeClientErrorCode;
  /** The HTTP status the bridge answered with, when it answered at all. */
  readonly status: number | undefined;
  /** For `upstream_unavailable`: how long the bridge asked to wait before trying again. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: TokenbridgeClientErrorCode,
    message: string,
    options: { status?: number; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TokenbridgeClientError';
    this.code = code;
    this.status = options.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
