import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Attempts } from './attempts.js';
import { ensureClient, withDevBrowser } from './browser-client.js';
import { ClerkApiError } from './clerk-errors.js';
import { linkGoogleAccount } from './google-accounts.js';
import { GoogleTokenError, type GoogleTokenResponse, type GoogleUserInfo } from './google-client.js';
import { newSecret } from './ids.js';
import { type ClerkInstance, userUpdated } from './instance.js';
import { errorPage } from './pages.js';
import { requestInfo } from './request-info.js';
import { sessionJson, userJson } from './serialize.js';

/** Why a trip to Google was started, and where it returns. */
export type OAuthPurpose =
  /** `signInId`/`signUpId`: the Frontend API attempt (clerk-js) the trip completes; none from the hosted page. */
  | { kind: 'sign_in'; signInId?: string; signUpId?: string }
  | { kind: 'connect'; userId: string }
  | { kind: 'reauthorize'; userId: string; externalAccountId: string };

interface Transaction {
  purpose: OAuthPurpose;
  redirectUrl: URL;
  scopes: string[];
  createdAt: number;
}

const TRANSACTION_TTL_MS = 10 * 60_000;

/** The path Google sends the browser back to; register `{url}/v1/oauth_callback` at Google. */
export const OAUTH_CALLBACK_PATH = '/v1/oauth_callback';

/** Pending trips to Google, by their `state`. */
export class OAuthTransactions {
  private pending = new Map<string, Transaction>();

  constructor(private readonly instance: ClerkInstance) {}

  /** Starts a trip: remembers it and returns Google's authorization URL. */
  start(params: {
    purpose: OAuthPurpose;
    redirectUrl: URL;
    additionalScopes: string[];
    existingScopes?: string[];
    prompt?: string;
    loginHint?: string;
  }): string {
    const { instance } = this;
    this.sweep();
    const scopes = [
      ...new Set([...instance.google.baseScopes(), ...(params.existingScopes ?? []), ...params.additionalScopes]),
    ];
    const state = newSecret();
    this.pending.set(state, {
      purpose: params.purpose,
      redirectUrl: params.redirectUrl,
      scopes,
      createdAt: instance.clock.now(),
    });
    return instance.google.authorizationUrl({
      redirectUri: `${instance.url}${OAUTH_CALLBACK_PATH}`,
      state,
      scopes,
      ...(params.prompt === undefined ? {} : { prompt: params.prompt }),
      ...(params.loginHint === undefined ? {} : { loginHint: params.loginHint }),
    });
  }

  /** Takes (once) the transaction of `state`. */
  take(state: string): Transaction | undefined {
    this.sweep();
    const found = this.pending.get(state);
    this.pending.delete(state);
    return found;
  }

  reset(): void {
    this.pending.clear();
  }

  private sweep(): void {
    const now = this.instance.clock.now();
    for (const [state, t] of this.pending) if (now - t.createdAt > TRANSACTION_TTL_MS) this.pending.delete(state);
  }
}

/** Splits `additional_scope` as apps send it: an array, or a string separated by commas or spaces. */
export function scopeList(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return items
    .filter((v): v is string => typeof v === 'string')
    .flatMap((v) => v.split(/[\s,]+/))
    .filter((v) => v !== '');
}

/** Registers `GET /v1/oauth_callback`, where Google returns with a code (or an error). */
export function registerOAuthCallback(
  app: FastifyInstance,
  instance: ClerkInstance,
  flows: OAuthTransactions,
  attempts: Attempts,
): void {
  app.get(OAUTH_CALLBACK_PATH, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const state = typeof query.state === 'string' ? query.state : '';
    const transaction = flows.take(state);
    if (transaction === undefined) {
      return reply
        .code(400)
        .type('text/html; charset=utf-8')
        .send(errorPage('oauth_state_invalid', 'This sign-in link has expired or was already used. Start again.'));
    }
    const back = (error?: string) => {
      const url = new URL(transaction.redirectUrl);
      if (error !== undefined) url.searchParams.set('clerk_error', error);
      return url;
    };
    if (typeof query.error === 'string' || typeof query.code !== 'string') {
      const error = typeof query.error === 'string' ? query.error : 'oauth_code_missing';
      if (transaction.purpose.kind === 'sign_in') return redirectToSignIn(reply, transaction.redirectUrl, error);
      return reply.redirect(back(error).toString(), 303);
    }
    let tokens: GoogleTokenResponse;
    let info: GoogleUserInfo;
    try {
      tokens = await instance.google.exchangeCode(query.code, `${instance.url}${OAUTH_CALLBACK_PATH}`);
      info = await instance.google.userInfo(tokens.access_token);
    } catch (error) {
      if (!(error instanceof GoogleTokenError)) throw error;
      const code = 'oauth_token_exchange_error';
      if (transaction.purpose.kind === 'sign_in') return redirectToSignIn(reply, transaction.redirectUrl, code);
      return reply.redirect(back(code).toString(), 303);
    }
    try {
      return await finish(instance, attempts, request, reply, transaction, tokens, info);
    } catch (error) {
      if (!(error instanceof ClerkApiError)) throw error;
      if (transaction.purpose.kind === 'sign_in') return redirectToSignIn(reply, transaction.redirectUrl, error.code);
      return reply.redirect(back(error.code).toString(), 303);
    }
  });
}

