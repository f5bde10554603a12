import type { FastifyInstance } from 'fastify';
import { signedInUser } from '../caller.js';
import type { RouteContext } from '../context.js';
import { connectionSchema, errorResponses } from '../schemas.js';

/** `GET` and `DELETE /api/google/connection`: the signed-in user's Google connection, and forgetting it. */
export async function connectionRoutes(app: FastifyInstance, context: RouteContext): Promise<void> {
  app.get(
    '/api/google/connection',
    {
      config: { credential: 'session', limitGroup: 'connection' },
      schema: {
        summary: "The signed-in user's Google connection (null when there is none)",
        description:
          '`check=google` asks Google first whether the grant still works (rate-limited per user; past the limit, the stored state).',
        querystring: { type: 'object', properties: { check: { type: 'string', enum: ['google'] } } },
        response: {
          200: {
            type: 'object',
            required: ['connection', 'connectUrl'],
            properties: {
              connection: { anyOf: [connectionSchema, { type: 'null' }] },
              connectUrl: { type: 'string' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { check } = request.query as { check?: 'google' };
      const connection = await context.bridge.connection(signedInUser(request), {
        checkWithGoogle: check === 'google',
      });
      reply.header('cache-control', 'no-store');
      return { connection, connectUrl: context.connectUrl(connection?.scopes ?? []) };
    },
  );

  app.delete(
    '/api/google/connection',
    {
      config: { credential: 'session', limitGroup: 'connection' },
      schema: { summary: 'Revoke at Google and forget the connection (idempotent)', response: errorResponses },
    },
    async (request, reply) => {
      await context.bridge.disconnect(signedInUser(request));
      return reply.code(204).send();
    },
  );
}
