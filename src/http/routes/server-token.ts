import type { FastifyInstance } from 'fastify';
import { apiKeyName } from '../caller.js';
import type { RouteContext } from '../context.js';
import {
  accessTokenSchema,
  errorResponses,
  minValiditySchema,
  scopeListSchema,
  userIdParamsSchema,
} from '../schemas.js';

/**
 * `GET /api/users/{userId}/google-token`: server-to-server, with an API key from TOKENBRIDGE_API_KEYS. The core
 * records the read in the audit trail under the key's name (`actor`).
 */
export async function serverTokenRoutes(app: FastifyInstance, context: RouteContext): Promise<void> {
  app.get<{ Params: { userId: string }; Querystring: { scope?: string[]; minValiditySeconds?: number } }>(
    '/api/users/:userId/google-token',
    {
      config: { credential: 'api_key', limitGroup: 'token' },
      schema: {
        summary: "A user's Google access token, for the app's own backend (API key)",
        params: userIdParamsSchema,
        querystring: {
          type: 'object',
          properties: { scope: scopeListSchema, minValiditySeconds: minValiditySchema },
        },
        response: { 200: accessTokenSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = `api_key:${apiKeyName(request)}`;
      const { scope = [], minValiditySeconds } = request.query;
      const token = await context.bridge.getAccessToken(request.params.userId, {
        scopes: scope,
        actor,
        ...(minValiditySeconds === undefined ? {} : { minValiditySeconds }),
      });
      reply.header('cache-control', 'no-store');
      return token;
    },
  );
}
