import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../kit/clock.js';
import type { SeedAccount } from '../seed.js';
import { type AccessTokenInfo, type ApiMethod, authenticate, authorize, type Caller } from './auth.js';
import { GoogleApiError, sendJson, statusInServiceErrors } from './errors.js';
import { applyFields, parseFields } from './fields.js';
import type { PageTokens } from './page-token.js';
import { one, type Query } from './params.js';
import type { RateLimiter } from './rate-limit.js';

/** What every API route needs from the emulator around it. */
export interface ApiContext {
  lookupAccessToken(token: string): AccessTokenInfo | null;
  clock: Clock;
  accounts: SeedAccount[];
  pageTokens: PageTokens;
  rateLimiter: RateLimiter;
}

/** A non-JSON answer, such as a file's bytes for Drive's `alt=media`. */
export class RawBody {
  constructor(
    readonly contentType: string,
    readonly body: Buffer,
  ) {}
}

/** An answer other than `200` with a JSON body: an empty `204`, or a status with headers (a resumable upload's `308`). */
export class ApiReply {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string> = {},
    readonly body?: unknown,
  ) {}
}

/** One call, as a handler sees it: who calls, with which parameters. */
export interface ApiCall {
  caller: Caller;
  query: Query;
  params: Record<string, string>;
  /** Only there when the handler asked for parsing: the raw `fields` value. */
  fields: string | undefined;
  /** The request body's bytes (empty for GET), and the request headers, for the methods that write. */
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
  /** The origin the caller reached the emulator at (for URLs it hands back, such as a resumable upload's). */
  origin: string;
}

/** The HTTP verbs API methods use. */
export type ApiVerb = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Declares an API method (GET unless `verb` says otherwise). Order of checks as Google's front end: credentials
 * (401), scopes (403), quota (429), then the method's own validation (400/404). The `fields` selection applies to
 * whatever the handler returns.
 */
export function apiRoute(
  app: FastifyInstance,
  ctx: ApiContext,
  path: string,
  method: ApiMethod,
  handler: (call: ApiCall) => unknown,
  verb: ApiVerb = 'GET',
): void {
  app.route({
    method: verb,
    url: path,
    handler: async (request, reply) => {
      const caller = authenticate(request, ctx.lookupAccessToken, ctx.accounts);
      authorize(caller, method);
      ctx.rateLimiter.take(caller.account.sub, method.service, caller.clientId);
      try {
        const query = (request.query ?? {}) as Query;
        const fields = one(query, 'fields');
        // Parse before running the handler so a malformed selection fails as a 400 whatever the handler does.
        const tree = fields === undefined ? undefined : parseFields(fields);
        const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const params = request.params as Record<string, string>;
        const origin = `${request.protocol}://${request.host}`;
        const body = handler({ caller, query, params, fields, body: bytes, headers: request.headers, origin });
        if (body instanceof RawBody) return reply.code(200).header('content-type', body.contentType).send(body.body);
        if (body instanceof ApiReply) {
          reply.code(body.status).headers(body.headers);
          return body.body === undefined ? reply.send() : sendJson(reply, body.status, body.body);
        }
        return sendJson(reply, 200, tree ? applyFields(body, tree) : body);
      } catch (error) {
        if (error instanceof GoogleApiError && !statusInServiceErrors(method.service)) throw error.withoutStatus();
        throw error;
      }
    },
  });
}
