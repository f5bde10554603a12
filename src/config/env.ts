import { isIP } from 'node:net';
import { ConfigurationError } from '../core/errors.js';
import { Keyring } from '../core/keyring.js';
import type { TokenSourcePolicy } from '../core/types.js';

/** A named API key for the server-to-server route; the name is what the audit trail records. */
export interface ApiKey {
  name: string;
  key: string;
}

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

/**
 * The bridge's configuration, parsed and validated once from the environment. Credentials are optional here because
 * sandbox mode fills them in from the emulators; `ServiceConfig` is the complete form the service runs with.
 */
export interface EnvConfig {
  /** `sandbox` when neither `CLERK_SECRET_KEY` nor `GOOGLE_CLIENT_ID` is set: the launcher starts both emulators. */
  mode: 'sandbox' | 'production';
  port: number;
  host: string;
  /** Set only when `PUBLIC_URL` was given; otherwise derived from the port once it is known. */
  publicUrl: string | undefined;
  databaseUrl: string;
  clerk: {
    secretKey: string | undefined;
    publishableKey: string | undefined;
    apiUrl: string | undefined;
    jwtKey: string | undefined;
    /** Empty means "the PUBLIC_URL origin". */
    authorizedParties: string[];
    webhookSigningSecret: string | undefined;
  };
  google: {
    clientId: string | undefined;
    clientSecret: string | undefined;
    /** Set only when `GOOGLE_REDIRECT_URI` was given; otherwise `$PUBLIC_URL/oauth/google/callback`. */
    redirectUri: string | undefined;
    baseUrl: string | undefined;
  };
  tokenSource: TokenSourcePolicy;
  encryptionKeys: string | undefined;
  apiKeys: ApiKey[];
  corsOrigins: string[];
  logLevel: LogLevel;
  rateLimit: RateLimitConfig;
  serverLimits: ServerLimits;
  /** `TOKENBRIDGE_TRUST_PROXY`: undefined trusts no proxy (the peer address is the client's). */
  trustProxy?: TrustProxy | undefined;
  /** `TOKENBRIDGE_METRICS_TOKEN`: when set, `/metrics` requires it as a Bearer token. */
  metricsToken?: string | undefined;
  /** Outbound connection events; undefined when `TOKENBRIDGE_WEBHOOK_URL` is not set. */
  webhook?: WebhookConfig | undefined;
  /** `TOKENBRIDGE_PROXY_MAX_BYTES`: the largest Google answer the proxy streams through; 0 means no cap. */
  proxyMaxBytes: number;
  /** `SANDBOX_GOOGLE_ISSUER`: `google` (default, `https://accounts.google.com`) or `self` (the emulator's own URL). */
  sandbox: { googlePort: number; clerkPort: number; googleIssuer: 'google' | 'self' };
}

/** Everything the running service needs, with every default resolved and every credential present. */
export interface ServiceConfig {
  port: number;
  host: string;
  publicUrl: string;
  databaseUrl: string;
  clerk: {
    secretKey: string;
    publishableKey: string | undefined;
    apiUrl: string | undefined;
    jwtKey: string | undefined;
    authorizedParties: string[];
    webhookSigningSecret: string | undefined;
  };
  /** `issuer`: the id_token issuer when it is not Google's (only the sandbox sets it, for `SANDBOX_GOOGLE_ISSUER=self`). */
  google: { clientId: string; clientSecret: string; redirectUri: string; baseUrl: string | undefined; issuer?: string };
  tokenSource: TokenSourcePolicy;
  encryptionKeys: string;
  apiKeys: ApiKey[];
  corsOrigins: string[];
  logLevel: LogLevel;
  /** Default: 1200 per user and 300 per unauthenticated address, per 60 s. */
  rateLimit?: RateLimitConfig;
  /** Default: headers in 10 s, whole requests in 30 s, idle keep-alive 5 s, 4096 connections. */
  serverLimits?: ServerLimits;
  /**
   * The proxies in front whose `X-Forwarded-For` names the client (for rate limits and logs): how many hops, or their
   * addresses. Unset: none, so the peer address is the client's.
   */
  trustProxy?: TrustProxy | undefined;
  /** When set, `/metrics` requires `Authorization: Bearer <metricsToken>`; otherwise it is open. */
  metricsToken?: string | undefined;
  /** When set, connection events are delivered to `webhook.url`, signed with `webhook.secret`. */
  webhook?: WebhookConfig | undefined;
  /**
   * The largest Google answer the proxy streams through, in bytes (default 512 MiB); 0 streams any size. A larger
   * declared length is refused with 502 `upstream_too_large`; an undeclared one is cut off where it passes the cap.
   */
  proxyMaxBytes?: number;
}

