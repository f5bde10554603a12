/**
 * The one base of every error a Tokenbridge user can meet. `code` is stable and is what callers
 * branch on; `message` is for people. The HTTP layer maps `status` and `details` to
 * `{ "error": { "code", "message", ...details } }`.
 */
export class TokenBridgeError extends Error {
  static readonly code: string = 'internal_error';
  readonly code: string;
  readonly status: number;
  readonly details: Record<string, unknown>;

  constructor(message: string, options: { status?: number; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = (new.target as typeof TokenBridgeError).code;
    this.status = options.status ?? 500;
    this.details = options.details ?? {};
  }
}

/** The request is malformed: a missing or invalid parameter. */
export class InvalidRequestError extends TokenBridgeError {
  static override readonly code = 'invalid_request';
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, { status: 400, details });
  }
}

/** A scope that is neither a known short name nor a Google scope URL. */
export class InvalidScopeError extends TokenBridgeError {
  static override readonly code = 'invalid_scope';
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, { status: 400, details });
  }
}

/** No valid Clerk session (or API key) came with the request. */
export class UnauthenticatedError extends TokenBridgeError {
  static override readonly code = 'unauthenticated';
  constructor(message = 'A valid Clerk session token is required.', details?: Record<string, unknown>) {
    super(message, { status: 401, details });
  }
}

/** The user is connected, but not for every requested scope. `missing` lists the scopes to ask for. */
export class ScopesMissingError extends TokenBridgeError {
  static override readonly code = 'scopes_missing';
  constructor(
    readonly missing: string[],
    readonly connectUrl: string,
  ) {
    super(`The Google connection lacks ${missing.length === 1 ? 'a scope' : 'scopes'}: ${missing.join(' ')}.`, {
      status: 403,
      details: { missing, connectUrl },
    });
  }
}

/** The user has no Google connection at all (neither own nor Clerk-held). */
export class NotConnectedError extends TokenBridgeError {
  static override readonly code = 'not_connected';
  constructor(readonly connectUrl: string) {
    super('The user has not connected a Google account.', { status: 409, details: { connectUrl } });
  }
}

/** Google no longer honours the grant: the user must go through consent again. */
export class ReconnectRequiredError extends TokenBridgeError {
  static override readonly code = 'reconnect_required';
  constructor(
    readonly reason: string,
    readonly connectUrl: string,
  ) {
    super('The Google grant is no longer valid; the user must reconnect.', {
      status: 409,
      details: { reason, connectUrl },
    });
  }
}

/** Google or Clerk failed transiently and no still-valid token was available to serve meanwhile. */
export class UpstreamUnavailableError extends TokenBridgeError {
  static override readonly code = 'upstream_unavailable';
  constructor(
    readonly service: 'google' | 'clerk',
    readonly retryAfterSeconds: number,
    cause?: unknown,
  ) {
    super(`${service === 'google' ? 'Google' : 'Clerk'} is unavailable; try again shortly.`, {
      status: 503,
      details: { service, retryAfter: retryAfterSeconds },
      cause,
    });
  }
}

/** Google's answer is larger than the proxy's byte cap (`TOKENBRIDGE_PROXY_MAX_BYTES`), so it is not passed on. */
export class UpstreamTooLargeError extends TokenBridgeError {
  static override readonly code = 'upstream_too_large';
  constructor(
    readonly limitBytes: number,
    readonly declaredBytes: number,
  ) {
    super(`Google's answer (${declaredBytes} bytes) is larger than the proxy passes on (${limitBytes} bytes).`, {
      status: 502,
      details: { limit: limitBytes, length: declaredBytes },
    });
  }
}

/** An OAuth state that is unknown, expired, already used, or belongs to another user. */
export class InvalidStateError extends TokenBridgeError {
  static override readonly code = 'invalid_state';
  constructor(message = 'The authorization state is invalid, expired or already used.') {
    super(message, { status: 400 });
  }
}

/** Google refused the authorization code or the id_token did not verify. */
export class AuthorizationFailedError extends TokenBridgeError {
  static override readonly code = 'authorization_failed';
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, { status: 400, details });
  }
}

/** The bridge is misconfigured (a malformed keyring, a missing secret). Raised at start-up, never per request. */
export class ConfigurationError extends TokenBridgeError {
  static override readonly code = 'configuration_error';
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, { status: 500, details });
  }
}

/**
 * A stored ciphertext did not decrypt: an unknown key id, a tampered value, or a value copied from another
 * user or purpose. The message never includes the ciphertext.
 */
export class DecryptionError extends TokenBridgeError {
  static override readonly code = 'decryption_failed';
  constructor(message = 'A stored secret could not be decrypted.', details?: Record<string, unknown>) {
    super(message, { status: 500, details });
  }
}

/** The database could not be reached or did not answer in time (a restart, a lost connection, a lock timeout). */
export class StorageUnavailableError extends TokenBridgeError {
  static override readonly code = 'storage_unavailable';
  constructor(cause?: unknown) {
    super('The token store is temporarily unavailable; try again shortly.', {
      status: 503,
      details: { retryAfter: 1 },
      cause,
    });
  }
}

/**
 * A Security Event Token (Google Cross-Account Protection) that did not verify: malformed, a bad signature, an
 * unknown key, a wrong algorithm, issuer or audience. The receiver answers 400. `details.reason` says which check
 * failed; the token itself is never included.
 */
export class RiscTokenInvalidError extends TokenBridgeError {
  static override readonly code = 'invalid_security_event';
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, { status: 400, details });
  }
}
