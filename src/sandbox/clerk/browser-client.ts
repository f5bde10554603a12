import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ClerkInstance } from './instance.js';
import type { ClientRecord, SessionRecord, UserRecord } from './model.js';

/** The browser's client cookie on the emulator's origin, named as Clerk names it. */
export const CLIENT_COOKIE = '__client';
/**
 * The development-browser token, Clerk's answer to third-party cookies in development: handed to the app in the
 * redirect URL, kept by clerk.browser.js on the app's origin, and sent back as a query parameter.
 */
export const DEV_BROWSER_PARAM = '__clerk_db_jwt';

const ONE_YEAR_SECONDS = 365 * 24 * 3600;

/** The client making this request: by dev-browser token, then by `__client` cookie. */
export function clientOf(instance: ClerkInstance, request: FastifyRequest): ClientRecord | undefined {
  const query = request.query as Record<string, unknown> | undefined;
  const devBrowser = typeof query?.[DEV_BROWSER_PARAM] === 'string' ? (query[DEV_BROWSER_PARAM] as string) : undefined;
  const header = request.headers.authorization?.replace(/^Bearer\s+/i, '');
  return (
    instance.store.clientByToken(devBrowser) ??
    instance.store.clientByToken(header) ??
    instance.store.clientByToken(request.cookies[CLIENT_COOKIE])
  );
}

/** The request's client, or a new one whose cookie is set on the reply. */
export function ensureClient(instance: ClerkInstance, request: FastifyRequest, reply: FastifyReply): ClientRecord {
  const existing = clientOf(instance, request);
  if (existing !== undefined) return existing;
  const client = instance.store.createClient();
  setClientCookie(reply, client);
  return client;
}

/**
 * SameSite=Lax: an app on another port of the same host is same-site, so its credentialed fetches carry the cookie;
 * cross-site apps (localhost vs 127.0.0.1) use the dev-browser token instead.
 */
export function setClientCookie(reply: FastifyReply, client: ClientRecord): void {
  reply.setCookie(CLIENT_COOKIE, client.token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    maxAge: ONE_YEAR_SECONDS,
  });
}

/** The client's last active session and its user, when that session is still active. */
export function activeSessionOf(
  instance: ClerkInstance,
  client: ClientRecord | undefined,
): { session: SessionRecord; user: UserRecord } | undefined {
  if (client === undefined || client.lastActiveSessionId === null) return undefined;
  const session = instance.store.sessions.get(client.lastActiveSessionId);
  if (session === undefined || instance.store.statusOf(session) !== 'active') return undefined;
  const user = instance.store.users.get(session.userId);
  return user === undefined ? undefined : { session, user };
}

/** `url` with the client's dev-browser token added, so the app's clerk.browser.js can adopt the client. */
export function withDevBrowser(url: URL, client: ClientRecord): string {
  const target = new URL(url);
  target.searchParams.set(DEV_BROWSER_PARAM, client.token);
  return target.toString();
}
