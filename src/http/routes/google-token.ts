import type { FastifyInstance } from 'fastify';
import { signedInUser } from '../caller.js';
import type { RouteContext } from '../context.js';
import { accessTokenSchema, errorResponses, minValiditySchema, scopeListSchema } from '../schemas.js';

interface TokenQuery {
  scope?: string[];
  minValiditySeconds?: number;
}

interface TokenBody {
  scopes?: string[] | string;
  minValiditySeconds?: number;
}

/** Set once: the headers every token answer carries. */
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;
const config = { credential: 'session', limitGroup: 'token' } as const;

/**
 * `GET` and `POST /api/google-token`: a fresh Google access token for the signed-in user, covering the scopes. The
 * scopes and `minValiditySeconds` go to the core as sent; it normalises and checks them.
 */
export async function googleTokenRoutes(app: FastifyInstance, context: RouteContext): Promise<void> {
  app.get<{ Querystring: TokenQuery }>(
    '/api/google-token',
    {
      config,
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
      const { scope = [], minValiditySeconds } = request.query;
      const token = await context.bridge.getAccessToken(signedInUser(request), {
        scopes: scope,
        ...(minValiditySeconds === undefined ? {} : { minValiditySeconds }),
      });
      reply.headers(NO_STORE);
      return token;
    },
  );

  app.post<{ Body: TokenBody | undefined }>(
    '/api/google-token',
    {
      config,
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
      const { scopes = [], minValiditySeconds } = request.body ?? {};
      const token = await context.bridge.getAccessToken(signedInUser(request), {
        scopes: typeof scopes === 'string' ? [scopes] : scopes,
        ...(minValiditySeconds === undefined ? {} : { minValiditySeconds }),
      });
      reply.headers(NO_STORE);
      return token;
    },
  );
}