/** A number of proxy hops, or the proxies' addresses, CIDR ranges and `loopback`/`linklocal`/`uniquelocal`. */
export type TrustProxy = number | string[];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** An invalid or missing environment variable; `variable` names it, the message says what is expected. */
export class EnvError extends ConfigurationError {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`, { variable });
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses and validates the environment once. Throws `EnvError` naming the first bad variable; never echoes a secret.
 *
 * @example
 * const config = parseEnv({ PORT: '8080' }); // sandbox mode, port 8080
 */
export function parseEnv(env: Env): EnvConfig {
  const get = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const port = parsePort(get, 'PORT', 3000);
  const host = get('HOST') ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(host)) {
    throw new EnvError('HOST', 'expected an IP address or host name to listen on, such as 127.0.0.1 or 0.0.0.0.');
  }
  const publicUrl = optionalOrigin(get, 'PUBLIC_URL', { allowPath: false });
  const clerkSecretKey = get('CLERK_SECRET_KEY');
  const googleClientId = get('GOOGLE_CLIENT_ID');
  const mode = clerkSecretKey === undefined && googleClientId === undefined ? 'sandbox' : 'production';

  const config: EnvConfig = {
    mode,
    port,
    host,
    publicUrl,
    databaseUrl: parseDatabaseUrl(get('DATABASE_URL')),
    clerk: {
      secretKey: clerkSecretKey,
      publishableKey: get('CLERK_PUBLISHABLE_KEY'),
      apiUrl: optionalOrigin(get, 'CLERK_API_URL', { allowPath: false }),
      jwtKey: parseJwtKey(get('CLERK_JWT_KEY')),
      authorizedParties: parseOriginList(get, 'CLERK_AUTHORIZED_PARTIES'),
      webhookSigningSecret: parseWebhookSecret(get('CLERK_WEBHOOK_SIGNING_SECRET')),
    },
    google: {
      clientId: googleClientId,
      clientSecret: get('GOOGLE_CLIENT_SECRET'),
      redirectUri: optionalOrigin(get, 'GOOGLE_REDIRECT_URI', { allowPath: true }),
      baseUrl: optionalOrigin(get, 'GOOGLE_BASE_URL', { allowPath: false }),
    },
    tokenSource: parseTokenSource(get('TOKEN_SOURCE')),
    encryptionKeys: parseKeyring(get('TOKENBRIDGE_ENCRYPTION_KEYS')),
    apiKeys: parseApiKeys(get('TOKENBRIDGE_API_KEYS')),
    corsOrigins: parseOriginList(get, 'TOKENBRIDGE_CORS_ORIGINS'),
    logLevel: parseLogLevel(get('LOG_LEVEL')),
    metricsToken: parseMetricsToken(get('TOKENBRIDGE_METRICS_TOKEN')),
    webhook: parseOutboundWebhook(get('TOKENBRIDGE_WEBHOOK_URL'), get('TOKENBRIDGE_WEBHOOK_SECRET')),
    rateLimit: {
      perUser: parseCount(get, 'TOKENBRIDGE_RATE_LIMIT_PER_USER', 1200),
      perIp: parseCount(get, 'TOKENBRIDGE_RATE_LIMIT_PER_IP', 300),
      windowSeconds: parseWindow(get),
    },
    serverLimits: parseServerLimits(get),
    trustProxy: parseTrustProxy(get('TOKENBRIDGE_TRUST_PROXY')),
    proxyMaxBytes: parseByteCount(get, 'TOKENBRIDGE_PROXY_MAX_BYTES', DEFAULT_PROXY_MAX_BYTES),
    sandbox: {
      googlePort: parsePort(get, 'SANDBOX_GOOGLE_PORT', 3001),
      clerkPort: parsePort(get, 'SANDBOX_CLERK_PORT', 3002),
      googleIssuer: parseSandboxIssuer(get('SANDBOX_GOOGLE_ISSUER')),
    },
  };
  if (
    config.clerk.publishableKey !== undefined &&
    !/^pk_(test|live)_[A-Za-z0-9+/=_-]+$/.test(config.clerk.publishableKey)
  ) {
    throw new EnvError('CLERK_PUBLISHABLE_KEY', 'expected a Clerk publishable key (pk_test_… or pk_live_…).');
  }
  if (mode === 'production') requireProductionVariables(config);
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
    credentials?: Partial<Pick<ServiceConfig, 'clerk' | 'google'>> & { encryptionKeys?: string };
  },
): ServiceConfig {
  const publicUrl = (config.publicUrl ?? `http://localhost:${options.port}`).replace(/\/+$/, '');
  const clerk = { ...config.clerk, ...stripUndefined(options.credentials?.clerk ?? {}) };
  const google = { ...config.google, ...stripUndefined(options.credentials?.google ?? {}) };
  const encryptionKeys = config.encryptionKeys ?? options.credentials?.encryptionKeys;
  const missing = [
    clerk.secretKey === undefined ? 'CLERK_SECRET_KEY' : null,
    google.clientId === undefined ? 'GOOGLE_CLIENT_ID' : null,
    google.clientSecret === undefined ? 'GOOGLE_CLIENT_SECRET' : null,
    encryptionKeys === undefined ? 'TOKENBRIDGE_ENCRYPTION_KEYS' : null,
  ].filter((name): name is string => name !== null);
  if (missing.length > 0) throw new EnvError(missing[0]!, `required; missing ${missing.join(', ')}.`);
  return {
    port: options.port,
    host: config.host,
    publicUrl,
    databaseUrl: config.databaseUrl,
    clerk: {
      secretKey: clerk.secretKey!,
      publishableKey: clerk.publishableKey,
      apiUrl: clerk.apiUrl,
      jwtKey: clerk.jwtKey,
      authorizedParties: clerk.authorizedParties.length > 0 ? clerk.authorizedParties : [new URL(publicUrl).origin],
      webhookSigningSecret: clerk.webhookSigningSecret,
    },
    google: {
      clientId: google.clientId!,
      clientSecret: google.clientSecret!,
      redirectUri: google.redirectUri ?? `${publicUrl}/oauth/google/callback`,
      baseUrl: google.baseUrl,
      ...(options.credentials?.google?.issuer === undefined ? {} : { issuer: options.credentials.google.issuer }),
    },
    tokenSource: config.tokenSource,
    encryptionKeys: encryptionKeys!,
    apiKeys: config.apiKeys,
    corsOrigins: config.corsOrigins,
    logLevel: config.logLevel,
    metricsToken: config.metricsToken,
    rateLimit: config.rateLimit,
    serverLimits: config.serverLimits,
    trustProxy: config.trustProxy,
    webhook: config.webhook,
    proxyMaxBytes: config.proxyMaxBytes,
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function requireProductionVariables(config: EnvConfig): void {
  const missing = [
    config.clerk.secretKey === undefined ? 'CLERK_SECRET_KEY' : null,
    config.google.clientId === undefined ? 'GOOGLE_CLIENT_ID' : null,
    config.google.clientSecret === undefined ? 'GOOGLE_CLIENT_SECRET' : null,
    config.encryptionKeys === undefined ? 'TOKENBRIDGE_ENCRYPTION_KEYS' : null,
  ].filter((name): name is string => name !== null);
  if (missing.length === 0) return;
  throw new EnvError(
    missing[0]!,
    `required outside the sandbox; missing ${missing.join(', ')}. Set ${missing.length === 1 ? 'it' : 'them'}, ` +
      'or unset CLERK_SECRET_KEY and GOOGLE_CLIENT_ID to run the local sandbox.',
  );
}

function parseSandboxIssuer(raw: string | undefined): 'google' | 'self' {
  if (raw === undefined || raw === '' || raw === 'google') return 'google';
  if (raw === 'self') return 'self';
  throw new EnvError(
    'SANDBOX_GOOGLE_ISSUER',
    'expected google (https://accounts.google.com) or self (the emulator’s URL).',
  );
}

function parsePort(get: (name: string) => string | undefined, name: string, fallback: number): number {
  const raw = get(name);
  if (raw === undefined) return fallback;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) {
    throw new EnvError(name, `expected a port number from 0 to 65535, got ${JSON.stringify(raw.slice(0, 20))}.`);
  }
  return Number(raw);
}

function parseCount(get: (name: string) => string | undefined, name: string, fallback: number): number {
  const raw = get(name);
  if (raw === undefined) return fallback;
  if (!/^\d{1,9}$/.test(raw)) {
    throw new EnvError(
      name,
      `expected a whole number (0 switches the limit off), got ${JSON.stringify(raw.slice(0, 20))}.`,
    );
  }
  return Number(raw);
}

/** 512 MiB: a large Drive download, yet a bound on what one request can pull through the bridge. */
export const DEFAULT_PROXY_MAX_BYTES = 512 * 1024 * 1024;

function parseByteCount(get: (name: string) => string | undefined, name: string, fallback: number): number {
  const raw = get(name);
  if (raw === undefined) return fallback;
  if (!/^\d{1,15}$/.test(raw)) {
    throw new EnvError(name, `expected a number of bytes (0 for no cap), got ${JSON.stringify(raw.slice(0, 20))}.`);
  }
  return Number(raw);
}

function parseWindow(get: (name: string) => string | undefined): number {
  const seconds = parseCount(get, 'TOKENBRIDGE_RATE_LIMIT_WINDOW_SECONDS', 60);
  if (seconds < 1 || seconds > 86_400) {
    throw new EnvError('TOKENBRIDGE_RATE_LIMIT_WINDOW_SECONDS', 'expected a number of seconds from 1 to 86400.');
  }
  return seconds;
}

function parseServerLimits(get: (name: string) => string | undefined): ServerLimits {
  const seconds = (name: string, fallback: number, max: number) => {
    const value = parseCount(get, name, fallback);
    if (value < 1 || value > max) throw new EnvError(name, `expected a number of seconds from 1 to ${max}.`);
    return value;
  };
  const limits: ServerLimits = {
    headersTimeoutSeconds: seconds('TOKENBRIDGE_HEADERS_TIMEOUT_SECONDS', 10, 300),
    requestTimeoutSeconds: seconds('TOKENBRIDGE_REQUEST_TIMEOUT_SECONDS', 30, 3600),
    keepAliveTimeoutSeconds: seconds('TOKENBRIDGE_KEEP_ALIVE_TIMEOUT_SECONDS', 5, 3600),
    maxConnections: parseCount(get, 'TOKENBRIDGE_MAX_CONNECTIONS', 4096),
  };
  if (limits.maxConnections < 1) throw new EnvError('TOKENBRIDGE_MAX_CONNECTIONS', 'expected at least 1.');
  // Node refuses a header deadline past the whole request's.
  if (limits.headersTimeoutSeconds > limits.requestTimeoutSeconds) {
    throw new EnvError('TOKENBRIDGE_HEADERS_TIMEOUT_SECONDS', 'must not exceed TOKENBRIDGE_REQUEST_TIMEOUT_SECONDS.');
  }
  return limits;
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * `TOKENBRIDGE_TRUST_PROXY`: a hop count (`1` behind one load balancer) or a comma-separated list of the proxies'
 * addresses and CIDR ranges. `true` is refused: it would let any client pick the address its rate limit is counted on.
 */
function parseTrustProxy(raw: string | undefined): TrustProxy | undefined {
  const name = 'TOKENBRIDGE_TRUST_PROXY';
  if (raw === undefined || raw === 'false' || raw === '0') return undefined;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 10) throw new EnvError(name, 'expected a number of proxy hops from 0 to 10.');
    return hops;
  }
  if (raw === 'true') {
    throw new EnvError(
      name,
      "'true' would trust any client's X-Forwarded-For; give the number of proxies in front (1, 2, …) or their addresses.",
    );
  }
  const entries = raw.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    if (PROXY_NAMES.has(entry)) continue;
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const bits = family === 6 ? 128 : 32;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || rest.length > 0) {
      throw new EnvError(
        name,
        `expected a hop count, or addresses and CIDR ranges such as 10.0.0.0/8,loopback; got ${JSON.stringify(entry.slice(0, 50))}.`,
      );
    }
  }
  return entries;
}

