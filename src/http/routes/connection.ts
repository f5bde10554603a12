import type { FastifyInstance } from 'fastify';
import { authenticate } from '../authenticate.js';
import type { RouteContext } from '../context.js';
import { connectionSchema, errorResponses } from '../schemas.js';

/** `GET` and `DELETE /api/google/connection`: the signed-in user's Google connection, and forgetting it. */
export async function connectionRoutes(app: FastifyInstance, context: RouteContext): Promise<void> {
  app.get(
    '/api/google/connection',
    {
      schema: {
        summary: "The signed-in user's Google connection (null when there is none)",
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
      const { userId } = await authenticate(request, context.verifier);
      const connection = await context.bridge.connection(userId);
      reply.header('cache-control', 'no-store');
      return { connection, connectUrl: context.connectUrl(connection?.scopes ?? []) };
    },
  );

  app.delete(
    '/api/google/connection',
    { schema: { summary: 'Revoke at Google and forget the connection (idempotent)', response: errorResponses } },
    async (request, reply) => {
      const { userId } = await authenticate(request, context.verifier);
      await context.bridge.disconnect(userId);
      return reply.code(204).send();
    },
  );
}
