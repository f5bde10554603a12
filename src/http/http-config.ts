import type { ClerkConfig, RateLimitConfig } from '../config/config.js';
import type { ApiKey } from '../config/secrets.js';

/**
 * What the bridge's routes read from configuration: the standalone service's `ServiceConfig` is one, and an app that
 * mounts the routes itself (`tokenbridge/fastify`, `/express`, `/next`) writes one by hand. `publicUrl` is where the
 * routes are, as the browser sees them: the origin and the path they are mounted under
 * (`https://app.example.com/api/tokenbridge`); links, redirects and cookie paths are built from it.
 */
export interface HttpConfig {
  publicUrl: string;
  /**
   * Clerk, for the bridge's own session verification (`secretKey`, or `jwtKey` for no network; `authorizedParties`
   * default to `publicUrl`'s origin) and the Clerk webhook. Optional when the app identifies users itself.
   */
  clerk?: (Partial<ClerkConfig> & { secretKey?: string | undefined }) | undefined;
  /** The Google client id the popup flow uses (`/api/config`), and the emulator's URL in the sandbox. */
  google: { clientId: string; baseUrl?: string | undefined };
  /** Server-to-server API keys (`/api/users/:userId/google-token`). Default none. */
  apiKeys?: readonly ApiKey[] | undefined;
  /** Page origins on other origins allowed to call with credentials. Default none. */
  corsOrigins?: readonly string[] | undefined;
  /** Default 1200 per user and 300 per unauthenticated address, per 60 s. */
  rateLimit?: RateLimitConfig | undefined;
  /** The largest Google answer the proxy streams through (default 512 MiB). */
  proxyMaxBytes?: number | undefined;
  /** When set, `/metrics` requires `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string | undefined;
  /** Serve the web console at the mount path. Default off. */
  console?: boolean | undefined;
}
