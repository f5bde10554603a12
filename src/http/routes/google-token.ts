import type { FastifyInstance, FastifyReply } from 'fastify';
import { normaliseScopes } from '../../core/scopes.js';
import type { AccessToken } from '../../core/types.js';
import { authenticate } from '../authenticate.js';
import type { RouteContext } from '../context.js';
import { accessTokenSchema, errorResponses, scopeListSchema } from '../schemas.js';

const minValiditySchema = { type: 'integer', minimum: 0, maximum: 3000 } as const;

interface TokenQuery {
  scope?: string[];
  minValiditySeconds?: number;
}

interface TokenBody {
  scopes?: string[] | string;
  minValiditySeconds?: number;
}

/** `GET` and `POST /api/google-token`: a fresh Google access token for the signed-in user, covering the scopes. */
export async function googleTokenRoutes(app: FastifyInstance, context: RouteContext): Promise<void> {
  const respond = async (reply: FastifyReply, userId: string, scopes: string[], minValiditySeconds?: number) => {
    const token = await context.bridge.getAccessToken(userId, {
      scopes: normaliseScopes(scopes),
      ...(minValiditySeconds === undefined ? {} : { minValiditySeconds }),
    });
    reply.header('cache-control', 'no-store');
    reply.header('pragma', 'no-cache');
    return token satisfies AccessToken;
  };

  app.get<{ Querystring: TokenQuery }>(
    '/api/google-token',
    {
      schema: {
        summary: 'A fresh Google access token for the signed-in user',
        querystring: {
          type: 'object',
          properties: { scope: scopeListSchema, minValiditySeconds: minValiditySchema },
        },
        response: { 200: accessTokenSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { userId } = await authenticate(request, context.verifier);
      return respond(reply, userId, request.query.scope ?? [], request.query.minValiditySeconds);
    },
  );

  app.post<{ Body: TokenBody | undefined }>(
    '/api/google-token',
    {
      schema: {
        summary: 'A fresh Google access token for the signed-in user (scopes in the body)',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            scopes: { anyOf: [scopeListSchema, { type: 'string', maxLength: 4096 }] },
            minValiditySeconds: minValiditySchema,
          },
        },
        response: { 200: accessTokenSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { userId } = await authenticate(request, context.verifier);
      const scopes = request.body?.scopes ?? [];
      return respond(reply, userId, typeof scopes === 'string' ? [scopes] : scopes, request.body?.minValiditySeconds);
    },
  );
}
