import { InvalidRequestError } from './errors.js';
import { normaliseScopes } from './scopes.js';
import type { GetAccessTokenOptions } from './types.js';

/** The validity a token is refreshed ahead of, unless the caller asks otherwise. */
export const DEFAULT_MIN_VALIDITY_SECONDS = 300;
/** The most a caller may ask for: Google's access tokens live an hour. */
export const MAX_MIN_VALIDITY_SECONDS = 3600;
/** The longest user id, event id or similar opaque id accepted. */
export const MAX_ID_LENGTH = 256;

/** One `getAccessToken` call, checked and normalised once at the door and passed on whole. */
export interface TokenRequest {
  userId: string;
  /** Normalised full scope URLs. */
  scopes: string[];
  minValidityMs: number;
  /** Spend a refresh even when the held token is still valid (after a 401 from Google). */
  force: boolean;
  /** Who reads, when it is not the user: recorded in the audit trail. */
  actor?: string;
}

/**
 * Checks and normalises a token request; bad input is an `invalid_request`.
 *
 * @example
 * tokenRequest('user_1', { scopes: ['drive.readonly'] }) // { userId, scopes: [full URL], minValidityMs: 300000, … }
 */
export function tokenRequest(userId: unknown, options: GetAccessTokenOptions | undefined): TokenRequest {
  checkUserId(userId);
  const input = options ?? {};
  return {
    userId,
    scopes: normaliseScopes(input.scopes ?? []),
    minValidityMs: minValiditySeconds(input.minValiditySeconds) * 1000,
    force: input.forceRefresh === true,
    ...(input.actor !== undefined ? { actor: input.actor } : {}),
  };
}

export function checkUserId(userId: unknown): asserts userId is string {
  if (typeof userId !== 'string' || userId === '' || userId.length > MAX_ID_LENGTH) {
    throw new InvalidRequestError('A user id is required.');
  }
}

export function checkCode(code: unknown): asserts code is string {
  if (typeof code !== 'string' || code === '' || code.length > 2048) {
    throw new InvalidRequestError('An authorization code is required.');
  }
}

function minValiditySeconds(seconds: number | undefined): number {
  if (seconds === undefined) return DEFAULT_MIN_VALIDITY_SECONDS;
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_MIN_VALIDITY_SECONDS) {
    throw new InvalidRequestError(`minValiditySeconds must be a whole number from 0 to ${MAX_MIN_VALIDITY_SECONDS}.`);
  }
  return seconds;
}