function optionalOrigin(
  get: (name: string) => string | undefined,
  name: string,
  { allowPath }: { allowPath: boolean },
): string | undefined {
  const raw = get(name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EnvError(name, 'expected an absolute http(s) URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new EnvError(name, 'expected an http(s) URL.');
  if (url.username !== '' || url.password !== '') throw new EnvError(name, 'must not contain credentials.');
  if (url.search !== '' || url.hash !== '') throw new EnvError(name, 'must not have a query or fragment.');
  if (!allowPath) {
    if (url.pathname !== '/' && url.pathname !== '') throw new EnvError(name, 'expected an origin without a path.');
    return url.origin;
  }
  return url.toString();
}

function parseOriginList(get: (name: string) => string | undefined, name: string): string[] {
  const raw = get(name);
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      let url: URL;
      try {
        url = new URL(item);
      } catch {
        throw new EnvError(name, `expected a comma-separated list of origins; ${JSON.stringify(item)} is not a URL.`);
      }
      if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== item.replace(/\/$/, '')) {
        throw new EnvError(name, `expected origins such as https://app.example.com; got ${JSON.stringify(item)}.`);
      }
      return url.origin;
    });
}

function parseDatabaseUrl(raw: string | undefined): string {
  if (raw === undefined) return './data/tokenbridge.db';
  if (/^postgres(ql)?:/i.test(raw)) {
    try {
      const url = new URL(raw);
      if (url.hostname === '') throw new Error('no host');
    } catch {
      throw new EnvError('DATABASE_URL', 'expected postgres://user@host:port/database or a SQLite file path.');
    }
    return raw;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) && !/^sqlite:/i.test(raw)) {
    throw new EnvError('DATABASE_URL', 'expected postgres://… for PostgreSQL or a file path for SQLite.');
  }
  return raw;
}

