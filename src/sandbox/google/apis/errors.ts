import type { FastifyReply } from 'fastify';

/** One entry of the legacy `errors` array Google still sends beside `status`. */
export interface GoogleErrorItem {
  message: string;
  domain: string;
  reason: string;
  location?: string;
  locationType?: 'header' | 'parameter';
}

/**
 * An error answered in Google's JSON error shape: `{ error: { code, message, errors, status, details? } }`.
 * Thrown anywhere inside a route; the APIs' error handler turns it into the reply.
 */
export class GoogleApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
    readonly errors: GoogleErrorItem[],
    readonly extra: { details?: unknown[]; headers?: Record<string, string>; statusInBody?: boolean } = {},
  ) {
    super(message);
    this.name = 'GoogleApiError';
  }

  /** The same error in the body shape of a service that sends no `status` (see {@link statusInServiceErrors}). */
  withoutStatus(): GoogleApiError {
    return new GoogleApiError(this.code, this.status, this.message, this.errors, {
      ...this.extra,
      statusInBody: false,
    });
  }

  /** The body Google sends for this error. */
  toJSON(): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = {
      code: this.code,
      message: this.message,
      errors: this.errors,
    };
    if (this.extra.statusInBody !== false) error.status = this.status;
    if (this.extra.details) error.details = this.extra.details;
    return { error };
  }
}

/**
 * Whether a service's own errors (after the front end's credential, scope and quota checks) carry `status`. Drive v3's
 * documented and recorded error bodies are `{error: {code, message, errors}}`; the front end's 401/403/429 keep it.
 */
export function statusInServiceErrors(service: string): boolean {
  return service !== 'drive.googleapis.com';
}

/** What Google sets on every JSON reply of these APIs. */
export const JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';

/** Sends `body` as Google does: JSON with an upper-case charset. */
export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('content-type', JSON_CONTENT_TYPE).send(JSON.stringify(body));
}

/** Sends a {@link GoogleApiError} with its headers. */
export function sendGoogleError(reply: FastifyReply, error: GoogleApiError): FastifyReply {
  for (const [name, value] of Object.entries(error.extra.headers ?? {})) reply.header(name, value);
  return sendJson(reply, error.code, error.toJSON());
}

/** A 400 about one query parameter, as Drive, Gmail and Calendar word it ("Invalid Value", reason `invalid`). */
export function invalidParameter(location: string, message = 'Invalid Value'): GoogleApiError {
  return new GoogleApiError(400, 'INVALID_ARGUMENT', message, [
    { message, domain: 'global', reason: 'invalid', location, locationType: 'parameter' },
  ]);
}

/** A 400 for a required query parameter that is missing. */
export function requiredParameter(location: string, message = 'Required parameter: ' + location): GoogleApiError {
  return new GoogleApiError(400, 'INVALID_ARGUMENT', message, [
    { message, domain: 'global', reason: 'required', location, locationType: 'parameter' },
  ]);
}

/** A 400 with reason `badRequest`, as the newer (One Platform) APIs send. */
export function badRequest(message: string): GoogleApiError {
  return new GoogleApiError(400, 'INVALID_ARGUMENT', message, [{ message, domain: 'global', reason: 'badRequest' }]);
}

/** A 404 for an id that names nothing. */
export function notFound(message = 'Requested entity was not found.'): GoogleApiError {
  return new GoogleApiError(404, 'NOT_FOUND', message, [{ message, domain: 'global', reason: 'notFound' }]);
}

/** A 403 for acting on another user's data. */
export function forbidden(message: string): GoogleApiError {
  return new GoogleApiError(403, 'PERMISSION_DENIED', message, [{ message, domain: 'global', reason: 'forbidden' }]);
}
