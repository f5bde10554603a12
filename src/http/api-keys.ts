import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKey } from '../config/env.js';

/**
 * Finds which configured API key `presented` is, comparing in constant time: both sides are hashed to a fixed
 * length and every key is compared, so neither the length nor the position of a match shows in the timing.
 *
 * @example
 * matchApiKey([{ name: 'billing', key: 'sk_…' }], presented)?.name // 'billing' or undefined
 */
export function matchApiKey(keys: readonly ApiKey[], presented: string): ApiKey | undefined {
  return apiKeyMatcher(keys)(presented);
}

/**
 * {@link matchApiKey} with the configured keys hashed once, for a caller that matches on every request.
 *
 * @example
 * const match = apiKeyMatcher(config.apiKeys);
 * const key = match(presented);
 */
export function apiKeyMatcher(keys: readonly ApiKey[]): (presented: string) => ApiKey | undefined {
  const digests = keys.map((key) => ({ key, digest: sha256(key.key) }));
  return (presented) => {
    const digest = sha256(presented);
    let found: ApiKey | undefined;
    for (const candidate of digests) {
      const equal = timingSafeEqual(digest, candidate.digest);
      if (equal && found === undefined) found = candidate.key;
    }
    return found;
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
