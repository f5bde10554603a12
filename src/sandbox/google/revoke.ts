import type { FastifyInstance } from 'fastify';
import { bodyOrQuery, noStore, oauthError } from './oauth-reply.js';
import type { OAuthState } from './oauth-state.js';

/** Registers `/revoke`: the token comes as a query parameter (as GAL sends it) or in a form body. */
export function registerRevoke(app: FastifyInstance, state: OAuthState): void {
  const handler = async (request: { body: unknown; query: unknown }, reply: Parameters<typeof noStore>[0]) => {
    const token = bodyOrQuery(request.body, request.query, 'token');
    if (token === undefined || token === '') {
      return oauthError(reply, 400, 'invalid_request', 'Missing required parameter: token');
    }
    // Revoking either kind of token ends the whole grant: access, refresh and the consent itself.
    if (!state.revokeByToken(token)) return oauthError(reply, 400, 'invalid_token', 'Token expired or revoked');
    return noStore(reply).code(200).send({});
  };
  app.post('/revoke', handler);
  app.get('/revoke', handler);
}
