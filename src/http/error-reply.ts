import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { TokenBridgeError } from '../core/errors.js';

/** The JSON body of every error answer: `{ "error": { "code", "message", ...details } }`. */
export interface ErrorBody {
  error: { code: string; message: string; [detail: string]: unknown };
}

/** A status, body and extra headers, ready to send. */
export interface ErrorReply {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

interface FastifyLikeError {
  code?: unknown;
  statusCode?: unknown;
  validation?: unknown;
  validationContext?: unknown;
  message?: unknown;
}

/** Fastify's own error codes, each mapped to a stable status and code of ours. */
const FASTIFY_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'The request body must be JSON (Content-Type: application/json).',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'The request body is too large.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'invalid_request',
    message: 'The request body is empty but Content-Type is application/json.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'invalid_request',
    message: 'The Content-Length header does not match the body.',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'invalid_request',
    message: 'The request body is not valid JSON.',
  },
  FST_ERR_BAD_URL: { status: 400, code: 'invalid_request', message: 'The URL is malformed.' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'uri_too_long', message: 'A path parameter is too long.' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, code: 'invalid_request', message: 'The request could not be routed.' },
};

/**
 * Turns anything thrown while handling a request into the wire error shape. Typed errors keep their code and
 * details; Fastify's validation, parsing and size errors become stable 4xx codes; anything else is a 500 whose
 * message says nothing about internals.
 */
export function toErrorReply(error: unknown): ErrorReply {
  if (error instanceof TokenBridgeError) {
    // 502 and 503 name a fault upstream, with a code of their own; any other 5xx is ours and says nothing.
    const status = error.status >= 500 && error.status !== 502 && error.status !== 503 ? 500 : error.status;
    const headers: Record<string, string> = {};
    const retryAfter = error.details['retryAfter'];
    if (typeof retryAfter === 'number' && Number.isFinite(retryAfter)) {
      headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfter)));
    }
    if (status === 500) return internalError();
    return { status, headers, body: { error: { ...error.details, code: error.code, message: error.message } } };
  }
  const fastifyError = (typeof error === 'object' && error !== null ? error : {}) as FastifyLikeError;
  if (Array.isArray(fastifyError.validation)) {
    const where = typeof fastifyError.validationContext === 'string' ? fastifyError.validationContext : 'request';
    return {
      status: 400,
      headers: {},
      body: { error: { code: 'invalid_request', message: describeValidation(where, fastifyError.validation) } },
    };
  }
  const known = typeof fastifyError.code === 'string' ? FASTIFY_ERRORS[fastifyError.code] : undefined;
  if (known)
    return { status: known.status, headers: {}, body: { error: { code: known.code, message: known.message } } };
  // JSON.parse failures and other client faults Fastify tags with a 4xx status.
  const status = typeof fastifyError.statusCode === 'number' ? fastifyError.statusCode : 500;
  if (error instanceof SyntaxError || (status >= 400 && status < 500)) {
    const code = status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'invalid_request';
    return {
      status: status >= 400 && status < 500 ? status : 400,
      headers: {},
      body: { error: { code, message: 'The request could not be parsed.' } },
    };
  }
  return internalError();
}

/** The answer for an unknown route or method. */
export function notFoundReply(method: string, url: string, basePath = ''): ErrorReply {
  const path = url.split('?')[0] ?? '';
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  // The likely cause outside the mount point: a proxy that strips the prefix instead of forwarding the path as it is.
  const outside =
    basePath !== '' && path !== basePath && !path.startsWith(`${basePath}/`)
      ? ` The bridge serves under ${basePath} (PUBLIC_URL's path); a proxy in front must forward that path unchanged.`
      : '';
  return {
    status: 404,
    headers: {},
    body: { error: { code: 'not_found', message: `No route for ${method} ${shown}.${outside}` } },
  };
}

function internalError(): ErrorReply {
  return {
    status: 500,
    headers: {},
    body: { error: { code: 'internal_error', message: 'An unexpected error occurred; it has been logged.' } },
  };
}

function describeValidation(where: string, issues: unknown[]): string {
  const first = (issues[0] ?? {}) as { instancePath?: string; message?: string; params?: Record<string, unknown> };
  const missing = first.params?.['missingProperty'];
  const extra = first.params?.['additionalProperty'];
  const path = (first.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  if (typeof missing === 'string') return `${where}: "${missing}" is required.`;
  if (typeof extra === 'string') return `${where}: "${extra.slice(0, 50)}" is not allowed.`;
  return `${where}${path ? ` "${path}"` : ''} ${first.message ?? 'is invalid'}.`;
}

/**
 * Answers what Node's HTTP parser refuses before any route runs (headers too large, a malformed request line) in the
 * same `{error:{code,message}}` shape as everything else, then closes the connection.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers_too_large', 'The request headers are too large.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'The request took too long to arrive.']
        : [400, 'invalid_request', 'The request is not valid HTTP.'];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
