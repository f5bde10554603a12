import { coversScopes, expandScopes } from '../core/scopes.js';
import type { GoogleToken } from './results.js';

interface Entry {
  token: GoogleToken;
  expiresAtMs: number;
  /** Every scope the token stands for, implications included (`drive` covers `drive.readonly`). */
  covers: Set<string>;
}

/**
 * The browser client's memory of tokens it was handed, for one signed-in user. A token serves any request whose scopes
 * it covers, so a token for `drive gmail.readonly` also answers a later request for `drive.readonly` alone.
 */
export class TokenCache {
  private entries: Entry[] = [];

  /** A cached token covering `scopes` (canonical) that stays valid for at least `minValidityMs` after `now`. */
  find(scopes: readonly string[], now: number, minValidityMs: number): GoogleToken | undefined {
    this.entries = this.entries.filter((entry) => entry.expiresAtMs > now);
    let best: Entry | undefined;
    for (const entry of this.entries) {
      if (entry.expiresAtMs - now < minValidityMs || !coversScopes(entry.covers, scopes)) continue;
      if (best === undefined || entry.expiresAtMs > best.expiresAtMs) best = entry;
    }
    return best?.token;
  }

  /** Remembers a token; older tokens whose scopes the new one covers are dropped, as it serves all their requests. */
  put(token: GoogleToken, expiresAtMs: number): void {
    const covers = expandScopes(token.scopes);
    this.entries = this.entries.filter(
      (entry) => !(entry.expiresAtMs <= expiresAtMs && [...entry.covers].every((scope) => covers.has(scope))),
    );
    this.entries.push({ token, expiresAtMs, covers });
  }

  /** Forgets one token (the one Google refused), or every token when none is named. */
  drop(accessToken?: string): void {
    this.entries = accessToken === undefined ? [] : this.entries.filter((e) => e.token.accessToken !== accessToken);
  }
}
