import { createHash, timingSafeEqual } from 'node:crypto';
import type { TokenIdentifierAlg } from './risc.js';

/** The prefix Google's `prefix` identifiers carry; a shorter one would match too many tokens to act on. */
const PREFIX_LENGTH = 16;

/**
 * The identifier a token-revoked event would carry for `token` under `alg` (for indexing stored tokens).
 *
 * @example
 * riscTokenIdentifier(refreshToken, 'hash_base64_sha512_sha512') // 88 base64 characters
 */
export function riscTokenIdentifier(token: string, alg: TokenIdentifierAlg): string {
  if (alg === 'prefix') return token.slice(0, PREFIX_LENGTH);
  return doubleSha512(token).toString('base64');
}

/**
 * True when a token-revoked event names `refreshToken`. Compares digests in constant time, so neither the token nor
 * how much of it matched leaks; an unknown algorithm or a prefix shorter than Google's 16 characters never matches.
 *
 * @example
 * if (event.type === 'token-revoked' && matchesTokenIdentifier(storedRefreshToken, event)) markRevoked(userId);
 */
export function matchesTokenIdentifier(
  refreshToken: string,
  identifier: { tokenIdentifierAlg: string; token: string },
): boolean {
  if (typeof refreshToken !== 'string' || refreshToken === '' || typeof identifier.token !== 'string') return false;
  if (identifier.tokenIdentifierAlg === 'prefix') {
    const length = identifier.token.length;
    if (length < PREFIX_LENGTH || length > refreshToken.length) return false;
    return timingSafeEqual(sha256(refreshToken.slice(0, length)), sha256(identifier.token));
  }
  if (identifier.tokenIdentifierAlg === 'hash_base64_sha512_sha512') {
    // Node's base64 decoder also reads base64url, and padding is optional: either spelling matches.
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(identifier.token)) return false;
    const claimed = Buffer.from(identifier.token, 'base64');
    const actual = doubleSha512(refreshToken);
    return claimed.length === actual.length && timingSafeEqual(claimed, actual);
  }
  return false;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();
const doubleSha512 = (value: string) =>
  createHash('sha512').update(createHash('sha512').update(value, 'utf8').digest()).digest();

/**
 * Index keys for a stored refresh token, so a token-revoked event finds its connection without decrypting every row:
 * SHA-256 (hex) of each identifier Google may send. Neither is a substring of the token, and neither reveals it.
 *
 * @example
 * const { prefix, hash } = riscTokenLookupKeys(refreshToken); // store both beside the ciphertext, indexed
 */
export function riscTokenLookupKeys(refreshToken: string): { prefix: string; hash: string } {
  return {
    prefix: sha256(refreshToken.slice(0, PREFIX_LENGTH)).toString('hex'),
    hash: createHash('sha256').update(doubleSha512(refreshToken)).digest('hex'),
  };
}

/**
 * The index key a token-revoked event points at (compare with {@link riscTokenLookupKeys}), or null when the event's
 * identifier cannot name a token safely (unknown algorithm, short prefix, not base64).
 */
export function riscEventLookupKey(identifier: {
  tokenIdentifierAlg: string;
  token: string;
}): { alg: TokenIdentifierAlg; key: string } | null {
  const { tokenIdentifierAlg: alg, token } = identifier;
  if (typeof token !== 'string') return null;
  if (alg === 'prefix') {
    return token.length === PREFIX_LENGTH ? { alg, key: sha256(token).toString('hex') } : null;
  }
  if (alg === 'hash_base64_sha512_sha512' && /^[A-Za-z0-9+/_-]+={0,2}$/.test(token)) {
    const digest = Buffer.from(token, 'base64');
    return digest.length === 64 ? { alg, key: createHash('sha256').update(digest).digest('hex') } : null;
  }
  return null;
}
