import type { TokenSourcePolicy } from '../core/types.js';
import type { TrustProxy } from './network.js';
import type { ApiKey } from './secrets.js';
import type { LogLevel } from './variables.js';

/**
 * Requests allowed per `windowSeconds` on the token, connect and proxy routes: `perUser` for each signed-in user (or
 * API-key target), `perIp` for each address without a verified identity. 0 switches a limit off.
 */
export interface RateLimitConfig {
  perUser: number;
  perIp: number;
  windowSeconds: number;
}

/** How long a client may take, and how many may be connected at once, before the server lets go of it. */
export interface ServerLimits {
  /** From a request's first byte to the end of its headers. Default 10 s (Node's: 60 s). */
  headersTimeoutSeconds: number;
  /** From a request's first byte to the end of its body. Default 30 s (Node's: 300 s). */
  requestTimeoutSeconds: number;
  /**
   * How long an idle keep-alive connection stays open. Default 5 s; behind a load balancer, set it above the
   * balancer's idle timeout (AWS ALB: 60 s, so 65), or the balancer may reuse a connection the bridge just closed.
   */
  keepAliveTimeoutSeconds: number;
  /** Open connections at most; past it, new ones are closed at once. Default 4096. */
  maxConnections: number;
}

/** Where connection events go (`TOKENBRIDGE_WEBHOOK_URL`) and the Standard Webhooks secret that signs them. */
export interface WebhookConfig {
  url: string;
  /** `whsec_<base64>`. */
  secret: string;
}

/** How the bridge talks to Clerk. */
export interface ClerkConfig {
  secretKey: string;
  publishableKey: string | undefined;
  apiUrl: string | undefined;
  /** Where browsers reach the Frontend API when not at the host the publishable key names (Clerk's `proxyUrl`). */
  proxyUrl?: string | undefined;
  jwtKey: string | undefined;
  /** The `azp` origins a session token may come from. */
  authorizedParties: string[];
  webhookSigningSecret: string | undefined;
}

/** The bridge's Google OAuth web client. */
export interface GoogleConfig {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /**
   * Other redirect URIs of this bridge, registered on the same client, for the other origins it is reached at: only
   * the sandbox sets them (`PUBLIC_URL`'s loopback aliases), so a redirect flow comes back to the name it started at.
   */
  redirectUris?: string[];
  /** One origin serving every Google endpoint (the emulator); undefined means Google's own hosts. */
  baseUrl: string | undefined;
  /** The id_token issuer when it is not Google's; only the sandbox sets it (`SANDBOX_GOOGLE_ISSUER=self`). */
  issuer?: string;
}

/** What the environment's form and the running form share, field for field. */
interface CommonConfig {
  port: number;
  host: string;
  databaseUrl: string;
  tokenSource: TokenSourcePolicy;
  apiKeys: ApiKey[];
  corsOrigins: string[];
  logLevel: LogLevel;
  /**
   * The proxies in front whose `X-Forwarded-For` names the client (for rate limits and logs): how many hops, or their
   * addresses. Unset: none, so the peer address is the client's.
   */
  trustProxy?: TrustProxy | undefined;
  /** When set, `/metrics` requires `Authorization: Bearer <metricsToken>`; otherwise it is open. */
  metricsToken?: string | undefined;
  /** When set, connection events are delivered to `webhook.url`, signed with `webhook.secret`. */
  webhook?: WebhookConfig | undefined;
}

/** Everything the running service needs, with every default resolved and every credential present. */
export interface ServiceConfig extends CommonConfig {
  publicUrl: string;
  clerk: ClerkConfig;
  google: GoogleConfig;
  encryptionKeys: string;
  /** Default: 1200 per user and 300 per unauthenticated address, per 60 s. */
  rateLimit?: RateLimitConfig;
  /** Default: headers in 10 s, whole requests in 30 s, idle keep-alive 5 s, 4096 connections. */
  serverLimits?: ServerLimits;
  /**
   * The largest Google answer the proxy streams through, in bytes (default 512 MiB); 0 streams any size. A larger
   * declared length is refused with 502 `upstream_too_large`; an undeclared one is cut off where it passes the cap.
   */
  proxyMaxBytes?: number;
  /** How long one call to Google or Clerk may take before it counts as failed and is retried (default 10 s). */
  upstreamTimeoutSeconds?: number;
  /** Serve the web console at `/` (`TOKENBRIDGE_CONSOLE`). Default off. */
  console?: boolean;
}

/** `T` with every field allowed to be missing: what the environment may leave for the sandbox to fill in. */
type Unfilled<T> = { [K in keyof T]: T[K] | undefined };

/**
 * The bridge's configuration, parsed and validated once from the environment. Credentials may be missing here because
 * sandbox mode fills them in from the emulators; `resolveServiceConfig` gives the complete `ServiceConfig`.
 */
export interface EnvConfig extends CommonConfig {
  /** `sandbox` when neither `CLERK_SECRET_KEY` nor `GOOGLE_CLIENT_ID` is set: the launcher starts both emulators. */
  mode: 'sandbox' | 'production';
  /** Set only when `PUBLIC_URL` was given; otherwise derived from the port once it is known. */
  publicUrl: string | undefined;
  /** `authorizedParties` empty means "the PUBLIC_URL origin". */
  clerk: Unfilled<ClerkConfig> & { authorizedParties: string[] };
  /** `redirectUri` unset means `$PUBLIC_URL/oauth/google/callback`. */
  google: Unfilled<GoogleConfig>;
  encryptionKeys: string | undefined;
  rateLimit: RateLimitConfig;
  serverLimits: ServerLimits;
  proxyMaxBytes: number;
  upstreamTimeoutSeconds: number;
  /** `TOKENBRIDGE_CONSOLE`; undefined when unset, which the service reads as off and the sandbox launcher as on. */
  console: boolean | undefined;
  /** `SANDBOX_GOOGLE_ISSUER`: `google` (default, `https://accounts.google.com`) or `self` (the emulator's own URL). */
  /** `dataDir`: where the sandbox keeps its emulators' state and its generated key (`SANDBOX_DATA_DIR`). */
  sandbox: { googlePort: number; clerkPort: number; googleIssuer: 'google' | 'self'; dataDir: string };
}
