import { z } from 'zod';
import type { CallCounters } from '../kit/counters.js';
import { type FaultInjector, type FaultSpec, faultSpecSchema } from '../kit/faults.js';
import { ClerkApiError, clerkErrors } from './clerk-errors.js';
import type { EmailCodes, SentCode } from './email-codes.js';
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
  /**
   * How many calls the fault `id` (from {@link injectFault}) has been applied to; still answers once it is cleared
   * or used up. A `probability` fault that says 0 never fired: nothing met it.
   */
  faultFired(id: number): number;
  /** Resolves once `count` calls (default 1) are parked by a `hold` fault. */
  whenHeld(count?: number): Promise<void>;
  /** Lets every call parked by a `hold` fault go on; returns how many. */
  releaseHeld(): number;
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
  /**
   * The verification codes the emulator would have emailed (it sends no mail), newest last; only those to
   * `emailAddress` when given. A `+clerk_test` address always gets Clerk's test code, `424242`.
   */
  emailCodes(emailAddress?: string): SentCode[];
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
  codes: EmailCodes;
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
        issuer: instance.issuer,
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
    faultFired: (id) => deps.faults.fired(id),
    whenHeld: (count) => deps.faults.whenHeld(count),
    releaseHeld: () => deps.faults.releaseHeld(),
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
    emailCodes: (emailAddress) => deps.codes.list(emailAddress),
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
      deps.faults.reset();
      deps.calls.reset();
      instance.googleTokens.refreshes = 0;
      instance.webhooks.reset();
      instance.rateLimit.configure(deps.initialRateLimit);
      instance.clock.resetOffset();
      for (const step of deps.onReset) step();
    },
  };
}
