import type { FastifyReply } from 'fastify';

/** Sets the headers Google sends on OAuth JSON answers (tokens must never be cached). */
export function noStore(reply: FastifyReply): FastifyReply {
  return reply
    .type('application/json; charset=utf-8')
    .header('cache-control', 'no-cache, no-store, max-age=0, must-revalidate')
    .header('pragma', 'no-cache')
    .header('expires', 'Mon, 01 Jan 1990 00:00:00 GMT');
}

/** Answers with Google's OAuth error shape `{error, error_description}`. */
export function oauthError(reply: FastifyReply, status: number, error: string, description: string): FastifyReply {
  return noStore(reply).code(status).send({ error, error_description: description });
}

/**
 * Reads one parameter from a parsed query or body, as Google does: only a string counts (a repeated parameter or a
 * JSON object is treated as absent rather than crashing).
 */
export function param(source: unknown, name: string): string | undefined {
  if (source === null || typeof source !== 'object') return undefined;
  const value = (source as Record<string, unknown>)[name];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Reads `name` from the body first, then the query string. */
export function bodyOrQuery(body: unknown, query: unknown, name: string): string | undefined {
  return param(body, name) ?? param(query, name);
}

/** The token of an `Authorization: Bearer` header, if any. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
