import { OAuth2Client } from 'google-auth-library';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import type { Clock } from '../clock.js';
import { parseRetryAfter, type Transience } from './retry.js';

/** Google's public endpoints; `baseUrl` replaces every origin at once (the emulator serves them all from one). */
export interface GoogleEndpoints {
  authorization: string;
  token: string;
  revoke: string;
  tokenInfo: string;
  pemCerts: string;
  jwks: string;
}

/** Google's real hosts, or one origin (the sandbox emulator) serving the same paths. */
export function googleEndpoints(baseUrl?: string): GoogleEndpoints {
  if (!baseUrl) {
    return {
      authorization: 'https://accounts.google.com/o/oauth2/v2/auth',
      token: 'https://oauth2.googleapis.com/token',
      revoke: 'https://oauth2.googleapis.com/revoke',
      tokenInfo: 'https://oauth2.googleapis.com/tokeninfo',
      pemCerts: 'https://www.googleapis.com/oauth2/v1/certs',
      jwks: 'https://www.googleapis.com/oauth2/v3/certs',
    };
  }
  const origin = new URL(baseUrl).origin;
  return {
    authorization: `${origin}/o/oauth2/v2/auth`,
    token: `${origin}/token`,
    revoke: `${origin}/revoke`,
    tokenInfo: `${origin}/tokeninfo`,
    pemCerts: `${origin}/oauth2/v1/certs`,
    jwks: `${origin}/oauth2/v3/certs`,
  };
}

/** A token endpoint reply, with the lifetime kept relative so it is anchored to the bridge's own clock. */
export interface GoogleTokens {
  accessToken: string;
  expiresInSeconds: number;
  refreshToken: string | null;
  refreshTokenExpiresInSeconds: number | null;
  /** Space-separated, as granted; null when Google left it out. */
  scope: string | null;
  idToken: string | null;
}

export interface VerifiedIdentity {
  sub: string;
  email: string;
  emailVerified: boolean;
  nonce: string | undefined;
}

/**
 * Why a Google OAuth call failed, classified once here so nothing else inspects HTTP: `invalid_grant` (the grant or
 * code is dead), `transient` (5xx, 429, timeouts, resets: retry), `rejected` (any other OAuth error: misconfiguration).
 * The message carries Google's error code only, never a token.
 */
export class GoogleOAuthError extends Error {
  constructor(
    readonly kind: 'invalid_grant' | 'transient' | 'rejected',
    readonly oauthError: string,
    readonly description: string | undefined,
    readonly status: number | undefined,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`Google OAuth ${kind}: ${oauthError}${status ? ` (HTTP ${status})` : ''}`);
    this.name = 'GoogleOAuthError';
  }

  /** For {@link withRetries}. */
  static classify(error: unknown): Transience {
    return error instanceof GoogleOAuthError && error.kind === 'transient'
      ? { transient: true, retryAfterMs: error.retryAfterMs }
      : { transient: false };
  }
}

/** Exposes the refresh grant that OAuth2Client keeps protected, so the bridge owns the token lifecycle. */
class BridgeOAuth2Client extends OAuth2Client {
  refreshWith(refreshToken: string) {
    return this.refreshTokenNoCache(refreshToken);
  }

  /** Google's tokeninfo, as `getTokenInfo` asks it but without its own retries (the bridge's retries are bounded). */
  tokenInfoWith(accessToken: string, url: string) {
    return this.transporter.request({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
        authorization: `Bearer ${accessToken}`,
      },
    });
  }
}

export interface GoogleOAuthOptions {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  baseUrl?: string;
  issuer?: string;
  clock: Clock;
  /** Per-request timeout. Default 10 s. */
  timeoutMs?: number;
}

/**
 * The bridge's Google OAuth client, built on google-auth-library's OAuth2Client with its endpoints pointed at
 * `baseUrl`. gaxios's own retries are switched off (they sleep on real timers and would hide failures from the
 * bridge's bounded, clock-driven retries); errors come out classified.
 */
