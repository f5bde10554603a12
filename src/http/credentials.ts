/**
 * The longest credential the edge reads (a Clerk session token, an API key, the metrics token). Longer ones are
 * refused unread: no signature check, no hash, no log line of their size.
 */
export const MAX_CREDENTIAL_LENGTH = 8192;

const BEARER = /^Bearer +(\S+)\s*$/i;

/** What an `Authorization` header holds: nothing, a Bearer credential, or something else (refused by the caller). */
export type AuthorizationHeader = { kind: 'absent' } | { kind: 'bearer'; credential: string } | { kind: 'malformed' };

/**
 * Reads the `Authorization` header, the one place the edge parses it. An empty header counts as absent; a Bearer
 * credential longer than {@link MAX_CREDENTIAL_LENGTH} counts as malformed.
 *
 * @example
 * parseAuthorization('Bearer sk_123') // { kind: 'bearer', credential: 'sk_123' }
 * parseAuthorization('Basic dXNlcg==') // { kind: 'malformed' }
 */
export function parseAuthorization(header: string | string[] | undefined): AuthorizationHeader {
  if (typeof header !== 'string' || header === '') return ABSENT;
  const credential = BEARER.exec(header)?.[1];
  return credential === undefined || credential.length > MAX_CREDENTIAL_LENGTH
    ? MALFORMED
    : { kind: 'bearer', credential };
}

/** A credential from a header of its own (a cookie, `X-API-Key`), or undefined when it is missing or over the limit. */
export function plainCredential(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && value.length <= MAX_CREDENTIAL_LENGTH ? value : undefined;
}

const ABSENT: AuthorizationHeader = { kind: 'absent' };
const MALFORMED: AuthorizationHeader = { kind: 'malformed' };
