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

/** One call, as a handler sees it: who calls, with which parameters. */
export interface ApiCall {
  caller: Caller;
  query: Query;
  params: Record<string, string>;
  /** Only there when the handler asked for parsing: the raw `fields` value. */
  fields: string | undefined;
}

/**
 * Declares a read-only API method. Order of checks as Google's front end: credentials (401), scopes (403),
 * quota (429), then the method's own validation (400/404). The `fields` selection applies to whatever the
 * handler returns.
 */
export function apiRoute(
  app: FastifyInstance,
  ctx: ApiContext,
  path: string,
  method: ApiMethod,
  handler: (call: ApiCall) => unknown,
): void {
  app.get(path, async (request, reply) => {
    const caller = authenticate(request, ctx.lookupAccessToken, ctx.accounts);
    authorize(caller, method);
    ctx.rateLimiter.take(caller.account.sub, method.service, caller.clientId);
    try {
      const query = (request.query ?? {}) as Query;
      const fields = one(query, 'fields');
      // Parse before running the handler so a malformed selection fails as a 400 whatever the handler does.
      const tree = fields === undefined ? undefined : parseFields(fields);
      const body = handler({ caller, query, params: request.params as Record<string, string>, fields });
      if (body instanceof RawBody) return reply.code(200).header('content-type', body.contentType).send(body.body);
      return sendJson(reply, 200, tree ? applyFields(body, tree) : body);
    } catch (error) {
      if (error instanceof GoogleApiError && !statusInServiceErrors(method.service)) throw error.withoutStatus();
      throw error;
    }
  });
}