function redirectToSignIn(reply: FastifyReply, redirectUrl: URL, error: string) {
  const target = new URLSearchParams({ redirect_url: redirectUrl.toString(), error });
  return reply.redirect(`/sign-in?${target}`, 303);
}

async function finish(
  instance: ClerkInstance,
  attempts: Attempts,
  request: FastifyRequest,
  reply: FastifyReply,
  transaction: Transaction,
  tokens: GoogleTokenResponse,
  info: GoogleUserInfo,
) {
  const { store } = instance;
  const { purpose } = transaction;
  if (purpose.kind === 'sign_in') {
    let user = store.findUserByGoogleSub(info.sub) ?? store.findUserByEmail(info.email);
    const created = user === undefined;
    user ??= store.createUser({ emails: [], verificationStrategy: 'from_oauth_google' });
    linkGoogleAccount(instance.clock, user, info, tokens, transaction.scopes);
    // The browser's request (back from Google) is the one Clerk records in the events' http_request.
    if (created) instance.webhooks.emit('user.created', userJson(user), requestInfo(request));
    else userUpdated(instance, user, requestInfo(request));
    // A clerk-js sign-in or sign-up completes on the client that started it (its cookie may not reach this page).
    const signIn = purpose.signInId === undefined ? undefined : attempts.signIns.get(purpose.signInId);
    const signUp = purpose.signUpId === undefined ? undefined : attempts.signUps.get(purpose.signUpId);
    const attemptClient = store.clients.get(signIn?.clientId ?? signUp?.clientId ?? '');
    const client = attemptClient ?? ensureClient(instance, request, reply);
    const session = store.createSession(user, client);
    instance.webhooks.emit('session.created', sessionJson(session), requestInfo(request));
    if (signIn !== undefined) {
      signIn.userId = user.id;
      signIn.identifier = info.email;
      signIn.createdSessionId = session.id;
      if (signIn.firstFactor !== null) signIn.firstFactor.status = 'verified';
    }
    if (signUp !== undefined) {
      signUp.createdUserId = user.id;
      signUp.createdSessionId = session.id;
      if (signUp.externalAccount !== null) signUp.externalAccount.status = 'verified';
    }
    return reply.redirect(withDevBrowser(transaction.redirectUrl, client), 303);
  }
  const user = store.users.get(purpose.userId);
  if (user === undefined) throw new ClerkApiError(404, 'resource_not_found', 'not found', 'User not found');
  const owner = store.findUserByGoogleSub(info.sub);
  if (owner !== undefined && owner.id !== user.id) {
    throw new ClerkApiError(
      422,
      'external_account_exists',
      'already connected',
      'This Google account is already connected to another user.',
    );
  }
  if (purpose.kind === 'reauthorize') {
    const account = user.externalAccounts.find((a) => a.id === purpose.externalAccountId);
    if (account === undefined || account.providerUserId !== info.sub) {
      throw new ClerkApiError(
        422,
        'external_account_mismatch',
        'different account',
        'The Google account used does not match the one being reauthorized.',
      );
    }
  }
  linkGoogleAccount(instance.clock, user, info, tokens, transaction.scopes);
  userUpdated(instance, user, requestInfo(request));
  return reply.redirect(transaction.redirectUrl.toString(), 303);
}
