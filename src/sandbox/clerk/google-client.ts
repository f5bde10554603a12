/** What the emulator, as an OAuth client of Google, needs to know. */
export interface GoogleClientConfig {
  /** The Google emulator's origin (or any Google-compatible origin). */
  url: string;
  clientId: string;
  clientSecret: string;
  /** Scopes asked at every Google sign-in; default `openid email profile`. */
  scopes?: string[];
}

/** A successful answer of Google's token endpoint. */
export interface GoogleTokenResponse {
  access_token: string;
  expires_in?: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
  token_type?: string;
}

/** The identity from Google's userinfo endpoint. */
export interface GoogleUserInfo {
  sub: string;
  email: string;
  given_name?: string;
  family_name?: string;
  picture?: string;
}

/** Google answered the token endpoint with an OAuth error (`invalid_grant`, …) or an unexpected reply. */
export class GoogleTokenError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
  ) {
    super(`Google's token endpoint answered ${status} ${error}`);
    this.name = 'GoogleTokenError';
  }
}

/** The small OAuth 2.0 client the emulator uses towards Google: plain fetch, the documented wire protocol. */
export class GoogleClient {
  private readonly base: string;

  constructor(readonly config: GoogleClientConfig) {
    this.base = config.url.replace(/\/+$/, '');
  }

  /** The scopes asked at every sign-in. */
  baseScopes(): string[] {
    return this.config.scopes ?? ['openid', 'email', 'profile'];
  }

  /** The authorization URL for a code flow with offline access. */
  authorizationUrl(params: {
    redirectUri: string;
    state: string;
    scopes: string[];
    prompt?: string;
    loginHint?: string;
  }): string {
    const url = new URL(`${this.base}/o/oauth2/v2/auth`);
    url.searchParams.set('client_id', this.config.clientId);
    url.searchParams.set('redirect_uri', params.redirectUri);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', params.scopes.join(' '));
    url.searchParams.set('state', params.state);
    url.searchParams.set('access_type', 'offline');
    url.searchParams.set('include_granted_scopes', 'true');
    if (params.prompt !== undefined && params.prompt !== '') url.searchParams.set('prompt', params.prompt);
    if (params.loginHint !== undefined) url.searchParams.set('login_hint', params.loginHint);
    return url.toString();
  }

  /** Exchanges an authorization code. */
  exchangeCode(code: string, redirectUri: string): Promise<GoogleTokenResponse> {
    return this.token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
  }

  /** Uses a refresh token. */
  refresh(refreshToken: string): Promise<GoogleTokenResponse> {
    return this.token({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  /** Reads the signed-in account from the userinfo endpoint. */
  async userInfo(accessToken: string): Promise<GoogleUserInfo> {
    const response = await fetch(`${this.base}/v1/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
    const body = (await response.json().catch(() => undefined)) as Partial<GoogleUserInfo> | undefined;
    if (!response.ok || typeof body?.sub !== 'string' || typeof body.email !== 'string') {
      throw new GoogleTokenError(response.status, 'userinfo_failed');
    }
    return body as GoogleUserInfo;
  }

  private async token(params: Record<string, string>): Promise<GoogleTokenResponse> {
    let response: Response;
    try {
      response = await fetch(`${this.base}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          ...params,
          client_id: this.config.clientId,
          client_secret: this.config.clientSecret,
        }).toString(),
      });
    } catch {
      throw new GoogleTokenError(0, 'network_error');
    }
    const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!response.ok || typeof body?.access_token !== 'string') {
      const error = typeof body?.error === 'string' ? body.error : 'unexpected_response';
      throw new GoogleTokenError(response.status, error);
    }
    return body as unknown as GoogleTokenResponse;
  }
}
