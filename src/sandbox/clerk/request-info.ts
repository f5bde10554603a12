import type { FastifyRequest } from 'fastify';

/** Who made a request, as webhook events record it in `event_attributes.http_request`. */
export function requestInfo(request: FastifyRequest): { ip: string; userAgent: string } {
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? '' };
}
