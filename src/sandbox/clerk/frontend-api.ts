import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Attempts } from './attempts.js';
import { signInJson, signUpJson } from './attempts-json.js';
import { activeSessionOf, clientOf, ensureClient } from './browser-client.js';
import { clerkErrors } from './clerk-errors.js';
import type { EmailCodes } from './email-codes.js';
import { environmentJson } from './environment.js';
import { registerFrontendAuth } from './frontend-auth.js';
import { unlinkExternalAccount } from './google-accounts.js';
import { newId } from './ids.js';
import { allowedRedirect, type ClerkInstance, endSession, isAllowedOrigin, userUpdated } from './instance.js';
import type { ClientRecord, SessionRecord, UserRecord } from './model.js';
import { type OAuthTransactions, scopeList } from './oauth-flow.js';
import { parseParams } from './params.js';
import { requestInfo } from './request-info.js';
import { externalAccountJson, frontendUserJson, sessionJson } from './serialize.js';
import { mintSessionToken } from './session-token.js';

const FRONTEND_PATHS = ['/v1/client', '/v1/me', '/v1/environment', '/v1/dev_browser'];

function isFrontendPath(path: string): boolean {
  return FRONTEND_PATHS.some((p) => path === p || path.startsWith(`${p}/`));
}

/**
 * The client object of the Frontend API: each active session with its user and its last active token (clerk-js puts
 * it in the app's `__session` cookie on load), and the client's sign-in and sign-up under way.
 */
async function clientJson(instance: ClerkInstance, attempts: Attempts, client: ClientRecord, origin?: string) {
  const active = client.sessionIds
    .map((id) => instance.store.sessions.get(id))
    .filter((s): s is SessionRecord => s !== undefined && instance.store.statusOf(s) === 'active');
  const sessions = [];
  for (const session of active) {
    const user = instance.store.users.get(session.userId);
    if (user === undefined) continue;
    const jwt = await mintSessionToken(instance.key, instance.clock, {
      session,
      issuer: instance.issuer,
      ...(origin === undefined ? {} : { azp: origin }),
    });
    sessions.push({
      ...sessionJson(session),
      user: frontendUserJson(user),
      last_active_token: { object: 'token', jwt },
    });
  }
  const last = sessions.some((s) => s.id === client.lastActiveSessionId) ? client.lastActiveSessionId : null;
  const signIn = attempts.signInOf(client.id);
  const signUp = attempts.signUpOf(client.id);
  return {
    object: 'client',
    id: client.id,
    sessions,
    last_active_session_id: last,
    sign_in: signIn === undefined ? null : signInJson(signIn, instance.store.users.get(signIn.userId ?? '')),
    sign_up: signUp === undefined ? null : signUpJson(signUp),
    last_authentication_strategy: null,
    cookie_expires_at: null,
    created_at: client.createdAt,
    updated_at: client.updatedAt,
  };
}

const createExternalAccountSchema = z.object({
  strategy: z.literal('oauth_google'),
  redirect_url: z.string().min(1),
  additional_scope: z.union([z.string(), z.array(z.string())]).optional(),
  oidc_prompt: z.string().optional(),
  oidc_login_hint: z.string().optional(),
  _method: z.string().optional(),
});

const reauthorizeSchema = z.object({
  redirect_url: z.string().min(1),
  additional_scope: z.union([z.string(), z.array(z.string())]).optional(),
  oidc_prompt: z.string().optional(),
  oidc_login_hint: z.string().optional(),
  _method: z.string().optional(),
});

