import type { FastifyInstance } from 'fastify';
import type { ClerkInstance } from './instance.js';

/**
 * Registers `GET /v1/domains` (`clerkClient.domains.list()`): the instance's one primary domain and its Frontend API
 * URL, which is how an operator tool (`tokenbridge doctor`) tells that a publishable key belongs to the secret key's
 * instance. That URL is the host the publishable key names (the emulator's own, or a Clerk development host); when
 * that is not the emulator, the emulator is the proxy it is reached through.
 */
export function registerBackendDomains(app: FastifyInstance, instance: ClerkInstance): void {
  app.get('/v1/domains', async () => {
    const frontendApi = new URL(instance.issuer);
    const proxied = frontendApi.origin !== new URL(instance.url).origin;
    const domain = {
      object: 'domain',
      id: `dmn_${Buffer.from(frontendApi.host).toString('hex').slice(0, 24)}`,
      name: frontendApi.host,
      is_satellite: false,
      frontend_api_url: frontendApi.origin,
      accounts_portal_url: frontendApi.origin,
      proxy_url: proxied ? instance.url : null,
      development_origin: '',
      cname_targets: null,
    };
    return { data: [domain], total_count: 1 };
  });
}
