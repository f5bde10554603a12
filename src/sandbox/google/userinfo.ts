import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GoogleAccount } from './accounts.js';
import { bearerToken, noStore, param } from './oauth-reply.js';
import type { OAuthState } from './oauth-state.js';
import { hasEmailScope, hasProfileScope } from './scopes.js';

/** Registers the OIDC userinfo endpoint at `/v1/userinfo` and its alias `/oauth2/v3/userinfo`. */
export function registerUserInfo(
  app: FastifyInstance,
  deps: { state: OAuthState; account(sub: string): GoogleAccount | undefined },
): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(request.headers.authorization) ?? param(request.query, 'access_token');
    const info = token === undefined ? null : deps.state.lookupAccessToken(token);
    const account = info === null ? undefined : deps.account(info.sub);
    if (info === null || account === undefined) {
      return noStore(reply)
        .code(401)
        .header('www-authenticate', 'Bearer realm="https://accounts.google.com/", error="invalid_token"')
        .send({ error: 'invalid_request', error_description: 'Invalid Credentials' });
    }
    const body: Record<string, unknown> = { sub: account.sub };
    if (hasProfileScope(info.scopes)) {
      body.name = account.name;
      body.given_name = account.givenName;
      body.family_name = account.familyName;
      body.picture = account.picture;
    }
    if (hasEmailScope(info.scopes)) {
      body.email = account.email;
      body.email_verified = true;
    }
    if (account.hd !== undefined) body.hd = account.hd;
    return noStore(reply).send(body);
  };
  for (const path of ['/v1/userinfo', '/oauth2/v3/userinfo']) {
    app.get(path, handler);
    app.post(path, handler);
  }
}
