import type { FastifyInstance } from 'fastify';
import { StorageUnavailableError } from '../../core/errors.js';
import type { StoreMaintenance } from '../../storage/maintenance.js';
import type { AuditEntry } from '../../storage/store.js';
import { apiKeyName, signedInUser } from '../caller.js';
import { errorResponses, userIdParamsSchema } from '../schemas.js';

const auditEntrySchema = {
  type: 'object',
  required: ['id', 'at', 'action', 'actor', 'detail'],
  properties: {
    id: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    action: {
      type: 'string',
      description:
        'connect, reconnect, link_replaced, refresh, refresh_failed, needs_reconnect, disconnect, revoke, token_read, …',
    },
    actor: {
      type: 'string',
      description: 'user, system, api_key:<name>, cli:<os user>, clerk_webhook, google_risc, clerk, …',
    },
    detail: { type: 'object', additionalProperties: true },
  },
} as const;

const auditPageSchema = {
  type: 'object',
  required: ['data', 'nextCursor'],
  properties: {
    data: { type: 'array', items: auditEntrySchema },
    nextCursor: {
      anyOf: [{ type: 'string' }, { type: 'null' }],
      description: 'Pass as `cursor` for the next (older) page; null on the last page.',
    },
  },
} as const;

const pageQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    cursor: { type: 'string', pattern: '^[0-9a-z]{1,64}$' },
  },
} as const;

interface PageQuery {
  limit?: number;
  cursor?: string;
}

/**
 * The audit trail, newest first, paginated by cursor: `GET /api/audit` for the signed-in user (session) and
 * `GET /api/users/{userId}/audit` for the app's backend (API key). Entries never hold a secret.
 */
export async function auditRoutes(
  app: FastifyInstance,
  options: { audit: Pick<StoreMaintenance, 'auditPage'> | undefined },
): Promise<void> {
  const page = async (userId: string, query: PageQuery) => {
    if (!options.audit) throw new StorageUnavailableError(new Error('audit trail not available'));
    const limit = query.limit ?? 50;
    // One extra row says whether an older page exists.
    const rows = await options.audit.auditPage({
      userId,
      limit: limit + 1,
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
    const data = rows.slice(0, limit).map(toWire);
    return { data, nextCursor: rows.length > limit ? (data.at(-1)?.id ?? null) : null };
  };

  app.get<{ Querystring: PageQuery }>(
    '/api/audit',
    {
      config: { credential: 'session', limitGroup: 'audit' },
      schema: {
        summary: "The signed-in user's audit trail (connect, refresh, disconnect, revoke, token reads), newest first",
        querystring: pageQuerySchema,
        response: { 200: auditPageSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const userId = signedInUser(request);
      reply.header('cache-control', 'no-store');
      return page(userId, request.query);
    },
  );

  app.get<{ Params: { userId: string }; Querystring: PageQuery }>(
    '/api/users/:userId/audit',
    {
      config: { credential: 'api_key', limitGroup: 'audit' },
      schema: {
        summary: "A user's audit trail, for the app's own backend (API key), newest first",
        params: userIdParamsSchema,
        querystring: pageQuerySchema,
        response: { 200: auditPageSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      apiKeyName(request);
      reply.header('cache-control', 'no-store');
      return page(request.params.userId, request.query);
    },
  );
}

function toWire(entry: AuditEntry) {
  return {
    id: entry.id,
    at: new Date(entry.at).toISOString(),
    action: entry.action,
    actor: entry.actor,
    detail: entry.detail,
  };
}
