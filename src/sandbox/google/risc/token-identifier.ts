import { createHash } from 'node:crypto';
import type { TokenIdentifierAlg } from './event-types.js';

/** Google names a revoked token by its first 16 characters under `prefix`. */
export const TOKEN_PREFIX_LENGTH = 16;

/**
 * The `token` claim of a token-revoked event: the token's first 16 characters, or base64(SHA-512(SHA-512(token))),
 * the inner digest hashed as raw bytes.
 */
export function tokenIdentifier(token: string, alg: TokenIdentifierAlg): string {
  if (alg === 'prefix') return token.slice(0, TOKEN_PREFIX_LENGTH);
  const inner = createHash('sha512').update(token, 'utf8').digest();
  return createHash('sha512').update(inner).digest('base64');
}
