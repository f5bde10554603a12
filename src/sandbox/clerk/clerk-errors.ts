import { randomBytes } from 'node:crypto';

/** One entry of Clerk's `errors[]`. */
export interface ClerkErrorItem {
  code: string;
  message: string;
  long_message: string;
  meta?: Record<string, unknown>;
}

/**
 * A failure answered in Clerk's error body (`{"errors":[…],"clerk_trace_id":"…"}`).
 * Thrown anywhere in the emulator; the error handler turns it into the reply.
 */
export class ClerkApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly longMessage: string = message,
    readonly meta?: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ClerkApiError';
  }

  /** The error item as it goes on the wire. */
  item(): ClerkErrorItem {
    return {
      code: this.code,
      message: this.message,
      long_message: this.longMessage,
      ...(this.meta === undefined ? {} : { meta: this.meta }),
    };
  }
}

/** A fresh trace id, as Clerk puts on every error body. */
export function traceId(): string {
  return randomBytes(16).toString('hex');
}

/** Clerk's error body for one or more errors. */
export function errorBody(items: ClerkErrorItem[]): { errors: ClerkErrorItem[]; clerk_trace_id: string } {
  return { errors: items, clerk_trace_id: traceId() };
}

/** The errors the emulator answers, named after Clerk's codes. */
export const clerkErrors = {
  notFound: (what = 'Resource') => new ClerkApiError(404, 'resource_not_found', 'not found', `${what} not found`),
  pathNotFound: () =>
    new ClerkApiError(404, 'resource_not_found', 'not found', 'The requested resource could not be found'),
  missingAuthorization: () =>
    new ClerkApiError(
      401,
      'authorization_header_missing',
      'Authorization header missing',
      'You need to send an Authorization header with the secret key as a Bearer token.',
    ),
  invalidSecretKey: () =>
    new ClerkApiError(
      401,
      'clerk_key_invalid',
      'Secret key invalid',
      'The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.',
    ),
  tooManyRequests: (retryAfterSeconds: number) =>
    new ClerkApiError(
      429,
      'too_many_requests',
      'Too many requests',
      'Too many requests, please try again later.',
      undefined,
      { 'retry-after': String(retryAfterSeconds) },
    ),
  formParamMissing: (name: string) =>
    new ClerkApiError(422, 'form_param_missing', `${name} must be included.`, `${name} must be included.`, {
      param_name: name,
    }),
  formParamInvalid: (name: string, detail: string) =>
    new ClerkApiError(422, 'form_param_format_invalid', detail, detail, { param_name: name }),
  formParamUnknown: (name: string) =>
    new ClerkApiError(
      422,
      'form_param_unknown',
      `${name} is not a valid parameter for this request.`,
      `${name} is not a valid parameter for this request.`,
      {
        param_name: name,
      },
    ),
  identifierExists: (name: string) =>
    new ClerkApiError(
      422,
      'form_identifier_exists',
      'That email address is taken. Please try another.',
      'That email address is taken. Please try another.',
      { param_name: name },
    ),
  malformedBody: () =>
    new ClerkApiError(400, 'malformed_request_body', 'malformed request', 'The request body is not valid JSON.'),
  unsupportedContentType: () =>
    new ClerkApiError(
      415,
      'unsupported_content_type',
      'unsupported content type',
      'Send the body as application/json.',
    ),
  missingRefreshToken: () =>
    new ClerkApiError(
      422,
      'oauth_missing_refresh_token',
      'Cannot refresh OAuth access token',
      "The current access token has expired and we cannot refresh it, because the authorization server hasn't provided us with a refresh token",
    ),
  tokenRetrieval: () =>
    new ClerkApiError(
      422,
      'oauth_token_retrieval_error',
      'Token retrieval failed',
      'Failed to retrieve a new access token from the OAuth provider.',
    ),
  sessionNotActive: () =>
    new ClerkApiError(
      422,
      'session_not_active',
      'session is not active',
      'This session is not active anymore. Sign in again to continue.',
    ),
  signedOut: () => new ClerkApiError(401, 'signed_out', 'Signed out', 'You are signed out. Sign in again to continue.'),
  originInvalid: () =>
    new ClerkApiError(
      403,
      'origin_invalid',
      'Invalid origin',
      'This origin is not allowed to call the Frontend API of this instance.',
    ),
  redirectUrlInvalid: () =>
    new ClerkApiError(
      422,
      'form_param_format_invalid',
      'is invalid',
      'redirect_url must be an absolute URL on an allowed origin.',
      { param_name: 'redirect_url' },
    ),
};
