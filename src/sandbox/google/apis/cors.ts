import type { FastifyInstance } from 'fastify';

/** The path prefixes of the APIs, for preflight requests. */
const PREFIXES = ['/drive/v3/', '/v1/people/', '/gmail/v1/', '/calendar/v3/'];

/**
 * CORS as Google's API front end does it: any origin may call with a bearer token (the token is the credential, not a
 * cookie), and preflights succeed for the headers asked. Without this, a browser app (gapi, GIS token flow) could not
 * call the emulator the way it calls Google.
 */
export function registerCors(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (typeof origin !== 'string') return;
    reply.header('access-control-allow-origin', origin);
    reply.header('vary', 'Origin, X-Origin, Referer');
    reply.header('access-control-expose-headers', 'Content-Type, Retry-After, WWW-Authenticate, Date, Vary');
  });
  for (const prefix of PREFIXES) {
    app.options(`${prefix}*`, async (request, reply) => {
      const asked = request.headers['access-control-request-headers'];
      return reply
        .code(200)
        .header('access-control-allow-methods', 'DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT')
        .header('access-control-allow-headers', typeof asked === 'string' ? asked : 'authorization,content-type')
        .header('access-control-max-age', '3600')
        .header('content-type', 'text/html; charset=UTF-8')
        .send('');
    });
  }
}
