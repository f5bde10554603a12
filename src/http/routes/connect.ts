import type { FastifyInstance } from 'fastify';
import { basePath, GOOGLE_CALLBACK_PATH } from '../../config/public-url.js';
import { InvalidRequestError } from '../../core/errors.js';
import { returnLocation, safeReturnTo } from '../../core/return-to.js';
import { signedInUser } from '../caller.js';
import type { RouteContext } from '../context.js';
import { connectionSchema, errorResponses, scopeListSchema } from '../schemas.js';

/** Holds `return_to` across the trip to Google, so a denied consent can still send the user back. */
const RETURN_COOKIE = 'tb_return_to';
/** The `__session` cookie lives ~60 s; consent can take longer, and the state itself is bound to the user. */
const CALLBACK_SESSION_GRACE_SECONDS = 600;

/** The redirect flow (`/connect/google` → Google → `/oauth/google/callback`) and the popup code flow. */
export async function connectRoutes(app: FastifyInstance, context: RouteContext): Promise<void> {
  const secure = new URL(context.config.publicUrl).protocol === 'https:';
  // The callback's path as the browser sees it (under PUBLIC_URL's path), and the page to return to by default.
  const base = basePath(context.config.publicUrl);
  const returnCookie = { path: `${base}${GOOGLE_CALLBACK_PATH}`, httpOnly: true, sameSite: 'lax', secure } as const;
  const home = `${base}/`;

  app.get<{ Querystring: { scope?: string[]; return_to?: string } }>(
    '/connect/google',
    {
      config: { credential: 'session', limitGroup: 'connect' },
      schema: {
        summary: 'Start connecting Google (redirects to Google consent)',
        querystring: {
          type: 'object',
          properties: { scope: scopeListSchema, return_to: { type: 'string', maxLength: 2048 } },
        },
        response: errorResponses,
      },
    },
    async (request, reply) => {
      const userId = signedInUser(request);
      const returnTo = safeReturnTo(request.query.return_to, home);
      const start = await context.bridge.createAuthorizationUrl({
        userId,
        scopes: request.query.scope ?? [],
        returnTo,
        // Google sends the user back to this origin when the bridge has a redirect URI under it (the sandbox's
        // loopback names), where the browser holds the session and the return cookie set below; else to PUBLIC_URL.
        origin: `${request.protocol}://${request.host}`,
      });
      reply.setCookie(RETURN_COOKIE, returnTo, { ...returnCookie, maxAge: 600 });
      reply.header('cache-control', 'no-store');
      return reply.redirect(start.url, 302);
    },
  );

  app.get<{ Querystring: { code?: string; state?: string; error?: string } }>(
    GOOGLE_CALLBACK_PATH,
    {
      config: { credential: 'session', sessionGraceSeconds: CALLBACK_SESSION_GRACE_SECONDS, limitGroup: 'connect' },
      schema: {
        summary: "Google's redirect back after consent",
        querystring: {
          type: 'object',
          properties: {
            code: { type: 'string', minLength: 1, maxLength: 2048 },
            state: { type: 'string', minLength: 1, maxLength: 512 },
            error: { type: 'string', maxLength: 256 },
          },
        },
        response: errorResponses,
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const { code, state, error } = request.query;
      if (error !== undefined) {
        const marker = /^[a-z_]{1,64}$/.test(error) ? error : 'authorization_failed';
        reply.clearCookie(RETURN_COOKIE, returnCookie);
        return reply.redirect(returnLocation(request.cookies[RETURN_COOKIE] ?? home, marker, home), 302);
      }
      if (state === undefined || code === undefined) {
        throw new InvalidRequestError('The callback needs both "code" and "state" from Google.');
      }
      const result = await context.bridge.completeAuthorization({ userId: signedInUser(request), state, code });
      reply.clearCookie(RETURN_COOKIE, returnCookie);
      return reply.redirect(returnLocation(result.returnTo, 'connected', home), 302);
    },
  );

  app.post<{ Body: { code: string } }>(
    '/api/google/code',
    {
      config: { credential: 'session', limitGroup: 'connect' },
      schema: {
        summary: 'Complete the popup flow with a code from Google Identity Services',
        headers: {
          type: 'object',
          properties: { 'x-requested-with': { type: 'string', maxLength: 64 } },
        },
        body: {
          type: 'object',
          required: ['code'],
          additionalProperties: false,
          properties: { code: { type: 'string', minLength: 1, maxLength: 2048 } },
        },
        response: { 200: { type: 'object', properties: { connection: connectionSchema } }, ...errorResponses },
      },
    },
    async (request, reply) => {
      // Google's advice against CSRF for the code model: a header a cross-site form cannot send.
      const requestedWith = request.headers['x-requested-with'];
      if (typeof requestedWith !== 'string' || requestedWith.toLowerCase() !== 'xmlhttprequest') {
        throw new InvalidRequestError('The X-Requested-With: XmlHttpRequest header is required.');
      }
      const connection = await context.bridge.exchangeCode({ userId: signedInUser(request), code: request.body.code });
      reply.header('cache-control', 'no-store');
      return { connection };
    },
  );
}
