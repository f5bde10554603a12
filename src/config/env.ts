import type { ClerkConfig, EnvConfig, GoogleConfig, ServiceConfig } from './config.js';
import { EnvError } from './env-error.js';
import { defaultRedirectUri, resolvePublicUrl } from './public-url.js';
import { readVariables, type VariableValues } from './variables.js';

export type {
  ClerkConfig,
  EnvConfig,
  GoogleConfig,
  RateLimitConfig,
  ServerLimits,
  ServiceConfig,
  WebhookConfig,
} from './config.js';
export { EnvError } from './env-error.js';
export type { TrustProxy } from './network.js';
export type { ApiKey } from './secrets.js';
export { DEFAULT_PROXY_MAX_BYTES, LOG_LEVELS, type LogLevel, VARIABLES } from './variables.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses and validates the environment once. Throws `EnvError` naming the first bad variable; never echoes a secret.
 *
 * @example
 * const config = parseEnv({ PORT: '8080' }); // sandbox mode, port 8080
 */
export function parseEnv(env: Env): EnvConfig {
  const v = readVariables(env);
  const mode = v.CLERK_SECRET_KEY === undefined && v.GOOGLE_CLIENT_ID === undefined ? 'sandbox' : 'production';
  const config: EnvConfig = {
    mode,
    port: v.PORT,
    host: v.HOST,
    publicUrl: v.PUBLIC_URL,
    databaseUrl: v.DATABASE_URL,
    clerk: {
      secretKey: v.CLERK_SECRET_KEY,
      publishableKey: v.CLERK_PUBLISHABLE_KEY,
      apiUrl: v.CLERK_API_URL,
      proxyUrl: v.CLERK_PROXY_URL,
      jwtKey: v.CLERK_JWT_KEY,
      authorizedParties: v.CLERK_AUTHORIZED_PARTIES,
      webhookSigningSecret: v.CLERK_WEBHOOK_SIGNING_SECRET,
    },
    google: {
      clientId: v.GOOGLE_CLIENT_ID,
      clientSecret: v.GOOGLE_CLIENT_SECRET,
      redirectUri: v.GOOGLE_REDIRECT_URI,
      baseUrl: v.GOOGLE_BASE_URL,
    },
    tokenSource: v.TOKEN_SOURCE,
    encryptionKeys: v.TOKENBRIDGE_ENCRYPTION_KEYS,
    apiKeys: v.TOKENBRIDGE_API_KEYS ?? [],
    corsOrigins: v.TOKENBRIDGE_CORS_ORIGINS,
    logLevel: v.LOG_LEVEL,
    metricsToken: v.TOKENBRIDGE_METRICS_TOKEN,
    webhook: outboundWebhook(v),
    rateLimit: {
      perUser: v.TOKENBRIDGE_RATE_LIMIT_PER_USER,
      perIp: v.TOKENBRIDGE_RATE_LIMIT_PER_IP,
      windowSeconds: v.TOKENBRIDGE_RATE_LIMIT_WINDOW_SECONDS,
    },
    serverLimits: {
      headersTimeoutSeconds: v.TOKENBRIDGE_HEADERS_TIMEOUT_SECONDS,
      requestTimeoutSeconds: v.TOKENBRIDGE_REQUEST_TIMEOUT_SECONDS,
      keepAliveTimeoutSeconds: v.TOKENBRIDGE_KEEP_ALIVE_TIMEOUT_SECONDS,
      maxConnections: v.TOKENBRIDGE_MAX_CONNECTIONS,
    },
    trustProxy: v.TOKENBRIDGE_TRUST_PROXY,
    proxyMaxBytes: v.TOKENBRIDGE_PROXY_MAX_BYTES,
    upstreamTimeoutSeconds: v.TOKENBRIDGE_UPSTREAM_TIMEOUT_SECONDS,
    console: v.TOKENBRIDGE_CONSOLE,
    sandbox: {
      googlePort: v.SANDBOX_GOOGLE_PORT,
      clerkPort: v.SANDBOX_CLERK_PORT,
      googleIssuer: v.SANDBOX_GOOGLE_ISSUER,
      dataDir: v.SANDBOX_DATA_DIR,
    },
  };
  // Node refuses a header deadline past the whole request's.
  if (config.serverLimits.headersTimeoutSeconds > config.serverLimits.requestTimeoutSeconds) {
    throw new EnvError('TOKENBRIDGE_HEADERS_TIMEOUT_SECONDS', 'must not exceed TOKENBRIDGE_REQUEST_TIMEOUT_SECONDS.');
  }
  if (mode === 'production') {
    const missing = missingCredentials(config);
    if (missing.length > 0) {
      throw new EnvError(
        missing[0]!,
        `required outside the sandbox; missing ${missing.join(', ')}. Set ${missing.length === 1 ? 'it' : 'them'}, ` +
          'or unset CLERK_SECRET_KEY and GOOGLE_CLIENT_ID to run the local sandbox.',
      );
    }
  }
  return config;
}

