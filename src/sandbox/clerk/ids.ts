import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random base62 text of `length` characters (rejection sampling keeps it unbiased). */
export function base62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

/** The prefixes Clerk puts on its ids, so a reader (and a test) can tell what an id names. */
export type IdPrefix = 'user' | 'sess' | 'client' | 'eac' | 'idn' | 'ins' | 'msg' | 'sia' | 'sua';

/** A Clerk-style id such as `user_2NNEqL2nrIRdJ194ndJqAHwEfxC` (27 base62 characters after the prefix). */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${base62(27)}`;
}

/** An opaque secret of `length` base62 characters (client tokens, OAuth states). */
export function newSecret(length = 43): string {
  return base62(length);
}
