import { databaseUrl } from './database-url.js';
import { listenHost, trustProxy } from './network.js';
import {
  apiKeys,
  bearerToken,
  clerkSigningSecret,
  encryptionKeys,
  pemPublicKey,
  standardWebhooksSecret,
} from './secrets.js';
import {
  checked,
  mountUrl,
  oneOf,
  onOff,
  optional,
  origin,
  origins,
  port,
  text,
  url,
  type Variable,
  whole,
} from './variable.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** 512 MiB: a large Drive download, yet a bound on what one request can pull through the bridge. */
export const DEFAULT_PROXY_MAX_BYTES = 512 * 1024 * 1024;

/**
 * Every environment variable Tokenbridge reads, in the order the README lists them: its type, default, meaning and
 * whether it is secret. `parseEnv` reads exactly these, and the README's configuration table is generated from them
 * (`npm run docs:config`; `readme-table.test.ts` fails when the README is out of date).
 */
export const VARIABLES = {
  PORT: port(3000, { description: 'where the bridge listens' }),
  HOST: checked('host', '127.0.0.1', { description: 'the address the bridge listens on' }, listenHost),
  PUBLIC_URL: mountUrl({
    description:
      "the bridge's public URL: an origin, or an origin and the path a site mounts it under (`https://app.example.com/tokenbridge`: routes, console and cookies follow it); gives the redirect URI, connect URLs, `Secure` cookies when https",
    shownDefault: '`http://localhost:$PORT`',
  }),
  DATABASE_URL: checked(
    'SQLite path or `postgres://…`',
    './data/tokenbridge.db',
    { description: 'a SQLite file, or `postgres://…` for PostgreSQL (required for several instances)' },
    databaseUrl,
  ),
  CLERK_SECRET_KEY: text({
    type: '`sk_test_…` or `sk_live_…`',
    description: "Clerk's secret key",
    secret: true,
    shownDefault: 'sandbox',
  }),
  CLERK_PUBLISHABLE_KEY: text({
    type: '`pk_test_…` or `pk_live_…`',
    description: "Clerk's publishable key (names the Frontend API the console loads clerk-js from)",
    pattern: /^pk_(test|live)_[A-Za-z0-9+/=_-]+$/,
    expected: 'a Clerk publishable key (pk_test_… or pk_live_…)',
    shownDefault: 'sandbox',
  }),
  CLERK_API_URL: origin({ description: "Clerk's Backend API", shownDefault: '`https://api.clerk.com`' }),
  CLERK_PROXY_URL: url({
    description:
      "Clerk's proxy URL, when the Frontend API is reached through one (`proxyUrl` in Clerk's SDKs): the console loads clerk-js there",
    shownDefault: 'the Frontend API the publishable key names',
  }),
  CLERK_JWT_KEY: optional(
    'PEM public key',
    { description: "the instance's PEM public key: verifies sessions with no network (recommended in production)" },
    pemPublicKey,
  ),
  CLERK_AUTHORIZED_PARTIES: origins({
    description: 'accepted `azp` origins',
    shownDefault: 'the `PUBLIC_URL` origin',
  }),
  CLERK_WEBHOOK_SIGNING_SECRET: optional(
    '`whsec_…`',
    { description: 'verifies Clerk webhooks at `/webhooks/clerk`', secret: true },
    clerkSigningSecret,
  ),
  GOOGLE_CLIENT_ID: text({
    type: '`….apps.googleusercontent.com`',
    description: "the Google OAuth web client's id",
    shownDefault: 'sandbox',
  }),
  GOOGLE_CLIENT_SECRET: text({
    description: "the Google OAuth web client's secret",
    secret: true,
    shownDefault: 'sandbox',
  }),
  GOOGLE_REDIRECT_URI: url({
    description: 'must be registered on the client',
    shownDefault: '`$PUBLIC_URL/oauth/google/callback`',
  }),
  GOOGLE_BASE_URL: origin({
    description: 'one origin serving every Google endpoint (how the sandbox points the same code at the emulator)',
    shownDefault: "Google's hosts",
  }),
  TOKEN_SOURCE: oneOf(['auto', 'clerk', 'oauth'], 'auto', {
    description: '`auto`: own connection if it covers the scopes, else Clerk-held; `oauth` or `clerk`: only that one',
  }),
  TOKENBRIDGE_ENCRYPTION_KEYS: optional(
    '`kid:base64key,…`',
    {
      description: 'the first key encrypts, any decrypts; required outside the sandbox',
      secret: true,
      shownDefault: 'sandbox generates one',
    },
    encryptionKeys,
  ),
  TOKENBRIDGE_API_KEYS: optional(
    '`name:key,…`',
    { description: 'API keys for server-to-server token reads', secret: true },
    apiKeys,
  ),
  TOKENBRIDGE_CORS_ORIGINS: origins({ description: 'origins allowed to call the API cross-origin' }),
  TOKENBRIDGE_RATE_LIMIT_PER_USER: whole(1200, {
    description: 'requests per window for each signed-in user (or API-key target); shared by instances on PostgreSQL',
    zero: 'switches the limit off',
  }),
  TOKENBRIDGE_RATE_LIMIT_PER_IP: whole(300, {
    description: 'requests per window for each address without a verified identity',
    zero: 'switches the limit off',
  }),
  TOKENBRIDGE_RATE_LIMIT_WINDOW_SECONDS: whole(60, {
    description: 'the window of both rate limits',
    unit: 'seconds',
    min: 1,
    max: 86_400,
  }),
  TOKENBRIDGE_HEADERS_TIMEOUT_SECONDS: whole(10, {
    description: 'how long a client may take to send its headers (a slow one gets 408 and is cut off)',
    unit: 'seconds',
    min: 1,
    max: 300,
  }),
  TOKENBRIDGE_REQUEST_TIMEOUT_SECONDS: whole(30, {
    description: "how long a client may take to send its whole request, body included; at least the headers' timeout",
    unit: 'seconds',
    min: 1,
    max: 3600,
  }),
  TOKENBRIDGE_KEEP_ALIVE_TIMEOUT_SECONDS: whole(5, {
    description: 'idle keep-alive; behind a load balancer, above its idle timeout (AWS ALB 60 s: set `65`)',
    unit: 'seconds',
    min: 1,
    max: 3600,
  }),
  TOKENBRIDGE_UPSTREAM_TIMEOUT_SECONDS: whole(10, {
    description:
      'how long one call to Google or Clerk may take; past it the call counts as failed and is retried within bounds (a retried refresh may cost Google a second grant when the first answer was only late)',
    unit: 'seconds',
    min: 1,
    max: 300,
  }),
  TOKENBRIDGE_MAX_CONNECTIONS: whole(4096, {
    description: 'open connections at most; past it, new ones are closed at once',
    min: 1,
  }),
  TOKENBRIDGE_TRUST_PROXY: optional(
    'hop count or addresses',
    {
      description:
        "behind a load balancer: its hop count (`1`) or addresses (`10.0.0.0/8,loopback`), so `X-Forwarded-For` gives the client's address",
      shownDefault: '– (trust none)',
    },
    trustProxy,
  ),
  TOKENBRIDGE_PROXY_MAX_BYTES: whole(DEFAULT_PROXY_MAX_BYTES, {
    description:
      'the largest Google answer the proxy streams through: a larger declared length is 502 `upstream_too_large`',
    unit: 'bytes',
    zero: 'passes any size',
    shownDefault: '`536870912` (512 MiB)',
  }),
  TOKENBRIDGE_WEBHOOK_URL: url({
    description:
      "the app's endpoint for connection events, signed per Standard Webhooks ([events](docs/operations.md#outbound-events))",
    query: true,
  }),
  TOKENBRIDGE_WEBHOOK_SECRET: optional(
    '`whsec_<base64>`',
    { description: 'signs the connection events (24–64 bytes); required when the URL is set', secret: true },
    standardWebhooksSecret,
  ),
  TOKENBRIDGE_METRICS_TOKEN: optional(
    'token, 24+ characters',
    { description: '`/metrics` requires it as a Bearer token; unset, `/metrics` is open', secret: true },
    bearerToken,
  ),
  TOKENBRIDGE_CONSOLE: onOff({
    description: 'serve the web console at `$PUBLIC_URL/` ([console](docs/console.md))',
    shownDefault: '`off` (`on` in the sandbox)',
  }),
  LOG_LEVEL: oneOf(LOG_LEVELS, 'info', { description: 'pino JSON logs; secrets are redacted', caseless: true }),
  SANDBOX_GOOGLE_PORT: port(3001, { description: "the Google emulator's port in the sandbox" }),
  SANDBOX_CLERK_PORT: port(3002, { description: "the Clerk emulator's port in the sandbox" }),
  SANDBOX_DATA_DIR: checked(
    'folder',
    './data',
    {
      description:
        "where the sandbox keeps what survives a restart: the emulators' state (users, sessions, keys, grants) and its generated encryption key; `tokenbridge start --fresh` wipes it",
    },
    (raw) => raw,
  ),
  SANDBOX_GOOGLE_ISSUER: oneOf(['google', 'self'], 'google', {
    description:
      "the Google emulator's id_token issuer: `google` (`https://accounts.google.com`, as `verifyIdToken` expects) or `self` (the emulator's own URL, for strict OIDC clients)",
  }),
} satisfies Record<string, Variable<unknown>>;

export type VariableName = keyof typeof VARIABLES;

/** Every variable's parsed value, by name. */
export type VariableValues = { [K in VariableName]: ReturnType<(typeof VARIABLES)[K]['parse']> };

/**
 * Reads every variable of the table from `env` (blank counts as unset), in table order, so the first bad one is the
 * one reported.
 */
export function readVariables(env: Readonly<Record<string, string | undefined>>): VariableValues {
  const values: Record<string, unknown> = {};
  for (const [name, definition] of Object.entries(VARIABLES) as Array<[string, Variable<unknown>]>) {
    const raw = env[name]?.trim();
    values[name] = definition.parse(raw === '' ? undefined : raw, name);
  }
  return values as VariableValues;
}
