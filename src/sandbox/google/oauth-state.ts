import { randomBytes } from 'node:crypto';
import type { Clock } from '../kit/clock.js';

/** What the user consented to for one client: scopes accumulate across authorizations. */
export interface Grant {
  sub: string;
  clientId: string;
  scopes: Set<string>;
  /** A refresh token was handed out for this grant (Google gives one only on the first offline exchange). */
  refreshIssued: boolean;
  offline: boolean;
}

/** An authorization code, bound to everything the token request must repeat. */
export interface AuthCode {
  code: string;
  sub: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  offline: boolean;
  issueRefreshToken: boolean;
  authTimeSeconds: number;
  expiresAt: number;
  redeemedAt?: number;
  /** Tokens issued from this code, revoked if the code is replayed. */
  issued: string[];
}

export interface RefreshToken {
  token: string;
  sub: string;
  clientId: string;
  scopes: string[];
  issuedAt: number;
  /** Only for time-limited grants (Testing-status clients). */
  expiresAt?: number;
}

export interface AccessToken {
  token: string;
  sub: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
  offline: boolean;
  refreshToken?: string;
}

/** What a resource server learns from a valid bearer token. */
export interface AccessTokenInfo {
  sub: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
  offline: boolean;
}

export const CODE_LIFETIME_MS = 10 * 60 * 1000;
export const REFRESH_TOKENS_PER_GRANT = 100;

/** Everything the OAuth state holds, as plain JSON values (what a state file keeps). */
export interface OAuthStateContents {
  grants: Array<Omit<Grant, 'scopes'> & { scopes: string[] }>;
  codes: AuthCode[];
  refreshTokens: RefreshToken[];
  accessTokens: AccessToken[];
}

const grantKey = (sub: string, clientId: string) => `${sub}\u0000${clientId}`;
const random = (bytes: number) => randomBytes(bytes).toString('base64url');

/**
 * The emulator's OAuth state: grants, codes and tokens, all in memory and all timed by the injected clock.
 * Token strings look like Google's (`4/0A…`, `ya29.…`, `1//0…`) but carry no meaning.
 */
export class OAuthState {
  private grants = new Map<string, Grant>();
  private codes = new Map<string, AuthCode>();
  private refreshTokens = new Map<string, RefreshToken>();
  private accessTokens = new Map<string, AccessToken>();

  constructor(private readonly clock: Clock) {}

  /** The grant of `sub` to `clientId`, if the user ever consented. */
  grant(sub: string, clientId: string): Grant | undefined {
    return this.grants.get(grantKey(sub, clientId));
  }

  /** Records consent to `scopes`; the grant keeps what was granted before. */
  recordConsent(sub: string, clientId: string, scopes: string[], offline: boolean): Grant {
    const key = grantKey(sub, clientId);
    const grant = this.grants.get(key) ?? { sub, clientId, scopes: new Set(), refreshIssued: false, offline: false };
    for (const scope of scopes) grant.scopes.add(scope);
    grant.offline ||= offline;
    this.grants.set(key, grant);
    return grant;
  }

  /** Issues a single-use code that expires in 10 minutes. */
  issueCode(fields: Omit<AuthCode, 'code' | 'expiresAt' | 'issued'>): AuthCode {
    const code: AuthCode = {
      ...fields,
      code: `4/0A${random(60)}`,
      expiresAt: this.clock.now() + CODE_LIFETIME_MS,
      issued: [],
    };
    this.codes.set(code.code, code);
    return code;
  }

  findCode(code: string): AuthCode | undefined {
    return this.codes.get(code);
  }

  /** Issues an access token for `lifetimeSeconds`. */
  issueAccessToken(fields: Omit<AccessToken, 'token' | 'expiresAt'>, lifetimeSeconds: number): AccessToken {
    const token: AccessToken = {
      ...fields,
      token: `ya29.a0${random(120)}`,
      expiresAt: this.clock.now() + lifetimeSeconds * 1000,
    };
    this.accessTokens.set(token.token, token);
    return token;
  }

  /**
   * Issues a refresh token. At most 100 stay live per account and client: the oldest dies silently, as at Google.
   */
  issueRefreshToken(fields: Omit<RefreshToken, 'token' | 'issuedAt' | 'expiresAt'>, lifetimeSeconds?: number) {
    const now = this.clock.now();
    const live = [...this.refreshTokens.values()]
      .filter((t) => t.sub === fields.sub && t.clientId === fields.clientId)
      .sort((a, b) => a.issuedAt - b.issuedAt);
    for (const old of live.slice(0, Math.max(0, live.length - REFRESH_TOKENS_PER_GRANT + 1))) {
      this.refreshTokens.delete(old.token);
    }
    const token: RefreshToken = {
      ...fields,
      token: `1//0${random(90)}`,
      issuedAt: now,
      ...(lifetimeSeconds === undefined ? {} : { expiresAt: now + lifetimeSeconds * 1000 }),
    };
    this.refreshTokens.set(token.token, token);
    return token;
  }

