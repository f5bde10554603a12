import type { FastifyInstance } from 'fastify';
import type { ClerkInstance } from './instance.js';

/**
 * Registers `GET /v1/domains` (`clerkClient.domains.list()`): the instance's one primary domain and its Frontend API
 * URL, which is how an operator tool (`tokenbridge doctor`) tells that a publishable key belongs to the secret key's
 * instance. The emulator is its own Frontend API, so the URL is the emulator's.
 */
export function registerBackendDomains(app: FastifyInstance, instance: ClerkInstance): void {
  app.get('/v1/domains', async () => {
    const url = new URL(instance.url);
    const domain = {
      object: 'domain',
      id: `dmn_${Buffer.from(url.host).toString('hex').slice(0, 24)}`,
      name: url.host,
      is_satellite: false,
      frontend_api_url: url.origin,
      accounts_portal_url: url.origin,
      proxy_url: null,
      development_origin: '',
      cname_targets: null,
    };
    return { data: [domain], total_count: 1 };
  });
}
