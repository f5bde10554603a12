import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Attempts, SignInAttempt, SignUpAttempt, Verification } from './attempts.js';
import { signInJson, signUpJson } from './attempts-json.js';
import { ensureClient } from './browser-client.js';
import { ClerkApiError, clerkErrors } from './clerk-errors.js';
import type { EmailCodes } from './email-codes.js';
import { allowedRedirect, type ClerkInstance } from './instance.js';
import type { ClientRecord, UserRecord } from './model.js';
import type { OAuthTransactions } from './oauth-flow.js';
import { emailSchema, parseParams } from './params.js';
import { requestInfo } from './request-info.js';
import { sessionJson, userJson } from './serialize.js';

const CODE_TTL_MS = 10 * 60_000;
const MAX_ATTEMPTS = 5;

const formError = (code: string, message: string, param: string, status = 422) =>
  new ClerkApiError(status, code, message, message, { param_name: param });

/** What clerk-js sends with every sign-in or sign-up besides its fields: read and let be. */
const CLIENT_CONTEXT = {
  locale: z.string().max(64).optional(),
  timezone: z.string().max(64).optional(),
  captcha_token: z.string().max(4096).optional(),
  captcha_widget_type: z.string().max(64).optional(),
  captcha_error: z.string().max(1024).optional(),
  oidc_prompt: z.string().max(64).optional(),
  oidc_login_hint: z.string().max(320).optional(),
};

const createSignInSchema = z.object({
  ...CLIENT_CONTEXT,
  identifier: z.string().max(320).optional(),
  strategy: z.string().max(64).optional(),
  password: z.string().max(256).optional(),
  redirect_url: z.string().max(4096).optional(),
  action_complete_redirect_url: z.string().max(4096).optional(),
});
const prepareSchema = z.object({
  ...CLIENT_CONTEXT,
  strategy: z.string().max(64),
  email_address_id: z.string().max(64).optional(),
  redirect_url: z.string().max(4096).optional(),
});
const attemptSchema = z.object({
  ...CLIENT_CONTEXT,
  strategy: z.string().max(64),
  code: z.string().max(32).optional(),
  password: z.string().max(256).optional(),
});
const signUpSchema = z.object({
  ...CLIENT_CONTEXT,
  transfer: z.unknown().optional(),
  email_address: z.string().max(320).optional(),
  password: z.string().max(256).optional(),
  first_name: z.string().max(256).optional(),
  last_name: z.string().max(256).optional(),
  strategy: z.string().max(64).optional(),
  redirect_url: z.string().max(4096).optional(),
  action_complete_redirect_url: z.string().max(4096).optional(),
  unsafe_metadata: z.unknown().optional(),
  legal_accepted: z.unknown().optional(),
});

export interface FrontendAuthDeps {
  instance: ClerkInstance;
  attempts: Attempts;
  codes: EmailCodes;
  flows: OAuthTransactions;
  /** Answers `{response, client}` as every Frontend API call does, its session tokens minted for the request's origin. */
  wrap: (request: FastifyRequest, client: ClientRecord, response: unknown) => unknown;
}

/**
 * The Frontend API's sign-ins and sign-ups as clerk-js drives them: by email code (Clerk's test code `424242` for a
 * `+clerk_test` address; other codes through the control API), by password, or with Google through the Google
 * emulator. A completed attempt leaves a session on the client, as Clerk's does.
 */
