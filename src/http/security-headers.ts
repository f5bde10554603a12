import type { FastifyInstance } from 'fastify';

const API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/**
 * Sets the security headers, and the request id, on every answer, errors and 404s included. API answers get a
 * deny-all CSP; pages served from `src/web` set their own policy. HSTS only when the public URL is https. The values
 * are fixed at start-up, and the hook is a plain callback: it costs a request no promise. `includeSubDomains` is off when
 * the bridge is mounted under a path of a site whose sub-domains are not its own to decide for.
 */
export function registerSecurityHeaders(
  app: FastifyInstance,
  options: { https: boolean; includeSubDomains?: boolean },
): void {
  const hsts = `max-age=31536000${options.includeSubDomains === false ? '' : '; includeSubDomains'}`;
  const fixed: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin-allow-popups',
    'x-permitted-cross-domain-policies': 'none',
    ...(options.https ? { 'strict-transport-security': hsts } : {}),
  };
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.headers(fixed);
    reply.header('x-request-id', request.id);
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', API_POLICY);
    done(null, payload);
  });
}
