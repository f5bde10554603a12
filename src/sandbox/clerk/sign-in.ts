import type { FastifyInstance, FastifyReply } from 'fastify';
import { activeSessionOf, CLIENT_COOKIE, clientOf, ensureClient, withDevBrowser } from './browser-client.js';
import { ClerkApiError } from './clerk-errors.js';
import { allowedRedirect, type ClerkInstance, endSession } from './instance.js';
import type { OAuthTransactions } from './oauth-flow.js';
import { scopeList } from './oauth-flow.js';
import { errorPage, homePage, signInPage } from './pages.js';
import { emailSchema } from './params.js';
import { requestInfo } from './request-info.js';
import { sessionJson, userJson } from './serialize.js';

function sendHtml(reply: FastifyReply, status: number, body: string) {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

/** Registers the hosted pages: `/` (who is signed in), `/sign-in` (email or Google), `/sign-out`. */
export function registerSignInPages(
  app: FastifyInstance,
  instance: ClerkInstance,
  flows: OAuthTransactions,
  publishableKey: () => string,
): void {
  const redirectOf = (raw: unknown): URL | undefined => {
    if (raw === undefined || raw === '') return new URL(`${instance.url}/`);
    try {
      return allowedRedirect(instance, raw);
    } catch {
      return undefined;
    }
  };
  const badRedirect = (reply: FastifyReply) =>
    sendHtml(
      reply,
      400,
      errorPage('redirect_url_invalid', 'redirect_url must be an absolute URL on an allowed origin.'),
    );

  app.get('/', async (request, reply) => {
    const active = activeSessionOf(instance, clientOf(instance, request));
    return sendHtml(
      reply,
      200,
      homePage({
        publishableKey: publishableKey(),
        ...(active === undefined ? {} : { user: active.user, sessionId: active.session.id }),
      }),
    );
  });

  app.get('/sign-in', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const redirect = redirectOf(query.redirect_url);
    if (redirect === undefined) return badRedirect(reply);
    return sendHtml(
      reply,
      200,
      signInPage({
        redirectUrl: redirect.toString(),
        users: instance.store.listUsers(),
        defaultScopes: instance.google.baseScopes(),
        ...(typeof query.error === 'string' ? { error: query.error } : {}),
      }),
    );
  });

  app.post('/sign-in', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const redirect = redirectOf(body.redirect_url);
    if (redirect === undefined) return badRedirect(reply);
    const email = emailSchema.safeParse(body.email_address);
    if (!email.success) {
      return sendHtml(
        reply,
        422,
        signInPage({
          redirectUrl: redirect.toString(),
          users: instance.store.listUsers(),
          defaultScopes: instance.google.baseScopes(),
          error: 'Enter a valid email address.',
        }),
      );
    }
    let user = instance.store.findUserByEmail(email.data);
    if (user === undefined) {
      // Signing in with an unknown email signs up, as a development instance with email codes would after the code.
      user = instance.store.createUser({ emails: [email.data], verificationStrategy: 'email_code' });
      instance.webhooks.emit('user.created', userJson(user), requestInfo(request));
    }
    const client = ensureClient(instance, request, reply);
    const session = instance.store.createSession(user, client);
    instance.webhooks.emit('session.created', sessionJson(session), requestInfo(request));
    return reply.redirect(withDevBrowser(redirect, client), 303);
  });

  app.get('/sign-in/google', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const redirect = redirectOf(query.redirect_url);
    if (redirect === undefined) return badRedirect(reply);
    const prompt = typeof query.prompt === 'string' && query.prompt !== '' ? query.prompt : undefined;
    const url = flows.start({
      purpose: { kind: 'sign_in' },
      redirectUrl: redirect,
      additionalScopes: scopeList(query.additional_scope),
      ...(prompt === undefined ? {} : { prompt }),
    });
    return reply.redirect(url, 302);
  });

  app.post('/sign-out', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const redirect = redirectOf(body.redirect_url);
    if (redirect === undefined) return badRedirect(reply);
    const active = activeSessionOf(instance, clientOf(instance, request));
    if (active !== undefined) {
      try {
        endSession(instance, active.session, 'ended', requestInfo(request));
      } catch (error) {
        if (!(error instanceof ClerkApiError)) throw error;
      }
    }
    reply.clearCookie(CLIENT_COOKIE, { path: '/' });
    return reply.redirect(redirect.toString(), 303);
  });
}