export function registerFrontendAuth(app: FastifyInstance, deps: FrontendAuthDeps): void {
  const { instance, attempts, codes, flows, wrap } = deps;
  const { store } = instance;
  const now = () => instance.clock.now();

  const signInReply = (request: FastifyRequest, client: ClientRecord, attempt: SignInAttempt) =>
    wrap(request, client, signInJson(attempt, attempt.userId === null ? undefined : store.users.get(attempt.userId)));

  const ownSignIn = (request: FastifyRequest, reply: FastifyReply) => {
    const client = ensureClient(instance, request, reply);
    const attempt = attempts.signIns.get((request.params as { id: string }).id);
    if (attempt === undefined || attempt.clientId !== client.id) throw clerkErrors.notFound('Sign in');
    if (attempt.createdSessionId !== null) {
      throw new ClerkApiError(400, 'sign_in_already_complete', 'already complete', 'This sign in is already complete.');
    }
    return { client, attempt };
  };

  /** Starts an active session for `user` on `client`, announced as Clerk does. */
  const startSession = (request: FastifyRequest, client: ClientRecord, user: UserRecord): string => {
    const session = store.createSession(user, client);
    instance.webhooks.emit('session.created', sessionJson(session), requestInfo(request));
    return session.id;
  };

  const googleTrip = (raw: string | undefined, purpose: { signInId?: string; signUpId?: string }): Verification => ({
    strategy: 'oauth_google',
    status: 'unverified',
    attempts: 0,
    expireAt: now() + CODE_TTL_MS,
    redirectUrl: flows.start({
      purpose: { kind: 'sign_in', ...purpose },
      redirectUrl: allowedRedirect(instance, raw),
      additionalScopes: [],
    }),
  });

  app.post('/v1/client/sign_ins', async (request, reply) => {
    const params = parseParams(createSignInSchema, request.body);
    const client = ensureClient(instance, request, reply);
    const attempt = attempts.newSignIn(client.id, now());
    if (params.strategy === 'oauth_google') {
      attempt.firstFactor = googleTrip(params.redirect_url, { signInId: attempt.id });
      return signInReply(request, client, attempt);
    }
    if (params.identifier === undefined || params.identifier.trim() === '')
      return signInReply(request, client, attempt);
    const email = emailSchema.safeParse(params.identifier);
    const user = email.success ? store.findUserByEmail(email.data) : undefined;
    if (user === undefined) {
      throw formError('form_identifier_not_found', "Couldn't find your account.", 'identifier');
    }
    attempt.identifier = email.data ?? params.identifier;
    attempt.userId = user.id;
    if (params.strategy === 'password' || params.password !== undefined) {
      checkPassword(user, params.password, attempt);
      attempt.createdSessionId = startSession(request, client, user);
    }
    return signInReply(request, client, attempt);
  });

  app.get('/v1/client/sign_ins/:id', async (request, reply) => {
    const client = ensureClient(instance, request, reply);
    const attempt = attempts.signIns.get((request.params as { id: string }).id);
    if (attempt === undefined || attempt.clientId !== client.id) throw clerkErrors.notFound('Sign in');
    return signInReply(request, client, attempt);
  });

  app.post('/v1/client/sign_ins/:id/prepare_first_factor', async (request, reply) => {
    const { client, attempt } = ownSignIn(request, reply);
    const params = parseParams(prepareSchema, request.body);
    const user = attempt.userId === null ? undefined : store.users.get(attempt.userId);
    if (params.strategy === 'oauth_google') {
      attempt.firstFactor = googleTrip(params.redirect_url, { signInId: attempt.id });
      return signInReply(request, client, attempt);
    }
    if (params.strategy !== 'email_code' || user === undefined) {
      throw formError('strategy_for_user_invalid', 'Invalid verification strategy', 'strategy');
    }
    const email =
      user.emailAddresses.find((e) => e.id === params.email_address_id) ??
      user.emailAddresses.find((e) => e.id === user.primaryEmailAddressId);
    if (email === undefined) throw formError('form_param_format_invalid', 'is invalid', 'email_address_id');
    const sent = codes.send(email.emailAddress);
    attempt.firstFactor = { strategy: 'email_code', status: 'unverified', attempts: 0, expireAt: sent.expiresAt };
    return signInReply(request, client, attempt);
  });

  app.post('/v1/client/sign_ins/:id/attempt_first_factor', async (request, reply) => {
    const { client, attempt } = ownSignIn(request, reply);
    const params = parseParams(attemptSchema, request.body);
    const user = attempt.userId === null ? undefined : store.users.get(attempt.userId);
    if (user === undefined) throw formError('strategy_for_user_invalid', 'Invalid verification strategy', 'strategy');
    if (params.strategy === 'password') {
      checkPassword(user, params.password, attempt);
    } else if (params.strategy === 'email_code') {
      const factor = attempt.firstFactor;
      if (factor?.strategy !== 'email_code') {
        throw formError('verification_missing', 'The code has not been sent. Send it first.', 'code', 400);
      }
      verifyCode(
        factor,
        user.emailAddresses.map((e) => e.emailAddress),
        params.code,
        codes,
      );
    } else {
      throw formError('strategy_for_user_invalid', 'Invalid verification strategy', 'strategy');
    }
    attempt.createdSessionId = startSession(request, client, user);
    return signInReply(request, client, attempt);
  });

  const ownSignUp = (request: FastifyRequest, reply: FastifyReply) => {
    const client = ensureClient(instance, request, reply);
    const attempt = attempts.signUps.get((request.params as { id: string }).id);
    if (attempt === undefined || attempt.clientId !== client.id) throw clerkErrors.notFound('Sign up');
    if (attempt.createdSessionId !== null) {
      throw new ClerkApiError(400, 'sign_up_already_complete', 'already complete', 'This sign up is already complete.');
    }
    return { client, attempt };
  };

  /** Applies a sign-up's fields; creates the user and its session once the email address is verified. */
  const update = (request: FastifyRequest, client: ClientRecord, attempt: SignUpAttempt, body: unknown) => {
    const params = parseParams(signUpSchema, body);
    if (params.strategy === 'oauth_google') {
      attempt.externalAccount = googleTrip(params.redirect_url, { signUpId: attempt.id });
      return wrap(request, client, signUpJson(attempt));
    }
    if (params.email_address !== undefined) {
      const email = emailSchema.safeParse(params.email_address);
      if (!email.success) throw formError('form_param_format_invalid', 'is invalid', 'email_address');
      if (store.findUserByEmail(email.data) !== undefined) {
        throw formError('form_identifier_exists', 'That email address is taken. Please try another.', 'email_address');
      }
      if (email.data !== attempt.emailAddress) attempt.emailVerification = null;
      attempt.emailAddress = email.data;
    }
    if (params.password !== undefined) {
      if (params.password.length < 8) {
        throw formError('form_password_length_too_short', 'Passwords must be 8 characters or more.', 'password');
      }
      attempt.password = params.password;
    }
    if (params.first_name !== undefined) attempt.firstName = params.first_name;
    if (params.last_name !== undefined) attempt.lastName = params.last_name;
    return finishSignUp(request, client, attempt);
  };

  const finishSignUp = (request: FastifyRequest, client: ClientRecord, attempt: SignUpAttempt) => {
    if (attempt.emailAddress !== null && attempt.emailVerification?.status === 'verified') {
      const user = store.createUser({
        emails: [attempt.emailAddress],
        password: attempt.password,
        firstName: attempt.firstName,
        lastName: attempt.lastName,
        verificationStrategy: 'email_code',
      });
      instance.webhooks.emit('user.created', userJson(user), requestInfo(request));
      attempt.createdUserId = user.id;
      attempt.createdSessionId = startSession(request, client, user);
    }
    return wrap(request, client, signUpJson(attempt));
  };

  app.post('/v1/client/sign_ups', async (request, reply) => {
    const client = ensureClient(instance, request, reply);
    return update(request, client, attempts.newSignUp(client.id, now()), request.body);
  });

  app.get('/v1/client/sign_ups/:id', async (request, reply) => {
    const client = ensureClient(instance, request, reply);
    const attempt = attempts.signUps.get((request.params as { id: string }).id);
    if (attempt === undefined || attempt.clientId !== client.id) throw clerkErrors.notFound('Sign up');
    return wrap(request, client, signUpJson(attempt));
  });

  // clerk-js sends an update as `POST …?_method=PATCH`.
  for (const method of ['patch', 'post'] as const) {
    app[method]('/v1/client/sign_ups/:id', async (request, reply) => {
      const { client, attempt } = ownSignUp(request, reply);
      return update(request, client, attempt, request.body);
    });
  }

  app.post('/v1/client/sign_ups/:id/prepare_verification', async (request, reply) => {
    const { client, attempt } = ownSignUp(request, reply);
    const params = parseParams(prepareSchema, request.body);
    if (params.strategy !== 'email_code' || attempt.emailAddress === null) {
      throw formError('form_param_format_invalid', 'is invalid', 'strategy');
    }
    const sent = codes.send(attempt.emailAddress);
    attempt.emailVerification = { strategy: 'email_code', status: 'unverified', attempts: 0, expireAt: sent.expiresAt };
    return wrap(request, client, signUpJson(attempt));
  });

  app.post('/v1/client/sign_ups/:id/attempt_verification', async (request, reply) => {
    const { client, attempt } = ownSignUp(request, reply);
    const params = parseParams(attemptSchema, request.body);
    const factor = attempt.emailVerification;
    if (params.strategy !== 'email_code' || factor === null || attempt.emailAddress === null) {
      throw formError('verification_missing', 'The code has not been sent. Send it first.', 'code', 400);
    }
    verifyCode(factor, [attempt.emailAddress], params.code, codes);
    return finishSignUp(request, client, attempt);
  });
}

function checkPassword(user: UserRecord, password: string | undefined, attempt: SignInAttempt): void {
  attempt.firstFactor = { strategy: 'password', status: 'unverified', attempts: 1, expireAt: null };
  if (user.password === null) {
    throw formError('strategy_for_user_invalid', 'This account has no password: sign in with a code.', 'password');
  }
  if (password !== user.password) {
    attempt.firstFactor.status = 'failed';
    throw formError('form_password_incorrect', 'Password is incorrect. Try again, or use another method.', 'password');
  }
  attempt.firstFactor.status = 'verified';
}

function verifyCode(factor: Verification, emails: string[], code: string | undefined, codes: EmailCodes): void {
  if (factor.status === 'verified') return;
  factor.attempts += 1;
  if (factor.attempts > MAX_ATTEMPTS) {
    factor.status = 'failed';
    throw formError('verification_failed', 'Too many failed attempts. Request a new code.', 'code', 400);
  }
  if (code === undefined || !emails.some((email) => codes.verify(email, code))) {
    throw formError('form_code_incorrect', 'Incorrect code', 'code');
  }
  factor.status = 'verified';
}