export class GoogleOAuth {
  readonly endpoints: GoogleEndpoints;
  readonly #client: BridgeOAuth2Client;
  readonly #issuers: string[];
  readonly #jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly options: GoogleOAuthOptions) {
    this.endpoints = googleEndpoints(options.baseUrl);
    this.#issuers = options.issuer ? [options.issuer] : ['https://accounts.google.com', 'accounts.google.com'];
    this.#client = new BridgeOAuth2Client({
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      redirectUri: options.redirectUri,
      issuers: this.#issuers,
      endpoints: {
        oauth2AuthBaseUrl: this.endpoints.authorization,
        oauth2TokenUrl: this.endpoints.token,
        oauth2RevokeUrl: this.endpoints.revoke,
        tokenInfoUrl: this.endpoints.tokenInfo,
        oauth2FederatedSignonPemCertsUrl: this.endpoints.pemCerts,
        oauth2FederatedSignonJwkCertsUrl: this.endpoints.jwks,
      },
      transporterOptions: {
        timeout: options.timeoutMs ?? 10_000,
        retryConfig: { retry: 0, noResponseRetries: 0 },
      },
    });
    this.#jwks = createRemoteJWKSet(new URL(this.endpoints.jwks), { timeoutDuration: options.timeoutMs ?? 10_000 });
  }

  /** A fresh PKCE pair (S256). */
  codeVerifier(): Promise<{ codeVerifier: string; codeChallenge: string }> {
    return this.#client.generateCodeVerifierAsync() as Promise<{ codeVerifier: string; codeChallenge: string }>;
  }

  /** Google's authorization URL for these parameters. */
  authorizationUrl(params: {
    scopes: string[];
    state: string;
    nonce: string;
    codeChallenge: string;
    /** Default the client's `redirectUri`. */
    redirectUri?: string;
    prompt?: string;
    loginHint?: string;
  }): string {
    return this.#client.generateAuthUrl({
      ...(params.redirectUri ? { redirect_uri: params.redirectUri } : {}),
      access_type: 'offline',
      response_type: 'code',
      scope: params.scopes,
      include_granted_scopes: true,
      state: params.state,
      code_challenge: params.codeChallenge,
      // biome-ignore lint/suspicious/noExplicitAny: the enum type lives in an internal module of google-auth-library.
      code_challenge_method: 'S256' as any,
      ...(params.prompt ? { prompt: params.prompt } : {}),
      ...(params.loginHint ? { login_hint: params.loginHint } : {}),
      // generateAuthUrl passes every option through as a query parameter; its type lacks `nonce`.
      ...({ nonce: params.nonce } as object),
    });
  }

  /** Redeems an authorization code (with the PKCE verifier in the redirect flow). */
  async exchangeCode(input: { code: string; codeVerifier?: string; redirectUri?: string }): Promise<GoogleTokens> {
    try {
      const { tokens } = await this.#client.getToken({
        code: input.code,
        ...(input.codeVerifier ? { codeVerifier: input.codeVerifier } : {}),
        ...(input.redirectUri ? { redirect_uri: input.redirectUri } : {}),
      });
      return toTokens(tokens as Record<string, unknown>);
    } catch (error) {
      throw this.#classify(error);
    }
  }

  /** One refresh grant; no retries here. */
  async refresh(refreshToken: string): Promise<GoogleTokens> {
    try {
      const { tokens } = await this.#client.refreshWith(refreshToken);
      return toTokens(tokens as Record<string, unknown>);
    } catch (error) {
      throw this.#classify(error);
    }
  }

  /**
   * Whether Google still accepts an access token (one tokeninfo call): false when Google no longer knows it (revoked,
   * expired), a transient {@link GoogleOAuthError} when Google cannot say.
   */
  async accessTokenAlive(accessToken: string): Promise<boolean> {
    try {
      await this.#client.tokenInfoWith(accessToken, this.endpoints.tokenInfo);
      return true;
    } catch (error) {
      const classified = this.#classify(error);
      if (classified.kind === 'transient') throw classified;
      return false;
    }
  }

  /** Revokes the whole grant the token belongs to. An already dead token counts as revoked. */
  async revoke(token: string): Promise<void> {
    try {
      await this.#client.revokeToken(token);
    } catch (error) {
      const classified = this.#classify(error);
      if (classified.kind === 'transient') throw classified;
      // 400 invalid_token: Google no longer knows the token, which is what revoking wanted.
    }
  }

  /**
   * Verifies an id_token: RS256 signature from Google's JWKS, issuer, audience, time (against the injected clock,
   * 300 s skew as google-auth-library allows), `azp` when present, and `nonce` when one is expected.
   */
  async verifyIdToken(
    idToken: string,
    expectedNonce?: (nonce: string | undefined) => boolean,
  ): Promise<VerifiedIdentity> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(idToken, this.#jwks, {
        algorithms: ['RS256'],
        issuer: this.#issuers,
        audience: this.options.clientId,
        currentDate: new Date(this.options.clock.now()),
        clockTolerance: 300,
        requiredClaims: ['sub', 'iat', 'exp'],
        maxTokenAge: '1 day',
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError)) {
        throw new GoogleOAuthError('transient', 'jwks_unavailable', undefined, undefined, undefined);
      }
      throw new GoogleOAuthError('rejected', 'invalid_id_token', (error as Error).message, undefined, undefined);
    }
    if (payload.azp !== undefined && payload.azp !== this.options.clientId) {
      throw new GoogleOAuthError('rejected', 'invalid_id_token', 'azp is not this client', undefined, undefined);
    }
    const nonce = typeof payload.nonce === 'string' ? payload.nonce : undefined;
    if (expectedNonce && !expectedNonce(nonce)) {
      throw new GoogleOAuthError('rejected', 'invalid_id_token', 'nonce mismatch', undefined, undefined);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') {
      throw new GoogleOAuthError('rejected', 'invalid_id_token', 'no sub', undefined, undefined);
    }
    return {
      sub: payload.sub,
      email: typeof payload.email === 'string' ? payload.email : '',
      emailVerified: payload.email_verified === true || payload.email_verified === 'true',
      nonce,
    };
  }

  #classify(error: unknown): GoogleOAuthError {
    if (error instanceof GoogleOAuthError) return error;
    if (isGaxiosError(error)) {
      const status = error.response?.status ?? error.status;
      const data = error.response?.data as { error?: unknown; error_description?: unknown } | undefined;
      const oauthError = typeof data?.error === 'string' ? data.error : status ? `http_${status}` : 'network_error';
      const description = typeof data?.error_description === 'string' ? data.error_description : undefined;
      const headers = error.response?.headers as { get?: (name: string) => string | null } | undefined;
      const retryAfter = parseRetryAfter(headers?.get?.('retry-after'), this.options.clock.now());
      if (status === undefined || status === 408 || status === 429 || status >= 500) {
        return new GoogleOAuthError('transient', oauthError, description, status, retryAfter);
      }
      if (oauthError === 'invalid_grant')
        return new GoogleOAuthError('invalid_grant', oauthError, description, status, undefined);
      return new GoogleOAuthError('rejected', oauthError, description, status, undefined);
    }
    // Node network failures (ECONNRESET, ECONNREFUSED, aborted by the timeout) carry no HTTP status.
    return new GoogleOAuthError('transient', 'network_error', undefined, undefined, undefined);
  }
}

