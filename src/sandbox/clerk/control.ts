import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { CallCounters } from '../kit/counters.js';
import { type FaultInjector, type FaultSpec, faultSpecSchema } from '../kit/faults.js';
import { ClerkApiError, clerkErrors } from './clerk-errors.js';
import { linkGoogleAccount } from './google-accounts.js';
import { type ClerkInstance, endSession, requireSession, requireUser, userUpdated } from './instance.js';
import { emailSchema } from './params.js';
import type { RateLimitSettings } from './rate-limit.js';
import { sessionJson, userJson } from './serialize.js';
import { mintSessionToken } from './session-token.js';
import type { WebhookDelivery, WebhookEndpoint } from './webhooks.js';

/** A user as the Backend API shows it (snake_case). */
export type ClerkUserJson = ReturnType<typeof userJson>;
/** A session as the Backend API shows it. */
export type ClerkSessionJson = ReturnType<typeof sessionJson>;

/** A Google account to attach without going through consent (seeding tests). */
export interface SeedGoogleAccount {
  /** Google's `sub`. */
  sub: string;
  email: string;
  accessToken: string;
  refreshToken?: string;
  /** Seconds the access token lives from now; default 3599. */
  expiresInSeconds?: number;
  scopes: string[];
  givenName?: string;
  familyName?: string;
}

/** What `counters()` reports. */
export interface ClerkEmulatorCounters {
  /** Calls per route pattern (e.g. `/v1/users/:userId`), control API excluded. */
  calls: Record<string, number>;
  /** Refresh-token grants the emulator sent to Google. */
  googleRefreshes: number;
  /** Webhook messages and attempts so far. */
  webhooks: { messages: number; attempts: number };
}

/**
 * The in-process twin of the HTTP control API under `/__emulator/`. Operations on unknown ids throw a
 * {@link ClerkApiError} (404), invalid input a 422.
 */
export interface ClerkEmulatorControl {
  /** Creates a user with a verified email (emits `user.created`). */
  createUser(input: { email: string; firstName?: string; lastName?: string; password?: string }): ClerkUserJson;
  findUserByEmail(email: string): ClerkUserJson | undefined;
  /** Deletes a user (emits `user.deleted`). */
  deleteUser(userId: string): void;
  /** Starts a session for a user, as `POST /v1/sessions` does. */
  createSession(userId: string): ClerkSessionJson;
  /** A session token for an active session, `azp` optional. */
  sessionToken(sessionId: string, options?: { azp?: string; expiresInSeconds?: number }): Promise<string>;
  /** Revokes a session (emits `session.revoked`). */
  revokeSession(sessionId: string): void;
  /** Attaches (or updates) a Google account with the given tokens, as if consent had happened. */
  linkGoogleAccount(userId: string, account: SeedGoogleAccount): ClerkUserJson;
  /** Makes stored Google access tokens (of one user, or all) expired, so the next read refreshes them. */
  expireGoogleAccessTokens(userId?: string): number;
  /** Switches the Backend API rate limit off, or to new figures. */
  setRateLimit(settings: false | RateLimitSettings): void;
  injectFault(spec: FaultSpec): number;
  clearFaults(): void;
  /** Points webhooks at a new endpoint (default secret: the emulator's `webhookSecret`), or turns them off; returns the endpoint. */
  setWebhookEndpoint(endpoint: { url: string; secret?: string } | undefined): WebhookEndpoint | undefined;
  /** Every webhook message so far with its attempts. */
  webhookDeliveries(): WebhookDelivery[];
  /** Attempts the retries due on the emulator's clock; resolves when they are done. */
  deliverDueWebhooks(): Promise<void>;
  /** Resolves when no webhook attempt is in flight. */
  webhooksIdle(): Promise<void>;
  /** Moves the emulator's clock forward. */
  advanceClock(seconds: number): void;
  now(): number;
  counters(): ClerkEmulatorCounters;
  /** Back to empty: users, sessions, clients, faults, counters, webhook log, rate limit window, clock offset. */
  reset(): void;
}

export interface ControlDeps {
  instance: ClerkInstance;
  faults: FaultInjector;
  calls: CallCounters;
  initialRateLimit: false | RateLimitSettings;
  /** The secret used when an endpoint is set without one (the emulator's `webhookSecret`). */
  webhookSecret: string;
  onReset: Array<() => void>;
}

