import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Bodies a cross-site HTML form can send without a CORS preflight: never accepted by a control API. */
const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];
const CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A control request refused before any route runs; the emulator's error handler gives it its own shape. */
export class ControlRequestRefused extends Error {
  constructor(
    readonly statusCode: 403 | 415,
    message: string,
  ) {
    super(message);
    this.name = 'ControlRequestRefused';
  }
}

export interface ControlGuardOptions {
  /** The control API's path prefix, such as `/__emulator`. */
  prefix: string;
  /** The host the emulator listens on (default 127.0.0.1). The Host check applies only to a loopback one. */
  listenHost?: string | undefined;
}

/**
 * Keeps a web page the developer happens to visit from driving an emulator's control API (which can mint sessions,
 * revoke grants and read webhook secrets):
 *
 * - a changing request (POST, PUT, PATCH, DELETE) with a body must say `Content-Type: application/json`, and none
 *   may carry a form's content type, so a cross-site form post is refused (415);
 * - a request a browser marks as coming from another origin (`Origin`, `Sec-Fetch-Site`) is refused (403);
 * - when the emulator listens on a loopback address, the `Host` header must name a loopback host too, so a DNS
 *   rebinding page (`evil.test` resolving to 127.0.0.1) is refused (403). An emulator started on another host
 *   (a container's 0.0.0.0) is reached by other names on purpose, and skips this check.
 *
 * @example
 * guardControlApi(app, { prefix: '/__emulator', listenHost: options.host });
 */
export function guardControlApi(app: FastifyInstance, options: ControlGuardOptions): void {
  const checkHost = isLoopbackName(options.listenHost ?? '127.0.0.1');
  const { prefix } = options;
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (path !== prefix && !path.startsWith(`${prefix}/`)) return;
    if (checkHost && !isLoopbackName(hostName(request.headers.host))) {
      throw new ControlRequestRefused(
        403,
        'The control API answers only requests addressed to a loopback host name (localhost, 127.0.0.1, [::1]).',
      );
    }
    if (isCrossOrigin(request)) {
      throw new ControlRequestRefused(403, 'The control API does not answer requests from other origins.');
    }
    if (!CHANGING.has(request.method)) return;
    const type = (request.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
    if (FORM_TYPES.includes(type) || (hasBody(request) && !isJson(type))) {
      throw new ControlRequestRefused(415, 'The control API takes JSON bodies (Content-Type: application/json).');
    }
  });
}

function isCrossOrigin(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    // `null` (a sandboxed page, a file) or garbage: not this origin.
    return true;
  }
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function isJson(type: string): boolean {
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/** The host name of a `Host` header: `[::1]:3001` → `::1`, `localhost:3001` → `localhost`. */
function hostName(host: string | undefined): string {
  if (host === undefined) return '';
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) return bracketed[1]!;
  return host.replace(/:\d+$/, '');
}

/** localhost, `*.localhost`, 127.0.0.0/8 and ::1: names that only ever reach this machine. */
export function isLoopbackName(name: string): boolean {
  const host = name
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127(\.\d{1,3}){3}$/.test(host) ||
    host === '::1' ||
    host === '0:0:0:0:0:0:0:1' ||
    host === '::ffff:127.0.0.1'
  );
}