interface GaxiosLikeError {
  status?: number;
  response?: { status?: number; data?: unknown; headers?: unknown };
}

/** google-auth-library's HTTP errors (GaxiosError), recognised by shape so gaxios need not be a direct dependency. */
function isGaxiosError(error: unknown): error is GaxiosLikeError {
  return (
    error instanceof Error &&
    (error.name === 'GaxiosError' || (error as { response?: unknown }).response !== undefined) &&
    typeof (error as GaxiosLikeError).response === 'object'
  );
}

function toTokens(raw: Record<string, unknown>): GoogleTokens {
  if (typeof raw.access_token !== 'string' || raw.access_token === '') {
    throw new GoogleOAuthError('rejected', 'invalid_token_response', 'no access_token', undefined, undefined);
  }
  // google-auth-library turns expires_in into an absolute expiry_date on the system clock; turn it back so the
  // bridge anchors it to the injected clock.
  const expiresIn =
    typeof raw.expiry_date === 'number' ? Math.max(0, Math.round((raw.expiry_date - Date.now()) / 1000)) : 3600;
  const rtExpiresIn = Number(raw.refresh_token_expires_in);
  return {
    accessToken: raw.access_token,
    expiresInSeconds: expiresIn,
    refreshToken: typeof raw.refresh_token === 'string' && raw.refresh_token !== '' ? raw.refresh_token : null,
    refreshTokenExpiresInSeconds: Number.isFinite(rtExpiresIn) && rtExpiresIn > 0 ? rtExpiresIn : null,
    scope: typeof raw.scope === 'string' ? raw.scope : null,
    idToken: typeof raw.id_token === 'string' ? raw.id_token : null,
  };
}