/** Builds the control handle. */
export function createControl(deps: ControlDeps): ClerkEmulatorControl {
  const { instance } = deps;
  const { store } = instance;
  return {
    createUser: (input) => {
      const email = emailSchema.safeParse(input.email);
      if (!email.success) throw clerkErrors.formParamInvalid('email', 'email must be a valid email address.');
      if (store.findUserByEmail(email.data) !== undefined) throw clerkErrors.identifierExists('email_address');
      const user = store.createUser({
        emails: [email.data],
        firstName: input.firstName ?? null,
        lastName: input.lastName ?? null,
        password: input.password ?? null,
      });
      const json = userJson(user);
      instance.webhooks.emit('user.created', json);
      return json;
    },
    findUserByEmail: (email) => {
      const user = store.findUserByEmail(email);
      return user === undefined ? undefined : userJson(user);
    },
    deleteUser: (userId) => {
      const user = requireUser(instance, userId);
      for (const session of store.deleteUser(user.id)) {
        instance.webhooks.emit('session.ended', sessionJson(session, 'ended'));
      }
      instance.webhooks.emit('user.deleted', { object: 'user', id: user.id, deleted: true });
    },
    createSession: (userId) => {
      const session = store.createSession(requireUser(instance, userId));
      instance.webhooks.emit('session.created', sessionJson(session));
      return sessionJson(session);
    },
    sessionToken: async (sessionId, options = {}) => {
      const session = requireSession(instance, sessionId);
      if (store.statusOf(session) !== 'active') throw clerkErrors.sessionNotActive();
      return mintSessionToken(instance.key, instance.clock, {
        session,
        issuer: instance.url,
        ...(options.azp === undefined ? {} : { azp: options.azp }),
        ...(options.expiresInSeconds === undefined ? {} : { expiresInSeconds: options.expiresInSeconds }),
      });
    },
    revokeSession: (sessionId) => endSession(instance, requireSession(instance, sessionId), 'revoked'),
    linkGoogleAccount: (userId, account) => {
      const user = requireUser(instance, userId);
      const owner = store.findUserByGoogleSub(account.sub);
      if (owner !== undefined && owner.id !== user.id) {
        throw new ClerkApiError(
          422,
          'external_account_exists',
          'already connected',
          'This Google account belongs to another user.',
        );
      }
      linkGoogleAccount(
        instance.clock,
        user,
        {
          sub: account.sub,
          email: account.email,
          ...(account.givenName === undefined ? {} : { given_name: account.givenName }),
          ...(account.familyName === undefined ? {} : { family_name: account.familyName }),
        },
        {
          access_token: account.accessToken,
          expires_in: account.expiresInSeconds ?? 3599,
          scope: account.scopes.join(' '),
          ...(account.refreshToken === undefined ? {} : { refresh_token: account.refreshToken }),
        },
        account.scopes,
      );
      userUpdated(instance, user);
      return userJson(user);
    },
    expireGoogleAccessTokens: (userId) =>
      instance.googleTokens.expireAll(userId === undefined ? store.users.values() : [requireUser(instance, userId)]),
    setRateLimit: (settings) => instance.rateLimit.configure(settings),
    injectFault: (spec) => {
      const parsed = faultSpecSchema.safeParse(spec);
      if (!parsed.success)
        throw clerkErrors.formParamInvalid('fault', `Invalid fault: ${z.prettifyError(parsed.error)}`);
      return deps.faults.inject(parsed.data);
    },
    clearFaults: () => deps.faults.clear(),
    setWebhookEndpoint: (endpoint) => {
      const next =
        endpoint === undefined ? undefined : { url: endpoint.url, secret: endpoint.secret ?? deps.webhookSecret };
      instance.webhooks.configure(next);
      return next;
    },
    webhookDeliveries: () => instance.webhooks.deliveries(),
    deliverDueWebhooks: () => instance.webhooks.deliverDue(),
    webhooksIdle: () => instance.webhooks.idle(),
    advanceClock: (seconds) => {
      if (!Number.isFinite(seconds) || seconds < 0) {
        throw clerkErrors.formParamInvalid('seconds', 'seconds must be a non-negative number.');
      }
      instance.clock.advance(seconds * 1000);
    },
    now: () => instance.clock.now(),
    counters: () => {
      const deliveries = instance.webhooks.deliveries();
      return {
        calls: deps.calls.snapshot(),
        googleRefreshes: instance.googleTokens.refreshes,
        webhooks: { messages: deliveries.length, attempts: deliveries.reduce((n, d) => n + d.attempts.length, 0) },
      };
    },
    reset: () => {
      store.reset();
      deps.faults.clear();
      deps.calls.reset();
      instance.googleTokens.refreshes = 0;
      instance.webhooks.reset();
      instance.rateLimit.configure(deps.initialRateLimit);
      instance.clock.resetOffset();
      for (const step of deps.onReset) step();
    },
  };
}

const rateLimitSchema = z.union([
  z.literal(false),
  z.strictObject({ requests: z.number().int().min(1), windowSeconds: z.number().int().min(1) }),
]);

