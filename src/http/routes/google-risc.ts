import type { FastifyInstance } from 'fastify';
import { createRiscVerifier, GOOGLE_RISC_CONFIGURATION_URL } from '../../core/risc.js';
import type { RouteContext } from '../context.js';
import { errorResponses } from '../schemas.js';

/** Where Google pushes Security Event Tokens; register `$PUBLIC_URL` + this path as the RISC receiver. */
export const GOOGLE_RISC_PATH = '/webhooks/google/risc';

/** A SET is a few hundred bytes; the verifier refuses anything over 16 KB, the parser anything over this. */
const BODY_LIMIT = 32 * 1024;

/**
 * `POST /webhooks/google/risc`: Google's Cross-Account Protection receiver. Verifies the Security Event Token
 * (keys and issuer from the RISC configuration, `aud` the bridge's client id), applies it once per `jti`, and answers
 * 202 with no body, duplicates included. A bad token answers 400; Google's keys being unreachable 503, so Google
 * delivers again later.
 */
export async function googleRiscRoutes(app: FastifyInstance, context: RouteContext): Promise<void> {
  const { google } = context.config;
  const verifier = createRiscVerifier({
    configurationUrl: google.baseUrl
      ? `${google.baseUrl.replace(/\/+$/, '')}/.well-known/risc-configuration`
      : GOOGLE_RISC_CONFIGURATION_URL,
    audiences: [google.clientId],
    clock: context.clock,
  });

  // The body is the compact JWS itself (application/secevent+jwt); whatever the declared type, it is read as text.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => {
    done(null, body);
  });

  app.post<{ Body: string }>(
    GOOGLE_RISC_PATH,
    {
      // On the route as well as the parser: a route's limit wins over its parser's, and the plugin gives every route one.
      bodyLimit: BODY_LIMIT,
      schema: {
        summary: 'Google Cross-Account Protection (RISC) security events',
        description:
          'A Security Event Token (application/secevent+jwt). tokens-revoked, token-revoked, sessions-revoked and ' +
          'account-disabled mark the affected connections needs_reconnect; a replayed jti is accepted and ignored.',
        response: { 202: { type: 'null', description: 'Accepted (also for a duplicate jti).' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const events = await verifier.verify(typeof request.body === 'string' ? request.body : '');
      const result = await context.bridge.applySecurityEvents(events);
      request.log.info(
        {
          jti: events[0]?.jti,
          types: events.map((e) => e.type),
          duplicate: result.duplicate,
          affected: result.affectedUserIds.length,
          stale: result.staleUserIds.length,
        },
        'Google security event received',
      );
      return reply.code(202).send();
    },
  );
}