function parseJwtKey(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  // Dashboards and .env files often flatten the PEM onto one line with literal "\n".
  const pem = raw.replace(/\\n/g, '\n');
  if (!/-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----/.test(pem)) {
    throw new EnvError(
      'CLERK_JWT_KEY',
      'expected the PEM public key from the Clerk dashboard (-----BEGIN PUBLIC KEY-----).',
    );
  }
  return pem;
}

function parseWebhookSecret(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^whsec_[A-Za-z0-9+/=]{16,}$/.test(raw)) {
    throw new EnvError('CLERK_WEBHOOK_SIGNING_SECRET', 'expected a signing secret of the form whsec_<base64>.');
  }
  return raw;
}

function parseKeyring(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    Keyring.parse(raw);
  } catch (error) {
    // Keyring's messages never echo key material, so they are safe to pass on.
    throw new EnvError('TOKENBRIDGE_ENCRYPTION_KEYS', error instanceof Error ? error.message : 'invalid keyring.');
  }
  return raw;
}

function parseTokenSource(raw: string | undefined): TokenSourcePolicy {
  if (raw === undefined) return 'auto';
  if (raw === 'auto' || raw === 'clerk' || raw === 'oauth') return raw;
  throw new EnvError('TOKEN_SOURCE', `expected auto, clerk or oauth, got ${JSON.stringify(raw.slice(0, 20))}.`);
}

