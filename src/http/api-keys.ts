import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKey } from '../config/env.js';

/**
 * Finds which configured API key `presented` is, comparing in constant time: both sides are hashed to a fixed
 * length and every key is compared, so neither the length nor the position of a match shows in the timing.
 */
export function matchApiKey(keys: readonly ApiKey[], presented: string): ApiKey | undefined {
  const digest = createHash('sha256').update(presented).digest();
  let found: ApiKey | undefined;
  for (const key of keys) {
    const equal = timingSafeEqual(digest, createHash('sha256').update(key.key).digest());
    if (equal && found === undefined) found = key;
  }
  return found;
}
