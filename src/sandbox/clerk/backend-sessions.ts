import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ClerkApiError, clerkErrors } from './clerk-errors.js';
import { type ClerkInstance, endSession, requireSession, requireUser } from './instance.js';
import { intParam, parseParams } from './params.js';
import { requestInfo } from './request-info.js';
import { sessionJson } from './serialize.js';
import { mintSessionToken } from './session-token.js';

const createSessionSchema = z.object({ user_id: z.string().min(1) });
const tokenSchema = z.object({ expires_in_seconds: z.number().int().min(30).max(315_360_000).optional() });

/** Registers the Backend API's sessions: list, create, get, revoke, and session tokens. */
export function registerBackendSessions(app: FastifyInstance, instance: ClerkInstance): void {
  app.get('/v1/sessions', async (request) => {
    const query = request.query as Record<string, unknown>;
    const userId = typeof query.user_id === 'string' ? query.user_id : undefined;
    const clientId = typeof query.client_id === 'string' ? query.client_id : undefined;
    if (userId === undefined && clientId === undefined) throw clerkErrors.formParamMissing('user_id');
    const status = typeof query.status === 'string' ? query.status : undefined;
    const limit = intParam('limit', query.limit, 10, 500);
    const offset = intParam('offset', query.offset, 0, 1_000_000);
    const sessions = [...instance.store.sessions.values()]
      .filter(
        (s) => (userId === undefined || s.userId === userId) && (clientId === undefined || s.clientId === clientId),
      )
      .filter((s) => status === undefined || instance.store.statusOf(s) === status)
      .sort((a, b) => b.createdAt - a.createdAt);
    const page = sessions.slice(offset, offset + limit).map((s) => sessionJson(s, instance.store.statusOf(s)));
    return query.paginated === 'true' ? { data: page, total_count: sessions.length } : page;
  });
  app.post('/v1/sessions', async (request) => {
    const params = parseParams(createSessionSchema, request.body);
    const user = requireUser(instance, params.user_id);
    const session = instance.store.createSession(user);
    instance.webhooks.emit('session.created', sessionJson(session), requestInfo(request));
    return sessionJson(session);
  });
  app.get('/v1/sessions/:sessionId', async (request) => {
    const session = requireSession(instance, sessionIdOf(request));
    return sessionJson(session, instance.store.statusOf(session));
  });
  app.post('/v1/sessions/:sessionId/revoke', async (request) => {
    const session = requireSession(instance, sessionIdOf(request));
    endSession(instance, session, 'revoked', requestInfo(request));
    return sessionJson(session);
  });
  app.post('/v1/sessions/:sessionId/tokens', async (request) => {
    const session = requireSession(instance, sessionIdOf(request));
    const params = parseParams(tokenSchema, request.body);
    if (instance.store.statusOf(session) !== 'active') throw clerkErrors.sessionNotActive();
    const jwt = await mintSessionToken(instance.key, instance.clock, {
      session,
      issuer: instance.issuer,
      ...(params.expires_in_seconds === undefined ? {} : { expiresInSeconds: params.expires_in_seconds }),
    });
    return { object: 'token', jwt };
  });
  app.post('/v1/sessions/:sessionId/tokens/:template', async (request) => {
    requireSession(instance, sessionIdOf(request));
    const { template } = request.params as { template: string };
    throw new ClerkApiError(404, 'resource_not_found', 'not found', `No JWT template exists with name: ${template}`);
  });
}

function sessionIdOf(request: FastifyRequest): string {
  return (request.params as { sessionId: string }).sessionId;
}
