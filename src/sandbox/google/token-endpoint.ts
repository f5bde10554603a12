import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Clock, epochSeconds } from '../kit/clock.js';
import type { GoogleAccount } from './accounts.js';
import type { ClientRegistry, OAuthClient } from './clients.js';
import { accessTokenHash, type SigningKeys } from './keys.js';
import { noStore, oauthError, param } from './oauth-reply.js';
import type { AuthCode, OAuthState } from './oauth-state.js';
import { hasEmailScope, hasProfileScope, onlyBasicScopes, tokenScopes } from './scopes.js';

/** Google's time limit for refresh tokens of apps in Testing status: 7 days, announced as 604799 s. */
export const TESTING_REFRESH_LIFETIME_SECONDS = 604_799;
const ID_TOKEN_LIFETIME_SECONDS = 3600;

/** What the token endpoint needs from the rest of the emulator. */
export interface TokenEndpointDeps {
  clients: ClientRegistry;
  state: OAuthState;
  keys: SigningKeys;
  clock: Clock;
  issuer: string;
  account(sub: string): GoogleAccount | undefined;
  /** Called once per successful grant, by grant type. */
  onGrant(grantType: 'authorization_code' | 'refresh_token'): void;
}

type TokenResponse = Record<string, string | number>;

/** Registers `POST /token` (authorization_code and refresh_token grants). */
export function registerTokenEndpoint(app: FastifyInstance, deps: TokenEndpointDeps): void {
  app.post('/token', async (request, reply) => {
    const body = request.body ?? {};
    const grantType = param(body, 'grant_type') ?? param(request.query, 'grant_type');
    const get = (name: string) => param(body, name) ?? param(request.query, name);

    const client = authenticateClient(request, reply, deps.clients, get);
    if (client === undefined) return reply;

    if (grantType === 'authorization_code') return exchangeCode(deps, client, get, reply);
    if (grantType === 'refresh_token') return refresh(deps, client, get, reply);
    return oauthError(reply, 400, 'unsupported_grant_type', `Invalid grant_type: ${grantType ?? ''}`);
  });
}

/** Authenticates the client by HTTP Basic or body parameters; answers the error itself when it fails. */
function authenticateClient(
  request: FastifyRequest,
  reply: FastifyReply,
  clients: ClientRegistry,
  get: (name: string) => string | undefined,
): OAuthClient | undefined {
  let clientId = get('client_id');
  let secret = get('client_secret');
  const header = request.headers.authorization;
  if (typeof header === 'string' && /^basic /i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      oauthError(reply, 401, 'invalid_client', 'Unauthorized');
      return undefined;
    }
    // RFC 6749 §2.3.1: both parts are form-url-encoded inside the Basic credentials.
    clientId = safeDecode(decoded.slice(0, colon));
    secret = safeDecode(decoded.slice(colon + 1));
  }
  if (clientId === undefined || clientId === '') {
    oauthError(reply, 400, 'invalid_request', 'Could not determine client ID from request.');
    return undefined;
  }
  const client = clients.get(clientId);
  if (client === undefined) {
    oauthError(reply, 401, 'invalid_client', 'The OAuth client was not found.');
    return undefined;
  }
  if (secret === undefined || !sameSecret(secret, client.clientSecret)) {
    oauthError(reply, 401, 'invalid_client', 'Unauthorized');
    return undefined;
  }
  return client;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function exchangeCode(
  deps: TokenEndpointDeps,
  client: OAuthClient,
  get: (name: string) => string | undefined,
  reply: FastifyReply,
) {
  const code = get('code');
  if (code === undefined || code === '')
    return oauthError(reply, 400, 'invalid_request', 'Missing required parameter: code');
  if (!code.startsWith('4/')) return oauthError(reply, 400, 'invalid_grant', 'Malformed auth code.');
  const found = deps.state.findCode(code);
  if (found === undefined) return oauthError(reply, 400, 'invalid_grant', 'Malformed auth code.');
  if (found.clientId !== client.clientId) return oauthError(reply, 401, 'unauthorized_client', 'Unauthorized');
  if (found.redeemedAt !== undefined) {
    // RFC 6749 §4.1.2: a replayed code may mean it leaked, so what it bought is withdrawn.
    deps.state.revokeIssuedFrom(found);
    return oauthError(reply, 400, 'invalid_grant', 'Code was already redeemed.');
  }
  if (found.expiresAt <= deps.clock.now()) return oauthError(reply, 400, 'invalid_grant', 'Bad Request');
  const redirectUri = get('redirect_uri');
  if (redirectUri === undefined || redirectUri === '') {
    return oauthError(reply, 400, 'invalid_request', 'Missing required parameter: redirect_uri');
  }
  if (redirectUri !== found.redirectUri) return oauthError(reply, 400, 'redirect_uri_mismatch', 'Bad Request');
  const pkceError = checkPkce(found, get('code_verifier'));
  if (pkceError !== undefined) return oauthError(reply, 400, 'invalid_grant', pkceError);
  const account = deps.account(found.sub);
  if (account === undefined) return oauthError(reply, 400, 'invalid_grant', 'Token has been expired or revoked.');

  found.redeemedAt = deps.clock.now();
  const grant = deps.state.grant(found.sub, client.clientId);
  if (grant === undefined) return oauthError(reply, 400, 'invalid_grant', 'Token has been expired or revoked.');
  const response: TokenResponse = {};
  let refreshToken: string | undefined;
  let refreshExpiresIn: number | undefined;
  if (found.issueRefreshToken) {
    const limited = client.publishingStatus === 'testing' && !onlyBasicScopes(found.scopes);
    const issued = deps.state.issueRefreshToken(
      { sub: found.sub, clientId: client.clientId, scopes: found.scopes },
      limited ? TESTING_REFRESH_LIFETIME_SECONDS : undefined,
    );
    grant.refreshIssued = true;
    refreshToken = issued.token;
    found.issued.push(issued.token);
    if (limited) refreshExpiresIn = TESTING_REFRESH_LIFETIME_SECONDS;
  }
  const access = deps.state.issueAccessToken(
    {
      sub: found.sub,
      clientId: client.clientId,
      scopes: found.scopes,
      offline: found.offline,
      ...(refreshToken === undefined ? {} : { refreshToken }),
    },
    client.accessTokenLifetimeSeconds,
  );
  found.issued.push(access.token);
  response.access_token = access.token;
  response.expires_in = client.accessTokenLifetimeSeconds;
  if (refreshToken !== undefined) response.refresh_token = refreshToken;
  response.scope = tokenScopes(found.scopes).join(' ');
  response.token_type = 'Bearer';
  if (found.scopes.includes('openid')) {
    response.id_token = await idToken(deps, client, account, found.scopes, access.token, found.nonce);
  }
  if (refreshExpiresIn !== undefined) response.refresh_token_expires_in = refreshExpiresIn;
  deps.onGrant('authorization_code');
  return noStore(reply).send(response);
}

