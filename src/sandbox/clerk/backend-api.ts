import type { FastifyInstance, FastifyRequest } from 'fastify';
import { registerBackendDomains } from './backend-domains.js';
import { registerBackendOAuthAccessTokens } from './backend-oauth-access-tokens.js';
import { registerBackendSessions } from './backend-sessions.js';
import { registerBackendUsers } from './backend-users.js';
import { clerkErrors } from './clerk-errors.js';
import type { ClerkInstance } from './instance.js';

/** Paths of the Backend API that belong to the Frontend API instead (they share `/v1` on this one origin). */
export const FRONTEND_PREFIXES = ['/v1/client', '/v1/me', '/v1/environment', '/v1/oauth_callback', '/v1/dev_browser'];

/** True when `path` is a Backend API path (Bearer secret key). */
export function isBackendPath(path: string): boolean {
  return path.startsWith('/v1/') && !FRONTEND_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
}

function pathOf(request: FastifyRequest): string {
  return request.url.split('?', 1)[0] ?? '/';
}

/** Checks the Bearer secret key. */
function authenticate(instance: ClerkInstance, request: FastifyRequest): void {
  const header = request.headers.authorization;
  if (header === undefined || header.trim() === '') throw clerkErrors.missingAuthorization();
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null || match[1] !== instance.secretKey) throw clerkErrors.invalidSecretKey();
}

/** Registers the Backend API (`/v1/...`, Bearer secret key, rate limited except JWKS). */
export function registerBackendApi(app: FastifyInstance, instance: ClerkInstance): void {
  app.addHook('preHandler', async (request) => {
    const path = pathOf(request);
    if (!isBackendPath(path)) return;
    authenticate(instance, request);
    if (path === '/v1/jwks') return;
    const retryAfter = instance.rateLimit.take();
    if (retryAfter !== undefined) throw clerkErrors.tooManyRequests(retryAfter);
  });

  app.get('/v1/jwks', async () => ({ keys: [instance.key.jwk] }));
  registerBackendUsers(app, instance);
  registerBackendOAuthAccessTokens(app, instance);
  registerBackendSessions(app, instance);
  registerBackendDomains(app, instance);
}
