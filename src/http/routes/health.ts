import type { FastifyInstance } from 'fastify';
import type { StoreHealth } from '../../storage/store.js';
import type { RouteContext } from '../context.js';

const READY_TIMEOUT_MS = 2000;

/**
 * `/healthz` (the process answers) and `/readyz` (it can serve: the database answers, and on PostgreSQL the refresh
 * lock's and the change feed's own sessions are up, re-opened by the probe itself when they had dropped). `hide`
 * leaves them out of the OpenAPI document (the copies at the root when the bridge is mounted under a path).
 */
export async function healthRoutes(
  app: FastifyInstance,
  context: Pick<RouteContext, 'store'> & { hide?: boolean },
): Promise<void> {
  const hide = context.hide ?? false;
  app.get(
    '/healthz',
    {
      logLevel: 'warn',
      schema: {
        hide,
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
        hide,
        summary: 'Readiness: the database, the refresh lock and the change feed',
        response: {
          '2xx': readySchema,
          503: readySchema,
        },
      },
    },
    async (_request, reply) => {
      const checks = await probeStore(context.store);
      const ready = checks.database === 'ok' && checks.locks === 'ok' && checks.changeFeed === 'ok';
      reply.header('cache-control', 'no-store');
      if (!ready) reply.code(503).header('retry-after', '5');
      return { status: ready ? 'ready' : 'unavailable', checks };
    },
  );
}

const readySchema = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    checks: {
      type: 'object',
      properties: { database: { type: 'string' }, locks: { type: 'string' }, changeFeed: { type: 'string' } },
    },
  },
} as const;

const UNREACHABLE: StoreHealth = { database: 'unreachable', locks: 'unreachable', changeFeed: 'unreachable' };

/** The store's health within {@link READY_TIMEOUT_MS}. */
async function probeStore(store: RouteContext['store']): Promise<StoreHealth> {
  const health = store.health();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<StoreHealth>((resolve) => {
    timer = setTimeout(() => resolve(UNREACHABLE), READY_TIMEOUT_MS);
  });
  try {
    return await Promise.race([health, timeout]);
  } catch {
    return UNREACHABLE;
  } finally {
    clearTimeout(timer);
  }
}