function parseMetricsToken(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (raw.length < 24 || /\s/.test(raw)) {
    throw new EnvError('TOKENBRIDGE_METRICS_TOKEN', 'must be at least 24 characters without spaces.');
  }
  return raw;
}

function parseOutboundWebhook(url: string | undefined, secret: string | undefined): WebhookConfig | undefined {
  if (url === undefined) {
    if (secret !== undefined) {
      throw new EnvError('TOKENBRIDGE_WEBHOOK_URL', 'required when TOKENBRIDGE_WEBHOOK_SECRET is set.');
    }
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new EnvError('TOKENBRIDGE_WEBHOOK_URL', "expected the app's absolute http(s) endpoint URL.");
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new EnvError('TOKENBRIDGE_WEBHOOK_URL', 'expected an http(s) URL.');
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new EnvError('TOKENBRIDGE_WEBHOOK_URL', 'must not contain credentials; deliveries are signed instead.');
  }
  if (parsed.hash !== '') throw new EnvError('TOKENBRIDGE_WEBHOOK_URL', 'must not have a fragment.');
  if (secret === undefined) {
    throw new EnvError('TOKENBRIDGE_WEBHOOK_SECRET', 'required when TOKENBRIDGE_WEBHOOK_URL is set (whsec_<base64>).');
  }
  const key = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret)?.[1];
  const bytes = key === undefined ? 0 : Buffer.from(key, 'base64').length;
  if (bytes < 24 || bytes > 64) {
    throw new EnvError(
      'TOKENBRIDGE_WEBHOOK_SECRET',
      'expected whsec_ followed by 24 to 64 bytes in base64 (Standard Webhooks), such as ' +
        "node -e \"console.log('whsec_' + crypto.randomBytes(32).toString('base64'))\".",
    );
  }
  return { url: parsed.toString(), secret };
}

