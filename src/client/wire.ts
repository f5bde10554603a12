import type { GoogleConnection, GoogleToken } from './results.js';

/** The body of every error the bridge answers with: `{ "error": { "code", "message", ... } }`. */
export interface WireError {
  code: string;
  message: string;
  missing?: string[];
  connectUrl?: string;
  reason?: string;
}

/** The `error` member of a bridge error body, or undefined when the body is not one. */
export function wireError(body: unknown): WireError | undefined {
  if (!isObject(body) || !isObject(body.error)) return undefined;
  const { code, message, missing, connectUrl, reason } = body.error;
  if (typeof code !== 'string') return undefined;
  return {
    code,
    message: typeof message === 'string' ? message : code,
    ...(Array.isArray(missing) && missing.every((s) => typeof s === 'string') ? { missing: missing as string[] } : {}),
    ...(typeof connectUrl === 'string' ? { connectUrl } : {}),
    ...(typeof reason === 'string' ? { reason } : {}),
  };
}

/** The body as a token when it has the shape of one (a string token and a parseable expiry). */
export function wireToken(body: unknown): GoogleToken | undefined {
  if (!isObject(body)) return undefined;
  const { accessToken, expiresAt, scopes } = body;
  if (typeof accessToken !== 'string' || accessToken === '') return undefined;
  if (typeof expiresAt !== 'string' || Number.isNaN(Date.parse(expiresAt))) return undefined;
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) return undefined;
  return body as unknown as GoogleToken;
}

/** The body as a connection when it has the shape of one. */
export function wireConnection(body: unknown): GoogleConnection | undefined {
  if (!isObject(body)) return undefined;
  const candidate = isObject(body.connection) ? body.connection : body;
  if (typeof candidate.status !== 'string' || !Array.isArray(candidate.scopes)) return undefined;
  return candidate as unknown as GoogleConnection;
}

/** `Retry-After` in seconds, from either of its two forms (delta-seconds or an HTTP date). */
export function retryAfterSeconds(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
