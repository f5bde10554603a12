import { exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import pino from 'pino';
import type { ServiceConfig } from '../../src/config/env.js';
import { NotConnectedError } from '../../src/core/errors.js';
import { normaliseScopes } from '../../src/core/scopes.js';
import type { AccessToken, Connection, TokenBridge } from '../../src/core/types.js';
import { buildServer } from '../../src/http/server.js';
import type { Store } from '../../src/storage/index.js';
import { FrozenClock } from '../support/frozen-clock.js';

export const ORIGIN = 'http://localhost:4000';
export const WEBHOOK_SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
export const API_KEY = 'backend-key-0123456789abcdef0123';

/**
 * A bridge double: each method can be replaced per test; calls are recorded. Scopes reach the replacements
 * normalised, as the core's interface promises (the HTTP layer passes them on as sent).
 */
export function fakeBridge(overrides: Partial<TokenBridge> = {}): TokenBridge & { calls: Array<[string, unknown]> } {
  const calls: Array<[string, unknown]> = [];
  const record =
    <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      calls.push([name, args[0]]);
      return fn(...args);
    };
  const base: TokenBridge = {
    getAccessToken: async () => {
      throw new NotConnectedError(`${ORIGIN}/connect/google`);
    },
    createAuthorizationUrl: async (request) => ({
      url: `https://accounts.google.test/o/oauth2/v2/auth?state=s1&scope=${encodeURIComponent(request.scopes.join(' '))}`,
      state: 's1',
      expiresAt: new Date().toISOString(),
    }),
    completeAuthorization: async () => ({ connection: sampleConnection(), returnTo: '/settings' }),
    exchangeCode: async () => sampleConnection(),
    connection: async () => null,
    disconnect: async () => {},
    handleOnce: async (_source, _id, fn) => ({ duplicate: false, value: await fn() }),
    applySecurityEvents: async () => ({ duplicate: false, affectedUserIds: [], staleUserIds: [] }),
    forgetClerkUser: () => {},
    on: () => () => {},
    close: async () => {},
  };
  const merged = { ...base, ...overrides };
  return {
    calls,
    getAccessToken: record('getAccessToken', async (userId, options) =>
      merged.getAccessToken(userId, options && { ...options, scopes: normaliseScopes(options.scopes ?? []) }),
    ),
    createAuthorizationUrl: record('createAuthorizationUrl', async (request) =>
      merged.createAuthorizationUrl({ ...request, scopes: normaliseScopes(request.scopes ?? []) }),
    ),
    completeAuthorization: record('completeAuthorization', merged.completeAuthorization),
    exchangeCode: record('exchangeCode', merged.exchangeCode),
    connection: record('connection', merged.connection),
    disconnect: record('disconnect', merged.disconnect),
    handleOnce: (source, id, fn) => {
      calls.push(['handleOnce', source]);
      return merged.handleOnce(source, id, fn);
    },
    applySecurityEvents: record('applySecurityEvents', merged.applySecurityEvents),
    forgetClerkUser: (userId) => {
      calls.push(['forgetClerkUser', userId]);
      merged.forgetClerkUser(userId);
    },
    on: merged.on,
    close: merged.close,
  };
}

export function sampleConnection(): Connection {
  return {
    userId: 'user_1',
    status: 'active',
    source: 'oauth',
    google: { sub: '1234567890', email: 'ada@example.com' },
    scopes: ['email', 'openid', 'https://www.googleapis.com/auth/drive.readonly'],
    accessTokenExpiresAt: '2026-01-01T01:00:00.000Z',
    lastRefreshAt: null,
    lastError: null,
    reconnectReason: null,
    refreshTokenExpiresAt: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

export function sampleToken(scopes: string[] = ['https://www.googleapis.com/auth/drive.readonly']): AccessToken {
  return {
    accessToken: 'ya29.sample-access-token',
    tokenType: 'Bearer',
    expiresAt: '2026-01-01T01:00:00.000Z',
    scopes,
    source: 'oauth',
    google: { sub: '1234567890', email: 'ada@example.com' },
  };
}

/** The service configuration the HTTP tests run with: Clerk sessions verified with `jwtKey`, nothing reachable. */
export function testConfig(jwtKey: string, overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    publicUrl: ORIGIN,
    databaseUrl: ':memory:',
    clerk: {
      secretKey: 'sk_test_unused',
      publishableKey: undefined,
      apiUrl: undefined,
      jwtKey,
      authorizedParties: [ORIGIN],
      webhookSigningSecret: WEBHOOK_SECRET,
    },
    google: {
      clientId: 'client',
      clientSecret: 'secret',
      redirectUri: `${ORIGIN}/oauth/google/callback`,
      baseUrl: 'http://127.0.0.1:9',
    },
    tokenSource: 'auto',
    encryptionKeys: 'unused',
    apiKeys: [{ name: 'backend', key: API_KEY }],
    corsOrigins: ['https://app.example.com'],
    logLevel: 'info',
    console: true,
    ...overrides,
  };
}

let keys: ReturnType<typeof generateKeys> | undefined;
const generateKeys = () => Promise.all([generateKeyPair('RS256'), generateKeyPair('RS256')]);
/** "Clerk's" signing key and a stranger's, made once per process: an RSA key costs more than the server it signs for. */
const testKeys = () => {
  keys ??= generateKeys();
  return keys;
};

/** A bridge HTTP server on port 0 with Clerk keys of our own, so tests can sign session tokens. */
export async function startTestServer(
  options: { bridge?: TokenBridge; config?: Partial<ServiceConfig>; health?: Store['health'] } = {},
) {
  const [{ publicKey, privateKey }, otherKeys] = await testKeys();
  const clock = new FrozenClock();
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  const bridge = options.bridge ?? fakeBridge();
  const audit: unknown[] = [];
  const config = testConfig(await exportSPKI(publicKey), options.config);
  const app = await buildServer({
    config,
    bridge: auditingReads(bridge, audit),
    store: { health: options.health ?? (async () => ({ database: 'ok', locks: 'ok', changeFeed: 'ok' })) },
    logger,
    clock,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const sign = (claims: JWTPayload = {}, key = privateKey) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sid: 'sess_1', azp: ORIGIN, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'ins_1' })
      .setSubject((claims.sub as string | undefined) ?? 'user_1')
      .setIssuedAt(now - 5)
      .setNotBefore(now - 5)
      .setExpirationTime((claims.exp as number | undefined) ?? now + 60)
      .sign(key);
  };
  return { app, url, bridge, sign, otherKey: otherKeys.privateKey, clock, logs, audit, close: () => app.close() };
}

/** The bridge with the core's audit of reads made for someone else (`actor`), kept in `audit` as the store would. */
function auditingReads(bridge: TokenBridge, audit: unknown[]): TokenBridge {
  return {
    ...bridge,
    getAccessToken: async (userId, options) => {
      const token = await bridge.getAccessToken(userId, options);
      if (options?.actor !== undefined) {
        audit.push({ userId, action: 'token_read', actor: options.actor, detail: { source: token.source } });
      }
      return token;
    },
  };
}
