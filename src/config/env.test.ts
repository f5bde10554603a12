import { describe, expect, it } from 'vitest';
import { Keyring } from '../core/keyring.js';
import { EnvError, parseEnv, resolveServiceConfig } from './env.js';

const production = {
  CLERK_SECRET_KEY: 'sk_test_abc',
  GOOGLE_CLIENT_ID: 'client.apps.googleusercontent.com',
  GOOGLE_CLIENT_SECRET: 'GOCSPX-secret',
  TOKENBRIDGE_ENCRYPTION_KEYS: Keyring.generate('k1'),
};

function failure(env: Record<string, string>): EnvError {
  try {
    parseEnv(env);
  } catch (error) {
    if (error instanceof EnvError) return error;
    throw error;
  }
  throw new Error('parseEnv accepted the environment');
}

describe('configuration from the environment', () => {
  it('an empty environment is the sandbox with the documented defaults', () => {
    const config = parseEnv({});
    expect(config.mode).toBe('sandbox');
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.databaseUrl).toBe('./data/tokenbridge.db');
    expect(config.tokenSource).toBe('auto');
    expect(config.sandbox).toEqual({ googlePort: 3001, clerkPort: 3002, googleIssuer: 'google', dataDir: './data' });
    expect(config.logLevel).toBe('info');
  });

  it('the public URL, redirect URI and authorized parties default from the port', () => {
    const service = resolveServiceConfig(parseEnv({ PORT: '4000' }), {
      port: 4000,
      credentials: {
        clerk: { secretKey: 'sk_test_x' } as never,
        google: { clientId: 'id', clientSecret: 's' } as never,
        encryptionKeys: Keyring.generate(),
      },
    });
    expect(service.publicUrl).toBe('http://localhost:4000');
    expect(service.google.redirectUri).toBe('http://localhost:4000/oauth/google/callback');
    expect(service.clerk.authorizedParties).toEqual(['http://localhost:4000']);
  });

  it('a full production environment parses, with lists split on commas', () => {
    const config = parseEnv({
      ...production,
      PUBLIC_URL: 'https://bridge.example.com/',
      CLERK_AUTHORIZED_PARTIES: 'https://app.example.com, https://admin.example.com',
      TOKENBRIDGE_API_KEYS: 'backend:0123456789abcdef0123456789abcdef',
      TOKEN_SOURCE: 'oauth',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      CLERK_PROXY_URL: 'https://app.example.com/__clerk',
    });
    expect(config.clerk.proxyUrl).toBe('https://app.example.com/__clerk');
    expect(config.mode).toBe('production');
    expect(config.publicUrl).toBe('https://bridge.example.com');
    expect(config.clerk.authorizedParties).toEqual(['https://app.example.com', 'https://admin.example.com']);
    expect(config.apiKeys).toEqual([{ name: 'backend', key: '0123456789abcdef0123456789abcdef' }]);
    expect(config.tokenSource).toBe('oauth');
  });

  it('PUBLIC_URL may carry the path a site mounts the bridge under: the redirect URI and azp follow it', () => {
    const env = parseEnv({ ...production, PUBLIC_URL: 'https://app.example.com/tools/tokenbridge/' });
    expect(env.publicUrl).toBe('https://app.example.com/tools/tokenbridge');
    const service = resolveServiceConfig(env, { port: 3000 });
    expect(service.google.redirectUri).toBe('https://app.example.com/tools/tokenbridge/oauth/google/callback');
    // A session token's azp is the page's origin, which has no path.
    expect(service.clerk.authorizedParties).toEqual(['https://app.example.com']);
  });

  it.each([
    'https://app.example.com/token bridge',
    'https://app.example.com/a%2Fb',
    'https://app.example.com/tokenbridge?x=1',
    'https://app.example.com/tokenbridge#top',
    'https://app.example.com/a;b',
  ])('PUBLIC_URL %s is refused: its path must be plain segments', (raw) => {
    const error = failure({ PUBLIC_URL: raw });
    expect(error.variable).toBe('PUBLIC_URL');
  });

  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['HOST', { HOST: 'http://0.0.0.0' }],
    ['SANDBOX_GOOGLE_PORT', { SANDBOX_GOOGLE_PORT: '-1' }],
    ['SANDBOX_CLERK_PORT', { SANDBOX_CLERK_PORT: 'x' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'not a url' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'ftp://example.com' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://localhost/db' }],
    ['TOKEN_SOURCE', { TOKEN_SOURCE: 'magic' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['CLERK_AUTHORIZED_PARTIES', { CLERK_AUTHORIZED_PARTIES: 'https://app.example.com/path' }],
    ['TOKENBRIDGE_CORS_ORIGINS', { TOKENBRIDGE_CORS_ORIGINS: 'nope' }],
    ['TOKENBRIDGE_API_KEYS', { TOKENBRIDGE_API_KEYS: 'short' }],
    ['TOKENBRIDGE_ENCRYPTION_KEYS', { TOKENBRIDGE_ENCRYPTION_KEYS: 'k1:dG9vc2hvcnQ=' }],
    ['CLERK_JWT_KEY', { CLERK_JWT_KEY: 'not a pem' }],
    ['CLERK_WEBHOOK_SIGNING_SECRET', { CLERK_WEBHOOK_SIGNING_SECRET: 'secret' }],
    ['CLERK_PUBLISHABLE_KEY', { CLERK_PUBLISHABLE_KEY: 'pk_nope' }],
    ['CLERK_PROXY_URL', { CLERK_PROXY_URL: '/__clerk' }],
    ['GOOGLE_BASE_URL', { GOOGLE_BASE_URL: 'http://127.0.0.1:3001/some/path' }],
  ])('an invalid %s stops start-up with a message naming it', (variable, env) => {
    const error = failure(env as Record<string, string>);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
  });

  it('setting only some of the real credentials is an error naming what is missing', () => {
    const error = failure({ GOOGLE_CLIENT_ID: 'client.apps.googleusercontent.com' });
    expect(error.message).toContain('CLERK_SECRET_KEY');
    expect(error.message).toContain('GOOGLE_CLIENT_SECRET');
    expect(error.message).toContain('TOKENBRIDGE_ENCRYPTION_KEYS');
  });

  it('production refuses to start without an encryption keyring', () => {
    const { TOKENBRIDGE_ENCRYPTION_KEYS: _, ...withoutKeys } = production;
    const error = failure(withoutKeys);
    expect(error.variable).toBe('TOKENBRIDGE_ENCRYPTION_KEYS');
  });

  it('a bad keyring is reported without echoing the key material', () => {
    const error = failure({ TOKENBRIDGE_ENCRYPTION_KEYS: 'k1:c2VjcmV0LWtleS1tYXRlcmlhbA==' });
    expect(error.message).not.toContain('c2VjcmV0LWtleS1tYXRlcmlhbA');
  });

  it('a one-line PEM with literal \\n is accepted as the Clerk JWT key', () => {
    const config = parseEnv({ CLERK_JWT_KEY: '-----BEGIN PUBLIC KEY-----\\nMIIB\\n-----END PUBLIC KEY-----' });
    expect(config.clerk.jwtKey).toBe('-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----');
  });

  it('the proxy’s byte cap defaults to 512 MiB, 0 lifts it, and a bad value is named by its variable', () => {
    expect(parseEnv({}).proxyMaxBytes).toBe(512 * 1024 * 1024);
    expect(parseEnv({ TOKENBRIDGE_PROXY_MAX_BYTES: '0' }).proxyMaxBytes).toBe(0);
    expect(parseEnv({ TOKENBRIDGE_PROXY_MAX_BYTES: '5000000000' }).proxyMaxBytes).toBe(5_000_000_000);
    const config = resolveServiceConfig(parseEnv({ ...production, TOKENBRIDGE_PROXY_MAX_BYTES: '1024' }), {
      port: 3000,
    });
    expect(config.proxyMaxBytes).toBe(1024);
    for (const bad of ['-1', '1e9', '10MB', 'lots']) {
      expect(failure({ TOKENBRIDGE_PROXY_MAX_BYTES: bad }).variable).toBe('TOKENBRIDGE_PROXY_MAX_BYTES');
    }
  });

  it('an upstream call may take 10 s unless TOKENBRIDGE_UPSTREAM_TIMEOUT_SECONDS says otherwise (1 to 300)', () => {
    expect(parseEnv({}).upstreamTimeoutSeconds).toBe(10);
    const config = resolveServiceConfig(parseEnv({ ...production, TOKENBRIDGE_UPSTREAM_TIMEOUT_SECONDS: '45' }), {
      port: 3000,
    });
    expect(config.upstreamTimeoutSeconds).toBe(45);
    for (const bad of ['0', '301', '2.5', 'soon']) {
      expect(failure({ TOKENBRIDGE_UPSTREAM_TIMEOUT_SECONDS: bad }).variable).toBe(
        'TOKENBRIDGE_UPSTREAM_TIMEOUT_SECONDS',
      );
    }
  });
});

describe('server deadlines and connection cap', () => {
  it('default to headers in 10 s, whole requests in 30 s, idle keep-alive 5 s and 4096 connections', () => {
    expect(parseEnv({}).serverLimits).toEqual({
      headersTimeoutSeconds: 10,
      requestTimeoutSeconds: 30,
      keepAliveTimeoutSeconds: 5,
      maxConnections: 4096,
    });
  });

  it('are read from the environment and reach the service configuration', () => {
    const env = {
      ...production,
      TOKENBRIDGE_HEADERS_TIMEOUT_SECONDS: '5',
      TOKENBRIDGE_REQUEST_TIMEOUT_SECONDS: '60',
      TOKENBRIDGE_KEEP_ALIVE_TIMEOUT_SECONDS: '65',
      TOKENBRIDGE_MAX_CONNECTIONS: '10000',
    };
    expect(resolveServiceConfig(parseEnv(env), { port: 3000 }).serverLimits).toEqual({
      headersTimeoutSeconds: 5,
      requestTimeoutSeconds: 60,
      keepAliveTimeoutSeconds: 65,
      maxConnections: 10000,
    });
  });

  it.each([
    ['TOKENBRIDGE_HEADERS_TIMEOUT_SECONDS', '0'],
    ['TOKENBRIDGE_HEADERS_TIMEOUT_SECONDS', '45'],
    ['TOKENBRIDGE_REQUEST_TIMEOUT_SECONDS', 'soon'],
    ['TOKENBRIDGE_KEEP_ALIVE_TIMEOUT_SECONDS', '0'],
    ['TOKENBRIDGE_MAX_CONNECTIONS', '0'],
  ])('a bad %s (%s) is refused naming the variable', (variable, value) => {
    expect(failure({ [variable]: value }).variable).toBe(variable);
  });
});
