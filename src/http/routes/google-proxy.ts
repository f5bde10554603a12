import type { FastifyInstance, FastifyReply } from 'fastify';
import { ScopesMissingError, UpstreamUnavailableError } from '../../core/errors.js';
import { missingScopes } from '../../core/scopes.js';
import { authenticate } from '../authenticate.js';
import type { RouteContext } from '../context.js';
import { type ProxyService, proxyTarget } from '../proxy-target.js';

const PREFIX = '/api/google/proxy/';
const AUTH = 'https://www.googleapis.com/auth/';
const UPSTREAM_TIMEOUT_MS = 30_000;

/** The least scope that reads (GET) or writes each service: what a scope error asks the user to add. */
const SUGGESTED_SCOPES: Record<ProxyService, { read: string; write: string }> = {
  drive: { read: `${AUTH}drive.readonly`, write: `${AUTH}drive.file` },
  people: { read: `${AUTH}contacts.readonly`, write: `${AUTH}contacts` },
  gmail: { read: `${AUTH}gmail.readonly`, write: `${AUTH}gmail.modify` },
  calendar: { read: `${AUTH}calendar.readonly`, write: `${AUTH}calendar.events` },
};

/** Request headers passed on to Google; everything else (cookies, the Clerk token) stays here. */
const FORWARDED_REQUEST_HEADERS = ['accept', 'content-type', 'if-none-match', 'if-match'];
/** Response headers passed back from Google. */
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'retry-after', 'etag'];

/**
 * `/api/google/proxy/{drive|people|gmail|calendar}/…`: calls the Google API with the signed-in user's token.
 * Only the fixed map of services is reachable. A 401 is retried once with a forced refresh; Google's scope error
 * becomes `scopes_missing` with a connect URL; everything else, 429 with Retry-After included, passes through.
 */
export async function googleProxyRoutes(app: FastifyInstance, context: RouteContext): Promise<void> {
  // Bodies go to Google as sent, whatever their type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_request, body, done) => {
    done(null, body);
  });

  app.route<{ Params: { service: string; '*': string } }>({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/api/google/proxy/:service/*',
    schema: {
      summary: 'Call a Google API (drive, people, gmail, calendar) with the signed-in user’s token',
      params: {
        type: 'object',
        properties: {
          service: { type: 'string', enum: ['drive', 'people', 'gmail', 'calendar'] },
          '*': { type: 'string' },
        },
      },
    },
    handler: async (request, reply) => {
      // The raw URL, not Fastify's decoded params: decoding first is how `..%2f` tricks get through.
      const raw = request.raw.url ?? '';
      const { service, url } = proxyTarget(
        raw.startsWith(PREFIX) ? raw.slice(PREFIX.length) : '',
        context.config.google.baseUrl,
      );
      const { userId } = await authenticate(request, context.verifier);
      const body = Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined;
      const headers: Record<string, string> = {};
      for (const name of FORWARDED_REQUEST_HEADERS) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }

      let token = await context.bridge.getAccessToken(userId, { scopes: [] });
      let upstream = await call(url, request.method, headers, body, token.accessToken);
      if (upstream.status === 401) {
        await upstream.arrayBuffer().catch(() => undefined);
        token = await context.bridge.getAccessToken(userId, { scopes: [], forceRefresh: true });
        upstream = await call(url, request.method, headers, body, token.accessToken);
      }
      const payload = Buffer.from(await upstream.arrayBuffer());
      if (upstream.status === 403 && isScopeError(payload)) {
        const suggested = SUGGESTED_SCOPES[service][request.method === 'GET' ? 'read' : 'write'];
        const missing = missingScopes(token.scopes, [suggested]);
        const wanted = missing.length > 0 ? missing : [suggested];
        throw new ScopesMissingError(wanted, context.connectUrl(wanted));
      }
      return relay(reply, upstream, payload);
    },
  });
}

async function call(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  accessToken: string,
): Promise<Response> {
  try {
    return await fetch(url, {
      method,
      headers: { ...headers, authorization: `Bearer ${accessToken}` },
      ...(body && method !== 'GET' ? { body: new Uint8Array(body) } : {}),
      // A redirect would be the one way to reach a host outside the map.
      redirect: 'manual',
      signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
    });
  } catch (error) {
    throw new UpstreamUnavailableError('google', 1, error);
  }
}

function relay(reply: FastifyReply, upstream: Response, payload: Buffer): FastifyReply {
  reply.code(upstream.status >= 300 && upstream.status < 400 ? 502 : upstream.status);
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value !== null) reply.header(name, value);
  }
  reply.header('cache-control', 'no-store');
  return reply.send(payload);
}

/** Google's "insufficient authentication scopes" 403, as opposed to a permission or quota 403. */
function isScopeError(payload: Buffer): boolean {
  try {
    const body = JSON.parse(payload.toString('utf8')) as {
      error?: { details?: Array<{ reason?: string }>; errors?: Array<{ reason?: string }> };
    };
    return (
      body.error?.details?.some((detail) => detail.reason === 'ACCESS_TOKEN_SCOPE_INSUFFICIENT') === true ||
      body.error?.errors?.some((item) => item.reason === 'insufficientPermissions') === true
    );
  } catch {
    return false;
  }
}
