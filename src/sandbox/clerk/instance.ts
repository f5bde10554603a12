import type { AdjustableClock } from '../kit/clock.js';
import { ClerkApiError, clerkErrors } from './clerk-errors.js';
import type { GoogleTokenKeeper } from './google-accounts.js';
import type { GoogleClient } from './google-client.js';
import type { SigningKey } from './keys.js';
import type { ClerkStore, SessionRecord, UserRecord } from './model.js';
import type { InstanceRateLimit } from './rate-limit.js';
import type { RequestInfo } from './request-info.js';
import { sessionJson, userJson } from './serialize.js';
import type { WebhookDispatcher } from './webhooks.js';

/** Everything one emulated Clerk instance holds; the routes share it. */
export interface ClerkInstance {
  instanceId: string;
  clock: AdjustableClock;
  store: ClerkStore;
  key: SigningKey;
  secretKey: string;
  /** Filled in once the server listens: the origin, which is also the Frontend API URL. */
  url: string;
  /**
   * Filled in once the server listens: the session tokens' `iss`, `https://` + the Frontend API host the publishable
   * key names (the emulator's own origin when the key names it).
   */
  issuer: string;
  google: GoogleClient;
  googleTokens: GoogleTokenKeeper;
  webhooks: WebhookDispatcher;
  rateLimit: InstanceRateLimit;
  /** Origins allowed to use the Frontend API with credentials and to be redirected to; undefined = any loopback origin. */
  allowedOrigins: string[] | undefined;
}

/** The user with `id`, or Clerk's 404. */
export function requireUser(instance: ClerkInstance, id: string): UserRecord {
  const user = instance.store.users.get(id);
  if (user === undefined) throw clerkErrors.notFound('User');
  return user;
}

/** The session with `id`, or Clerk's 404. */
export function requireSession(instance: ClerkInstance, id: string): SessionRecord {
  const session = instance.store.sessions.get(id);
  if (session === undefined) throw clerkErrors.notFound('Session');
  return session;
}

/** Emits `user.updated` for a user whose record changed, with the request that changed it when there was one. */
export function userUpdated(instance: ClerkInstance, user: UserRecord, request?: RequestInfo): void {
  instance.webhooks.emit('user.updated', userJson(user), request);
}

/** Ends a session with `status` and emits the matching `session.*` event. */
export function endSession(
  instance: ClerkInstance,
  session: SessionRecord,
  status: 'revoked' | 'ended' | 'removed',
  request?: RequestInfo,
): void {
  if (instance.store.statusOf(session) !== 'active') {
    throw new ClerkApiError(
      400,
      'session_not_active',
      'session is not active',
      `The session is ${session.status} and cannot be ${status}.`,
    );
  }
  instance.store.endSession(session, status);
  instance.webhooks.emit(`session.${status}`, sessionJson(session), request);
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True when `origin` may use the Frontend API with credentials and receive redirects. */
export function isAllowedOrigin(instance: ClerkInstance, origin: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.origin === new URL(instance.url).origin) return true;
  if (instance.allowedOrigins !== undefined) return instance.allowedOrigins.includes(parsed.origin);
  return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && LOOPBACK.has(parsed.hostname);
}

/** Parses a `redirect_url` and checks it may be redirected to; throws Clerk's 422 otherwise. */
export function allowedRedirect(instance: ClerkInstance, raw: unknown): URL {
  if (typeof raw !== 'string' || raw === '') throw clerkErrors.redirectUrlInvalid();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw clerkErrors.redirectUrlInvalid();
  }
  if (!isAllowedOrigin(instance, url.origin)) throw clerkErrors.redirectUrlInvalid();
  return url;
}
