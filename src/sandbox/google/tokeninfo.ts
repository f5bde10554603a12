import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { type Clock, epochSeconds } from '../kit/clock.js';
import type { GoogleAccount } from './accounts.js';
import type { SigningKeys } from './keys.js';
import { bearerToken, bodyOrQuery, noStore, oauthError } from './oauth-reply.js';
import type { OAuthState } from './oauth-state.js';
import { hasEmailScope, tokenScopes } from './scopes.js';

export interface TokenInfoDeps {
  state: OAuthState;
  keys: SigningKeys;
  clock: Clock;
  issuer: string;
  account(sub: string): GoogleAccount | undefined;
}

/**
 * Registers `/tokeninfo` (GET or POST; `access_token`, `id_token`, or a Bearer header as GAL's getTokenInfo sends).
 * Like Google, every value in the answer is a string.
 */
export function registerTokenInfo(app: FastifyInstance, deps: TokenInfoDeps): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const idToken = bodyOrQuery(request.body, request.query, 'id_token');
    if (idToken !== undefined) return idTokenInfo(deps, idToken, reply);
    const accessToken =
      bodyOrQuery(request.body, request.query, 'access_token') ?? bearerToken(request.headers.authorization);
    if (accessToken === undefined) return invalid(reply);
    const info = deps.state.lookupAccessToken(accessToken);
    if (info === null) return invalid(reply);
    const expiresIn = Math.max(0, Math.floor((info.expiresAt - deps.clock.now()) / 1000));
    const body: Record<string, string> = {
      azp: info.clientId,
      aud: info.clientId,
      sub: info.sub,
      scope: tokenScopes(info.scopes).join(' '),
      exp: String(Math.floor(info.expiresAt / 1000)),
      expires_in: String(expiresIn),
    };
    const account = deps.account(info.sub);
    if (account !== undefined && hasEmailScope(info.scopes)) {
      body.email = account.email;
      body.email_verified = 'true';
    }
    body.access_type = info.offline ? 'offline' : 'online';
    return noStore(reply).send(body);
  };
  app.get('/tokeninfo', handler);
  app.post('/tokeninfo', handler);
  // The legacy v3 path, still used by older clients.
  app.get('/oauth2/v3/tokeninfo', handler);
  app.post('/oauth2/v3/tokeninfo', handler);
}

async function idTokenInfo(deps: TokenInfoDeps, idToken: string, reply: FastifyReply) {
  try {
    const { payload } = await jwtVerify(idToken, createLocalJWKSet(deps.keys.jwks()), {
      issuer: [deps.issuer, 'accounts.google.com', 'https://accounts.google.com'],
      currentDate: new Date(epochSeconds(deps.clock) * 1000),
    });
    const header = decodeProtectedHeader(idToken);
    const body: Record<string, string> = {};
    for (const [name, value] of Object.entries(payload)) body[name] = typeof value === 'string' ? value : String(value);
    body.alg = String(header.alg);
    if (header.kid !== undefined) body.kid = header.kid;
    body.typ = String(header.typ ?? 'JWT');
    return noStore(reply).send(body);
  } catch {
    return invalid(reply);
  }
}

const invalid = (reply: FastifyReply) => oauthError(reply, 400, 'invalid_token', 'Invalid Value');
