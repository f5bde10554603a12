import { pipeline, Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { DEFAULT_PROXY_MAX_BYTES } from '../../config/env.js';
import { ScopesMissingError, UpstreamTooLargeError, UpstreamUnavailableError } from '../../core/errors.js';
import { missingScopes } from '../../core/scopes.js';
import { byteCap } from '../byte-cap.js';
import { signedInUser } from '../caller.js';
import type { RouteContext } from '../context.js';
import { type ProxyService, proxyTarget } from '../proxy-target.js';

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
/** The largest request body passed on to Google. */
const PROXY_BODY_LIMIT = 1024 * 1024;

/** Response headers passed back from Google. */
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'retry-after', 'etag'];
/** Google's error bodies are small; a 403 is read whole (up to this) to tell a scope error from the rest. */
const ERROR_BODY_MAX_BYTES = 64 * 1024;
/**
 * Anything but JSON (Drive's `alt=media`, Gmail attachments, Google's own HTML) is a download, never a page of the
 * bridge's origin: no script runs, no form posts, no same-origin access.
 */
const DOWNLOAD_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/**
 * `/api/google/proxy/{drive|people|gmail|calendar}/…`: calls the Google API with the signed-in user's token.
 * Only the fixed map of services is reachable. A 401 is retried once with a forced refresh; Google's scope error
 * becomes `scopes_missing` with a connect URL; everything else, 429 with Retry-After included, passes through.
 * Bodies are streamed, never held whole, up to `proxyMaxBytes`.
 */
export async function googleProxyRoutes(app: FastifyInstance, context: RouteContext): Promise<void> {
  const maxBytes = context.config.proxyMaxBytes ?? DEFAULT_PROXY_MAX_BYTES;
  // Under PUBLIC_URL's path when the bridge is mounted under one.
  const prefix = `${app.prefix}/api/google/proxy/`;
  // Bodies go to Google as sent, whatever their type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: PROXY_BODY_LIMIT }, (_request, body, done) => {
    done(null, body);
  });

  app.route<{ Params: { service: string; '*': string } }>({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/api/google/proxy/:service/*',
    // On the route as well as the parser: a route's limit wins over its parser's, and the plugin gives every route one.
    bodyLimit: PROXY_BODY_LIMIT,
    config: { credential: 'session', limitGroup: 'proxy' },
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
        raw.startsWith(prefix) ? raw.slice(prefix.length) : '',
        context.config.google.baseUrl,
      );
      const userId = signedInUser(request);
      const body = Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined;
      const headers: Record<string, string> = {};
      for (const name of FORWARDED_REQUEST_HEADERS) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }

      let token = await context.bridge.getAccessToken(userId, { scopes: [] });
      let upstream = await call(url, request.method, headers, body, token.accessToken);
      if (upstream.status === 401) {
        await upstream.body?.cancel().catch(() => undefined);
        token = await context.bridge.getAccessToken(userId, { scopes: [], forceRefresh: true });
        upstream = await call(url, request.method, headers, body, token.accessToken);
      }
      if (upstream.status === 403) {
        const payload = await readSmall(upstream, Math.min(ERROR_BODY_MAX_BYTES, maxBytes || ERROR_BODY_MAX_BYTES));
        if (isScopeError(payload)) {
          const suggested = SUGGESTED_SCOPES[service][request.method === 'GET' ? 'read' : 'write'];
          const missing = missingScopes(token.scopes, [suggested]);
          const wanted = missing.length > 0 ? missing : [suggested];
          throw new ScopesMissingError(wanted, context.connectUrl(wanted));
        }
        return relayHead(reply, upstream).send(payload);
      }
      return relay(reply, upstream, maxBytes);
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
  // The timeout bounds the wait for Google's answer to start, not a long download after it.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error('Google did not answer in time.')), UPSTREAM_TIMEOUT_MS);
  try {
    return await fetch(url, {
      method,
      headers: { ...headers, authorization: `Bearer ${accessToken}` },
      ...(body && method !== 'GET' ? { body: new Uint8Array(body) } : {}),
      // A redirect would be the one way to reach a host outside the map.
      redirect: 'manual',
      signal: abort.signal,
    });
  } catch (error) {
    throw new UpstreamUnavailableError('google', 1, error);
  } finally {
    clearTimeout(timer);
  }
}

/** Status and headers of Google's answer, as the bridge passes them on. */
function relayHead(reply: FastifyReply, upstream: Response): FastifyReply {
  reply.code(upstream.status >= 300 && upstream.status < 400 ? 502 : upstream.status);
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value !== null) reply.header(name, value);
  }
  reply.header('cache-control', 'no-store');
  if (!isJson(upstream.headers.get('content-type'))) {
    reply.header('content-disposition', 'attachment');
    reply.header('content-security-policy', DOWNLOAD_CSP);
  }
  return reply;
}

/**
 * Streams Google's answer through: a declared length over `maxBytes` is refused before anything is sent (502
 * `upstream_too_large`); an undeclared one that passes it is cut off there, so the client sees a truncated body.
 */
async function relay(reply: FastifyReply, upstream: Response, maxBytes: number): Promise<FastifyReply> {
  const declared = declaredLength(upstream);
  if (maxBytes > 0 && declared !== undefined && declared > maxBytes) {
    await upstream.body?.cancel().catch(() => undefined);
    throw new UpstreamTooLargeError(maxBytes, declared);
  }
  relayHead(reply, upstream);
  if (upstream.body === null) return reply.send();
  // fetch has decoded any Content-Encoding, so Google's Content-Length counts other bytes: only a plain one is kept.
  if (declared !== undefined && upstream.headers.get('content-encoding') === null) {
    reply.header('content-length', String(declared));
  }
  const source = Readable.fromWeb(upstream.body as WebReadableStream<Uint8Array>);
  return reply.send(pipeline(source, byteCap(maxBytes), () => {}));
}

/** Reads a body known to be small (an error), refusing one over `maxBytes` without holding more than that. */
async function readSmall(upstream: Response, maxBytes: number): Promise<Buffer> {
  if (upstream.body === null) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of Readable.fromWeb(upstream.body as WebReadableStream<Uint8Array>)) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) throw new UpstreamTooLargeError(maxBytes, total);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function declaredLength(upstream: Response): number | undefined {
  const raw = upstream.headers.get('content-length');
  return raw !== null && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

function isJson(contentType: string | null): boolean {
  const type = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
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