function parseLogLevel(raw: string | undefined): LogLevel {
  if (raw === undefined) return 'info';
  const level = raw.toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  throw new EnvError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}.`);
}

/** `name:key,name2:key2`; a bare `key` gets the name `key1`, `key2`, … by position. Keys must be 24+ characters. */
function parseApiKeys(raw: string | undefined): ApiKey[] {
  if (raw === undefined) return [];
  const keys: ApiKey[] = [];
  for (const [index, entry] of raw.split(',').entries()) {
    const part = entry.trim();
    if (part === '') continue;
    const colon = part.indexOf(':');
    const name = colon === -1 ? `key${index + 1}` : part.slice(0, colon);
    const key = colon === -1 ? part : part.slice(colon + 1);
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
      throw new EnvError(
        'TOKENBRIDGE_API_KEYS',
        `entry ${index + 1} needs a name of letters, digits, "_", "." or "-".`,
      );
    }
    if (key.length < 24 || /\s/.test(key)) {
      throw new EnvError('TOKENBRIDGE_API_KEYS', `key "${name}" must be at least 24 characters without spaces.`);
    }
    if (keys.some((k) => k.name === name))
      throw new EnvError('TOKENBRIDGE_API_KEYS', `the name "${name}" appears twice.`);
    keys.push({ name, key });
  }
  return keys;
}