/** Registers the JSON control API under `/__emulator/`. Documented in docs/sandbox/clerk.md. */
export function registerControlApi(app: FastifyInstance, control: ClerkEmulatorControl, deps: ControlDeps): void {
  const send = (reply: FastifyReply, value: unknown) => reply.type('application/json').send(value ?? { ok: true });
  const parse = <T>(schema: z.ZodType<T>, body: unknown): T => {
    const parsed = schema.safeParse(body ?? {});
    if (!parsed.success) throw clerkErrors.formParamInvalid('body', z.prettifyError(parsed.error));
    return parsed.data;
  };

  app.get('/__emulator', async (_request, reply) =>
    send(reply, {
      operations: [
        'POST /__emulator/users {email, firstName?, lastName?}',
        'DELETE /__emulator/users/:userId',
        'POST /__emulator/users/:userId/google {sub, email, accessToken, refreshToken?, expiresInSeconds?, scopes}',
        'POST /__emulator/sessions {userId}',
        'POST /__emulator/sessions/:sessionId/token {azp?, expiresInSeconds?}',
        'POST /__emulator/sessions/:sessionId/revoke',
        'POST /__emulator/google/tokens/expire {userId?}',
        'GET|PUT /__emulator/rate-limit  (false | {requests, windowSeconds})',
        'GET|POST|DELETE /__emulator/faults',
        'GET|PUT /__emulator/webhooks  ({url, secret?} | null)',
        'POST /__emulator/webhooks/deliver-due',
        'GET /__emulator/clock',
        'POST /__emulator/clock/advance {seconds}',
        'GET /__emulator/counters',
        'POST /__emulator/reset',
      ],
    }),
  );
  app.post('/__emulator/users', async (request, reply) => {
    const input = parse(
      z.strictObject({
        email: z.string(),
        firstName: z.string().optional(),
        lastName: z.string().optional(),
        password: z.string().optional(),
      }),
      request.body,
    );
    return send(reply, control.createUser(input));
  });
  app.delete('/__emulator/users/:userId', async (request, reply) =>
    send(reply, control.deleteUser((request.params as { userId: string }).userId)),
  );
  app.post('/__emulator/users/:userId/google', async (request, reply) => {
    const input = parse(
      z.strictObject({
        sub: z.string().min(1),
        email: z.string().min(3),
        accessToken: z.string().min(1),
        refreshToken: z.string().min(1).optional(),
        expiresInSeconds: z.number().int().min(0).optional(),
        scopes: z.array(z.string().min(1)),
        givenName: z.string().optional(),
        familyName: z.string().optional(),
      }),
      request.body,
    );
    return send(reply, control.linkGoogleAccount((request.params as { userId: string }).userId, input));
  });
  app.post('/__emulator/sessions', async (request, reply) => {
    const { userId } = parse(z.strictObject({ userId: z.string().min(1) }), request.body);
    return send(reply, control.createSession(userId));
  });
  app.post('/__emulator/sessions/:sessionId/token', async (request, reply) => {
    const options = parse(
      z.strictObject({ azp: z.string().min(1).optional(), expiresInSeconds: z.number().int().min(1).optional() }),
      request.body,
    );
    const jwt = await control.sessionToken((request.params as { sessionId: string }).sessionId, options);
    return send(reply, { object: 'token', jwt });
  });
  app.post('/__emulator/sessions/:sessionId/revoke', async (request, reply) =>
    send(reply, control.revokeSession((request.params as { sessionId: string }).sessionId)),
  );
  app.post('/__emulator/google/tokens/expire', async (request, reply) => {
    const { userId } = parse(z.strictObject({ userId: z.string().min(1).optional() }), request.body);
    return send(reply, { expired: control.expireGoogleAccessTokens(userId) });
  });
  app.get('/__emulator/rate-limit', async (_request, reply) =>
    send(reply, { rateLimit: deps.instance.rateLimit.current() }),
  );
  app.put('/__emulator/rate-limit', async (request, reply) => {
    const settings = parse(rateLimitSchema, request.body);
    control.setRateLimit(settings);
    return send(reply, { rateLimit: settings });
  });
  app.get('/__emulator/faults', async (_request, reply) => send(reply, { faults: deps.faults.list() }));
  app.post('/__emulator/faults', async (request, reply) =>
    send(reply, { id: control.injectFault(parse(faultSpecSchema, request.body)) }),
  );
  app.delete('/__emulator/faults', async (_request, reply) => send(reply, control.clearFaults()));
  app.get('/__emulator/webhooks', async (_request, reply) =>
    send(reply, { endpoint: deps.instance.webhooks.current()?.url ?? null, deliveries: control.webhookDeliveries() }),
  );
  app.put('/__emulator/webhooks', async (request, reply) => {
    const endpoint = parse(
      z.union([z.null(), z.strictObject({ url: z.url(), secret: z.string().startsWith('whsec_').optional() })]),
      request.body,
    );
    const set = control.setWebhookEndpoint(endpoint ?? undefined);
    return send(reply, { endpoint: set ?? null });
  });
  app.post('/__emulator/webhooks/deliver-due', async (_request, reply) => {
    await control.deliverDueWebhooks();
    return send(reply, { deliveries: control.webhookDeliveries() });
  });
  app.get('/__emulator/clock', async (_request, reply) => {
    const now = control.now();
    return send(reply, { now: new Date(now).toISOString(), epochMs: now });
  });
  app.post('/__emulator/clock/advance', async (request, reply) => {
    const { seconds } = parse(z.strictObject({ seconds: z.number().min(0) }), request.body);
    control.advanceClock(seconds);
    const now = control.now();
    return send(reply, { now: new Date(now).toISOString(), epochMs: now });
  });
  app.get('/__emulator/counters', async (_request, reply) => send(reply, control.counters()));
  app.post('/__emulator/reset', async (_request, reply) => {
    control.reset();
    return send(reply, { ok: true });
  });
}
