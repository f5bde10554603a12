import type { FastifyInstance } from 'fastify';
import type { SigningKeys } from './keys.js';

/** Google's certs answers are cacheable for hours; GAL honours max-age. */
const CERTS_CACHE_CONTROL = 'public, max-age=21600, must-revalidate, no-transform';

/**
 * Registers the discovery document and the two key sets. Endpoint URLs point at the emulator's own origin, while
 * `issuer` stays Google's (unless the emulator runs with `issuer: 'self'`) so unmodified clients accept the id_tokens.
 * The document lists only what the emulator supports: Google's also lists the device flow, the `jwt-bearer` grant and
 * the implicit and hybrid response types, which the emulator refuses, and a strict client believes a discovery
 * document.
 */
export function registerDiscovery(app: FastifyInstance, deps: { keys: SigningKeys; issuer: string }): void {
  app.get('/.well-known/openid-configuration', async (request, reply) => {
    // The origin the caller reached us at, so the document works behind any host name.
    const origin = `${request.protocol}://${request.host}`;
    return reply
      .type('application/json; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send({
        issuer: deps.issuer,
        authorization_endpoint: `${origin}/o/oauth2/v2/auth`,
        token_endpoint: `${origin}/token`,
        userinfo_endpoint: `${origin}/v1/userinfo`,
        revocation_endpoint: `${origin}/revoke`,
        jwks_uri: `${origin}/oauth2/v3/certs`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid', 'email', 'profile'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        claims_supported: [
          'aud',
          'email',
          'email_verified',
          'exp',
          'family_name',
          'given_name',
          'iat',
          'iss',
          'name',
          'picture',
          'sub',
        ],
        code_challenge_methods_supported: ['plain', 'S256'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
      });
  });
  app.get('/oauth2/v3/certs', async (_request, reply) =>
    reply.type('application/json; charset=UTF-8').header('cache-control', CERTS_CACHE_CONTROL).send(deps.keys.jwks()),
  );
  app.get('/oauth2/v1/certs', async (_request, reply) =>
    reply.type('application/json; charset=UTF-8').header('cache-control', CERTS_CACHE_CONTROL).send(deps.keys.pemMap()),
  );
}
