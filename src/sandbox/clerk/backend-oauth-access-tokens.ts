import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ClerkApiError, clerkErrors } from './clerk-errors.js';
import { type ClerkInstance, requireUser } from './instance.js';
import { oauthAccessTokenJson } from './serialize.js';

/**
 * Registers `GET /v1/users/{id}/oauth_access_tokens/{provider}`: the user's provider tokens, an expired one refreshed
 * through Google first. `paginated=true` answers `{data, total_count}`, otherwise a bare array.
 */
export function registerBackendOAuthAccessTokens(app: FastifyInstance, instance: ClerkInstance): void {
  app.get('/v1/users/:userId/oauth_access_tokens/:provider', async (request) => {
    const user = requireUser(instance, userIdOf(request));
    const { provider } = request.params as { provider: string };
    const query = request.query as Record<string, unknown>;
    if (!/^oauth_[a-z0-9_]+$/.test(provider)) {
      throw clerkErrors.formParamInvalid('provider', `${provider} is not a valid OAuth provider.`);
    }
    const accounts = user.externalAccounts.filter((a) => a.provider === provider);
    if (accounts.length === 0) {
      throw new ClerkApiError(
        404,
        'resource_not_found',
        'not found',
        `No ${provider} external account found for this user`,
      );
    }
    for (const account of accounts) await instance.googleTokens.ensureFresh(account);
    const items = accounts.map(oauthAccessTokenJson);
    return query.paginated === 'true' ? { data: items, total_count: items.length } : items;
  });
}

function userIdOf(request: FastifyRequest): string {
  return (request.params as { userId: string }).userId;
}