/** Returns the error description when the PKCE verifier does not fit the challenge. */
function checkPkce(code: AuthCode, verifier: string | undefined): string | undefined {
  if (code.codeChallenge === undefined) {
    // RFC 9700 §2.1.1: a verifier for a code issued without a challenge is a downgrade attempt, refused.
    return verifier === undefined || verifier === '' ? undefined : 'code_verifier or verifier is not needed.';
  }
  if (verifier === undefined || verifier === '') return 'Missing code verifier.';
  const computed =
    code.codeChallengeMethod === 'plain' ? verifier : createHash('sha256').update(verifier).digest('base64url');
  return computed === code.codeChallenge ? undefined : 'Invalid code verifier.';
}

async function refresh(
  deps: TokenEndpointDeps,
  client: OAuthClient,
  get: (name: string) => string | undefined,
  reply: FastifyReply,
) {
  const token = get('refresh_token');
  if (token === undefined || token === '') {
    return oauthError(reply, 400, 'invalid_request', 'Missing required parameter: refresh_token');
  }
  const found = deps.state.liveRefreshToken(token);
  if (found === undefined) return oauthError(reply, 400, 'invalid_grant', 'Token has been expired or revoked.');
  if (found.clientId !== client.clientId) return oauthError(reply, 401, 'unauthorized_client', 'Unauthorized');
  const account = deps.account(found.sub);
  if (account === undefined) return oauthError(reply, 400, 'invalid_grant', 'Token has been expired or revoked.');
  const access = deps.state.issueAccessToken(
    { sub: found.sub, clientId: client.clientId, scopes: found.scopes, offline: true, refreshToken: found.token },
    client.accessTokenLifetimeSeconds,
  );
  // A refresh answer never carries a new refresh_token: clients must keep the one they have.
  const response: TokenResponse = {
    access_token: access.token,
    expires_in: client.accessTokenLifetimeSeconds,
    scope: tokenScopes(found.scopes).join(' '),
    token_type: 'Bearer',
  };
  if (found.scopes.includes('openid')) {
    response.id_token = await idToken(deps, client, account, found.scopes, access.token, undefined);
  }
  if (found.expiresAt !== undefined) {
    response.refresh_token_expires_in = Math.max(0, Math.floor((found.expiresAt - deps.clock.now()) / 1000));
  }
  deps.onGrant('refresh_token');
  return noStore(reply).send(response);
}

/** Builds and signs the id_token with Google's claims, in Google's order. */
async function idToken(
  deps: TokenEndpointDeps,
  client: OAuthClient,
  account: GoogleAccount,
  scopes: string[],
  accessToken: string,
  nonce: string | undefined,
): Promise<string> {
  const iat = epochSeconds(deps.clock);
  const claims: Record<string, unknown> = {
    iss: deps.issuer,
    azp: client.clientId,
    aud: client.clientId,
    sub: account.sub,
  };
  if (account.hd !== undefined) claims.hd = account.hd;
  if (hasEmailScope(scopes)) {
    claims.email = account.email;
    claims.email_verified = true;
  }
  claims.at_hash = accessTokenHash(accessToken);
  if (nonce !== undefined) claims.nonce = nonce;
  if (hasProfileScope(scopes)) {
    claims.name = account.name;
    claims.picture = account.picture;
    claims.given_name = account.givenName;
    claims.family_name = account.familyName;
  }
  claims.iat = iat;
  claims.exp = iat + ID_TOKEN_LIFETIME_SECONDS;
  return deps.keys.sign(claims);
}
