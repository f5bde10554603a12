import type { FastifyInstance } from 'fastify';
import { UnauthenticatedError } from '../../core/errors.js';
import { normaliseScopes } from '../../core/scopes.js';
import { matchApiKey } from '../api-keys.js';
import type { RouteContext } from '../context.js';
import { accessTokenSchema, errorResponses, scopeListSchema } from '../schemas.js';

/** `GET /api/users/{userId}/google-token`: server-to-server, with an API key from TOKENBRIDGE_API_KEYS. */
export async function serverTokenRoutes(app: FastifyInstance, context: RouteContext): Promise<void> {
  app.get<{ Params: { userId: string }; Querystring: { scope?: string[]; minValiditySeconds?: number } }>(
    '/api/users/:userId/google-token',
    {
      schema: {
        summary: "A user's Google access token, for the app's own backend (API key)",
        params: {
          type: 'object',
          required: ['userId'],
          properties: { userId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' } },
        },
        querystring: {
          type: 'object',
          properties: {
            scope: scopeListSchema,
            minValiditySeconds: { type: 'integer', minimum: 0, maximum: 3000 },
          },
        },
        response: { 200: accessTokenSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const presented = apiKeyFrom(request.headers.authorization, request.headers['x-api-key']);
      const key = presented === undefined ? undefined : matchApiKey(context.config.apiKeys, presented);
      if (key === undefined)
        throw new UnauthenticatedError('A valid API key is required (Authorization: Bearer <key>).');
      const { userId } = request.params;
      const scopes = normaliseScopes(request.query.scope ?? []);
      const token = await context.bridge.getAccessToken(userId, {
        scopes,
        ...(request.query.minValiditySeconds === undefined
          ? {}
          : { minValiditySeconds: request.query.minValiditySeconds }),
      });
      await context.store.appendAudit({
        userId,
        action: 'token_read',
        actor: `api_key:${key.name}`,
        detail: { scopes: token.scopes, source: token.source },
      });
      reply.header('cache-control', 'no-store');
      return token;
    },
  );
}

function apiKeyFrom(authorization: string | undefined, header: string | string[] | undefined): string | undefined {
  if (typeof authorization === 'string') {
    const match = /^Bearer[ ]+(\S{1,512})\s*$/i.exec(authorization);
    return match?.[1];
  }
  return typeof header === 'string' && header.length <= 512 ? header : undefined;
}