/** Registers the Frontend API clerk.browser.js talks to (`/v1/client…`, `/v1/me…`), with CORS for allowed origins. */
export function registerFrontendApi(
  app: FastifyInstance,
  instance: ClerkInstance,
  flows: OAuthTransactions,
  attempts: Attempts,
  codes: EmailCodes,
): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '/';
    if (!isFrontendPath(path)) return;
    const origin = request.headers.origin;
    if (origin === undefined) return;
    if (!isAllowedOrigin(instance, origin)) throw clerkErrors.originInvalid();
    reply.header('access-control-allow-origin', origin);
    reply.header('access-control-allow-credentials', 'true');
    reply.header('vary', 'Origin');
    if (request.method === 'OPTIONS') {
      reply.header('access-control-allow-methods', 'GET, POST, PATCH, DELETE, OPTIONS');
      reply.header('access-control-allow-headers', 'content-type, authorization');
      reply.header('access-control-max-age', '600');
      return reply.code(204).send();
    }
  });
  // Preflights are answered by the hook above; these routes only make the paths known.
  app.options('/v1/client', async (_request, reply) => reply.code(204).send());
  app.options('/v1/client/*', async (_request, reply) => reply.code(204).send());
  app.options('/v1/me', async (_request, reply) => reply.code(204).send());
  app.options('/v1/me/*', async (_request, reply) => reply.code(204).send());

  // Every answer carries the client, its sessions' tokens minted for the page that asked (`azp`), as Clerk's do.
  const clientOfAnswer = (request: FastifyRequest, client: ClientRecord | undefined) =>
    client === undefined ? null : clientJson(instance, attempts, client, request.headers.origin);
  const wrap = async (request: FastifyRequest, client: ClientRecord | undefined, response: unknown) => ({
    response,
    client: await clientOfAnswer(request, client),
  });
  // An answer that is the client itself: built (and its tokens signed) once, sent as both.
  const answerClient = async (request: FastifyRequest, client: ClientRecord | undefined) => {
    const json = await clientOfAnswer(request, client);
    return { response: json, client: json };
  };

  // clerk-js reads the environment, and writes back what it learnt (`POST …?_method=PATCH`): nothing to keep here.
  app.get('/v1/environment', async () => environmentJson(instance));
  app.patch('/v1/environment', async () => environmentJson(instance));
  app.post('/v1/environment', async () => environmentJson(instance));

  // A development browser: the client token clerk-js keeps on the app's origin (`__clerk_db_jwt`) and sends back.
  app.post('/v1/dev_browser', async (request, reply) => {
    const client = ensureClient(instance, request, reply);
    return { object: 'dev_browser', id: client.token };
  });

  registerFrontendAuth(app, { instance, attempts, codes, flows, wrap });

  app.get('/v1/client', async (request) => {
    const client = clientOf(instance, request);
    return answerClient(request, client);
  });

  app.delete('/v1/client', async (request) => {
    const client = clientOf(instance, request);
    if (client !== undefined) {
      attempts.clear(client.id);
      for (const id of client.sessionIds) {
        const session = instance.store.sessions.get(id);
        if (session !== undefined && instance.store.statusOf(session) === 'active')
          endSession(instance, session, 'ended', requestInfo(request));
      }
    }
    return answerClient(request, client);
  });

  const clientSession = (request: FastifyRequest) => {
    const client = clientOf(instance, request);
    if (client === undefined) throw clerkErrors.signedOut();
    const { sessionId } = request.params as { sessionId: string };
    const session = instance.store.sessions.get(sessionId);
    if (session === undefined || session.clientId !== client.id) throw clerkErrors.notFound('Session');
    return { client, session };
  };

  app.post('/v1/client/sessions/:sessionId/touch', async (request) => {
    const { client, session } = clientSession(request);
    if (instance.store.statusOf(session) !== 'active') throw clerkErrors.signedOut();
    session.lastActiveAt = instance.clock.now();
    client.lastActiveSessionId = session.id;
    const user = instance.store.users.get(session.userId);
    return wrap(request, client, {
      ...sessionJson(session),
      ...(user === undefined ? {} : { user: frontendUserJson(user) }),
    });
  });

  app.post('/v1/client/sessions/:sessionId/tokens', async (request) => {
    const { session } = clientSession(request);
    if (instance.store.statusOf(session) !== 'active') throw clerkErrors.signedOut();
    session.lastActiveAt = instance.clock.now();
    const origin = request.headers.origin;
    const jwt = await mintSessionToken(instance.key, instance.clock, {
      session,
      issuer: instance.issuer,
      ...(origin === undefined ? {} : { azp: origin }),
    });
    return { object: 'token', jwt };
  });

  // `Clerk.signOut()`: every session of this client ends (`DELETE /v1/client/sessions`, or POST with `_method`).
  const removeSessions = async (request: FastifyRequest) => {
    const client = clientOf(instance, request);
    if (client === undefined) throw clerkErrors.signedOut();
    attempts.clear(client.id);
    for (const id of client.sessionIds) {
      const session = instance.store.sessions.get(id);
      if (session !== undefined && instance.store.statusOf(session) === 'active')
        endSession(instance, session, 'removed', requestInfo(request));
    }
    return answerClient(request, client);
  };
  app.delete('/v1/client/sessions', removeSessions);
  app.post('/v1/client/sessions', removeSessions);

  for (const action of ['end', 'remove'] as const) {
    app.post(`/v1/client/sessions/:sessionId/${action}`, async (request) => {
      const { client, session } = clientSession(request);
      if (instance.store.statusOf(session) === 'active')
        endSession(instance, session, action === 'end' ? 'ended' : 'removed', requestInfo(request));
      return wrap(request, client, sessionJson(session));
    });
  }

  const me = (request: FastifyRequest): { client: ClientRecord; user: UserRecord } => {
    const client = clientOf(instance, request);
    const active = activeSessionOf(instance, client);
    if (client === undefined || active === undefined) throw clerkErrors.signedOut();
    return { client, user: active.user };
  };

  app.get('/v1/me', async (request) => {
    const { client, user } = me(request);
    return wrap(request, client, frontendUserJson(user));
  });

  app.post('/v1/me/external_accounts', async (request) => {
    const { client, user } = me(request);
    const params = parseParams(createExternalAccountSchema, request.body);
    const redirectUrl = allowedRedirect(instance, params.redirect_url);
    const url = flows.start({
      purpose: { kind: 'connect', userId: user.id },
      redirectUrl,
      additionalScopes: scopeList(params.additional_scope),
      ...(params.oidc_prompt === undefined ? {} : { prompt: params.oidc_prompt }),
      ...(params.oidc_login_hint === undefined ? {} : { loginHint: params.oidc_login_hint }),
    });
    const now = instance.clock.now();
    // The account exists for real once Google answers; until then it is an unverified placeholder, as in Clerk.
    const pending = externalAccountJson(
      {
        id: newId('eac'),
        identificationId: newId('idn'),
        provider: 'oauth_google',
        providerUserId: '',
        emailAddress: '',
        firstName: '',
        lastName: '',
        imageUrl: '',
        approvedScopes: [],
        tokens: { accessToken: '', scopes: [] },
        createdAt: now,
        updatedAt: now,
      },
      url,
    );
    return wrap(request, client, pending);
  });

  const reauthorize = async (request: FastifyRequest) => {
    const { client, user } = me(request);
    const { externalAccountId } = request.params as { externalAccountId: string };
    const account = user.externalAccounts.find((a) => a.id === externalAccountId);
    if (account === undefined) throw clerkErrors.notFound('External account');
    const params = parseParams(reauthorizeSchema, request.body);
    const redirectUrl = allowedRedirect(instance, params.redirect_url);
    const url = flows.start({
      purpose: { kind: 'reauthorize', userId: user.id, externalAccountId: account.id },
      redirectUrl,
      additionalScopes: scopeList(params.additional_scope),
      existingScopes: account.approvedScopes,
      // Clerk's bug #9177 dropped this; here oidc_prompt always reaches Google as `prompt`.
      ...(params.oidc_prompt === undefined ? {} : { prompt: params.oidc_prompt }),
      loginHint: params.oidc_login_hint ?? account.emailAddress,
    });
    return wrap(request, client, externalAccountJson(account, url));
  };
  // clerk-js sends it as `POST …?_method=PATCH`.
  app.patch('/v1/me/external_accounts/:externalAccountId/reauthorize', reauthorize);
  app.post('/v1/me/external_accounts/:externalAccountId/reauthorize', reauthorize);

  // clerk-js's `externalAccount.destroy()`: the signed-in user removes one of their own external accounts. clerk-js
  // sends it as `POST …?_method=DELETE`.
  const removeExternalAccount = async (request: FastifyRequest) => {
    const { client, user } = me(request);
    const { externalAccountId } = request.params as { externalAccountId: string };
    const account = user.externalAccounts.find((a) => a.id === externalAccountId);
    if (account === undefined) throw clerkErrors.notFound('External account');
    unlinkExternalAccount(instance.clock, user, account);
    userUpdated(instance, user, requestInfo(request));
    return wrap(request, client, { object: 'external_account', id: account.id, deleted: true });
  };
  app.delete('/v1/me/external_accounts/:externalAccountId', removeExternalAccount);
  app.post('/v1/me/external_accounts/:externalAccountId', async (request) => {
    const { _method: method } = (request.query ?? {}) as { _method?: unknown };
    if (typeof method !== 'string' || method.toUpperCase() !== 'DELETE') throw clerkErrors.pathNotFound();
    return removeExternalAccount(request);
  });
}

/** True for the Frontend API paths (their errors carry CORS headers too). */
export function isFrontendRequest(request: FastifyRequest): boolean {
  return isFrontendPath(request.url.split('?', 1)[0] ?? '/');
}
