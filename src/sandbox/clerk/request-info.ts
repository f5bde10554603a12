import type { FastifyRequest } from 'fastify';

/** Who made a request: the client's IP and user agent. */
export interface RequestInfo {
  ip: string;
  userAgent: string;
}

/** Who made a request, as webhook events record it in `event_attributes.http_request`. */
export function requestInfo(request: FastifyRequest): RequestInfo {
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? '' };
}
