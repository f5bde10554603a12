import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../context.js';

const READY_TIMEOUT_MS = 2000;

/** `/healthz` (the process answers) and `/readyz` (it can serve: the database answers too). */
export async function healthRoutes(app: FastifyInstance, context: RouteContext): Promise<void> {
  app.get(
    '/healthz',
    {
      logLevel: 'warn',
      schema: {
        summary: 'Liveness',
        response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      logLevel: 'warn',
      schema: {
        summary: 'Readiness, including the database',
        response: {
          '2xx': readySchema,
          503: readySchema,
        },
      },
    },
    async (_request, reply) => {
      const database = await probe(() => context.store.ping());
      reply.header('cache-control', 'no-store');
      if (database !== 'ok') reply.code(503).header('retry-after', '5');
      return { status: database === 'ok' ? 'ready' : 'unavailable', checks: { database } };
    },
  );
}

const readySchema = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    checks: { type: 'object', properties: { database: { type: 'string' } } },
  },
} as const;

async function probe(check: () => Promise<void>): Promise<'ok' | 'unreachable'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'unreachable'>((resolve) => {
    timer = setTimeout(() => resolve('unreachable'), READY_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then(() => 'ok' as const), timeout]);
  } catch {
    return 'unreachable';
  } finally {
    clearTimeout(timer);
  }
}