/** Reads `process.env` (the only place in Tokenbridge that does) and parses it. */
export function readEnv(): EnvConfig {
  return parseEnv(process.env);
}

/**
 * Resolves the defaults that depend on the listening port and fills credentials (the sandbox passes the emulators'),
 * giving the complete configuration the service runs with.
 */
export function resolveServiceConfig(
  config: EnvConfig,
  options: {
    port: number;
    credentials?: { clerk?: Partial<ClerkConfig>; google?: Partial<GoogleConfig>; encryptionKeys?: string };
  },
): ServiceConfig {
  const publicUrl = resolvePublicUrl(config.publicUrl, options.port);
  const filled = {
    clerk: { ...config.clerk, ...stripUndefined(options.credentials?.clerk ?? {}) },
    google: { ...config.google, ...stripUndefined(options.credentials?.google ?? {}) },
    encryptionKeys: config.encryptionKeys ?? options.credentials?.encryptionKeys,
  };
  const missing = missingCredentials(filled);
  if (missing.length > 0) throw new EnvError(missing[0]!, `required; missing ${missing.join(', ')}.`);
  const { mode: _, sandbox: __, ...common } = config;
  return {
    ...common,
    port: options.port,
    publicUrl,
    clerk: {
      ...filled.clerk,
      secretKey: filled.clerk.secretKey!,
      authorizedParties:
        filled.clerk.authorizedParties.length > 0 ? filled.clerk.authorizedParties : [new URL(publicUrl).origin],
    },
    google: {
      ...filled.google,
      clientId: filled.google.clientId!,
      clientSecret: filled.google.clientSecret!,
      redirectUri: filled.google.redirectUri ?? defaultRedirectUri(publicUrl),
    },
    encryptionKeys: filled.encryptionKeys!,
    console: config.console ?? false,
  };
}

/** The credentials the service cannot run without, by variable name, that `config` lacks. */
function missingCredentials(config: Pick<EnvConfig, 'clerk' | 'google' | 'encryptionKeys'>): string[] {
  return [
    config.clerk.secretKey === undefined ? 'CLERK_SECRET_KEY' : null,
    config.google.clientId === undefined ? 'GOOGLE_CLIENT_ID' : null,
    config.google.clientSecret === undefined ? 'GOOGLE_CLIENT_SECRET' : null,
    config.encryptionKeys === undefined ? 'TOKENBRIDGE_ENCRYPTION_KEYS' : null,
  ].filter((name): name is string => name !== null);
}

/** `TOKENBRIDGE_WEBHOOK_URL` and `TOKENBRIDGE_WEBHOOK_SECRET` come as a pair. */
function outboundWebhook(v: VariableValues): EnvConfig['webhook'] {
  const url = v.TOKENBRIDGE_WEBHOOK_URL;
  const secret = v.TOKENBRIDGE_WEBHOOK_SECRET;
  if (url === undefined) {
    if (secret !== undefined) {
      throw new EnvError('TOKENBRIDGE_WEBHOOK_URL', 'required when TOKENBRIDGE_WEBHOOK_SECRET is set.');
    }
    return undefined;
  }
  if (secret === undefined) {
    throw new EnvError('TOKENBRIDGE_WEBHOOK_SECRET', 'required when TOKENBRIDGE_WEBHOOK_URL is set (whsec_<base64>).');
  }
  return { url, secret };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