  /** A refresh token that still works, or undefined (unknown, revoked, pushed out or expired). */
  liveRefreshToken(token: string): RefreshToken | undefined {
    const found = this.refreshTokens.get(token);
    if (found === undefined) return undefined;
    if (found.expiresAt !== undefined && found.expiresAt <= this.clock.now()) return undefined;
    return found;
  }

  /** The access token's grant, or null when unknown, expired or revoked. */
  lookupAccessToken(token: string): AccessTokenInfo | null {
    const found = this.accessTokens.get(token);
    if (found === undefined || found.expiresAt <= this.clock.now()) return null;
    return {
      sub: found.sub,
      clientId: found.clientId,
      scopes: [...found.scopes],
      expiresAt: found.expiresAt,
      offline: found.offline,
    };
  }

  /** Revokes the tokens (access or refresh) issued from a replayed code. */
  revokeIssuedFrom(code: AuthCode): void {
    for (const token of code.issued) {
      this.accessTokens.delete(token);
      this.refreshTokens.delete(token);
    }
  }

  /**
   * Ends the grant behind a token (access or refresh): every token of that account and client goes, and the consent
   * with it. Returns false when the token is unknown.
   */
  revokeByToken(token: string): boolean {
    const owner = this.accessTokens.get(token) ?? this.refreshTokens.get(token);
    if (owner === undefined) return false;
    if ('expiresAt' in owner && 'offline' in owner && owner.expiresAt <= this.clock.now()) return false;
    this.revokeGrant(owner.sub, owner.clientId);
    return true;
  }

  /** Ends the grants of `sub` (to one client, or all of them). Returns how many grants or tokens went. */
  revokeGrant(sub: string, clientId?: string): number {
    let removed = 0;
    const hit = (t: { sub: string; clientId: string }) =>
      t.sub === sub && (clientId === undefined || t.clientId === clientId);
    for (const [key, grant] of this.grants) if (hit(grant) && this.grants.delete(key)) removed++;
    for (const [key, token] of this.accessTokens) if (hit(token) && this.accessTokens.delete(key)) removed++;
    for (const [key, token] of this.refreshTokens) if (hit(token) && this.refreshTokens.delete(key)) removed++;
    for (const [key, code] of this.codes) if (hit(code)) this.codes.delete(key);
    return removed;
  }

  /** Makes live access tokens expire now (of one account, or all). Returns how many. */
  expireAccessTokens(sub?: string): number {
    const now = this.clock.now();
    let expired = 0;
    for (const token of this.accessTokens.values()) {
      if ((sub === undefined || token.sub === sub) && token.expiresAt > now) {
        token.expiresAt = now;
        expired++;
      }
    }
    return expired;
  }

  /** The newest live refresh token of an account and client (what a RISC token-revoked event names), if any. */
  newestRefreshToken(sub: string, clientId: string): RefreshToken | undefined {
    let newest: RefreshToken | undefined;
    for (const t of this.refreshTokens.values()) {
      if (t.sub !== sub || t.clientId !== clientId || this.liveRefreshToken(t.token) === undefined) continue;
      if (newest === undefined || t.issuedAt >= newest.issuedAt) newest = t;
    }
    return newest;
  }

  /** Live refresh tokens of an account and client, for inspection. */
  countRefreshTokens(sub: string, clientId: string): number {
    return [...this.refreshTokens.values()].filter(
      (t) => t.sub === sub && t.clientId === clientId && this.liveRefreshToken(t.token) !== undefined,
    ).length;
  }

  /**
   * The grants, codes and tokens as plain JSON values. Expired access tokens are left out: nothing tells them from
   * unknown ones, and one is issued per refresh, so keeping them would only grow the file.
   */
  toJSON(): OAuthStateContents {
    const now = this.clock.now();
    return {
      grants: [...this.grants.values()].map((g) => ({ ...g, scopes: [...g.scopes] })),
      codes: [...this.codes.values()],
      refreshTokens: [...this.refreshTokens.values()],
      accessTokens: [...this.accessTokens.values()].filter((t) => t.expiresAt > now),
    };
  }

  /** Replaces everything with saved contents. */
  restore(contents: OAuthStateContents): void {
    this.reset();
    for (const g of contents.grants) this.grants.set(grantKey(g.sub, g.clientId), { ...g, scopes: new Set(g.scopes) });
    for (const c of contents.codes) this.codes.set(c.code, c);
    for (const t of contents.refreshTokens) this.refreshTokens.set(t.token, t);
    for (const t of contents.accessTokens) this.accessTokens.set(t.token, t);
  }

  /** Drops everything, as on a fresh start. */
  reset(): void {
    this.grants.clear();
    this.codes.clear();
    this.refreshTokens.clear();
    this.accessTokens.clear();
  }
}
