import { SANDBOX_BRIDGE_CLIENT, SANDBOX_CLERK_CLIENT } from '../../src/cli/sandbox.js';
import { Keyring } from '../../src/core/keyring.js';
import { API_KEY, type Backend, startWorld, type World, type WorldOptions } from '../e2e/world.js';

/**
 * The e2e world at debug level with the emulators' request logs captured too, remembering every secret that passes
 * through it: session tokens, access tokens the bridge hands out, codes and states seen in redirects, the refresh and
 * access tokens stored (decrypted with the keyring), client secrets, the Clerk secret key, the webhook secret, the
 * encryption key and the API key. `leakedSecrets()` searches every captured log line for all of them, and for anything
 * shaped like a Google code or token or a JWT.
 */
export interface SecretWorld extends World {
  /** Adds a secret seen elsewhere in a test (a code, an id_token). */
  remember(secret: string | null | undefined): void;
  /** Every remembered or stored secret found in a log line, as `kind: first characters…`; empty when none. */
  leakedSecrets(): Promise<string[]>;
}

/** The shapes of the emulators' secrets: Google's codes, access and refresh tokens, and any JWT. */
const SHAPES: Array<[string, RegExp]> = [
  ['authorization code', /4\/0A[A-Za-z0-9_-]{12}/],
  ['access token', /ya29\.a0[A-Za-z0-9_-]{12}/],
  ['refresh token', /1\/\/0[A-Za-z0-9_-]{12}/],
  ['JWT (session token or id_token)', /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}/],
];

/** Starts a {@link World} that records its secrets; see {@link SecretWorld}. */
export async function startSecretWorld(backend: Backend, options: WorldOptions = {}): Promise<SecretWorld> {
  const world = await startWorld(backend, { logLevel: 'debug', emulatorLogs: true, ...options });
  const seen = new Set<string>();
  const remember = (secret: string | null | undefined) => {
    if (typeof secret === 'string' && secret.length >= 8) seen.add(secret);
  };
  const userIds = new Set<string>();
  const rememberUrl = (location: string | null) => {
    if (!location) return;
    const url = new URL(location, world.publicUrl);
    for (const name of ['code', 'state', 'access_token', 'id_token']) remember(url.searchParams.get(name));
  };

  const signIn: World['signIn'] = async (email) => {
    const who = await world.signIn(email);
    remember(who.sessionToken);
    userIds.add(who.userId);
    return who;
  };
  const call: World['call'] = async (path, options) => {
    const response = await world.call(path, options);
    rememberUrl(response.headers.get('location'));
    const copy = response.clone();
    if ((copy.headers.get('content-type') ?? '').includes('json')) {
      const body = (await copy.json().catch(() => null)) as { accessToken?: string } | null;
      remember(body?.accessToken);
    }
    return response;
  };
  const connect: World['connect'] = async (who, scopes, options) => {
    const back = await world.connect(who, scopes, options);
    rememberUrl(back.toString());
    return back;
  };
  const popupCode: World['popupCode'] = async (scopes, account) => {
    const code = await world.popupCode(scopes, account);
    remember(code);
    return code;
  };

  const stored = async (): Promise<Map<string, string>> => {
    const secrets = new Map<string, string>();
    const keyring = Keyring.parse(world.sandbox.config.encryptionKeys);
    for (const userId of userIds) {
      const row = await world.service.store.getConnection(userId).catch(() => null);
      if (!row) continue;
      for (const purpose of ['refresh_token', 'access_token'] as const) {
        const box = purpose === 'refresh_token' ? row.refreshToken : row.accessToken;
        if (!box) continue;
        try {
          secrets.set(keyring.decrypt(box, { userId, purpose }), purpose);
        } catch {
          // A test that swapped ciphertexts between users left this one undecryptable under its own user.
          for (const other of userIds) {
            try {
              secrets.set(keyring.decrypt(box, { userId: other, purpose }), purpose);
            } catch {}
          }
        }
      }
    }
    return secrets;
  };

  return {
    ...world,
    signIn,
    call,
    connect,
    popupCode,
    remember,
    async leakedSecrets() {
      const secrets = new Map<string, string>([
        [SANDBOX_BRIDGE_CLIENT.clientSecret, 'bridge client secret'],
        [SANDBOX_CLERK_CLIENT.clientSecret, 'Clerk client secret'],
        [world.sandbox.config.clerk.secretKey, 'Clerk secret key'],
        [world.sandbox.config.clerk.webhookSigningSecret ?? 'unset-webhook-secret', 'webhook secret'],
        [API_KEY, 'API key'],
        ...world.sandbox.config.encryptionKeys
          .split(',')
          .map((entry): [string, string] => [entry.slice(entry.indexOf(':') + 1), 'encryption key']),
        ...[...seen].map((secret): [string, string] => [secret, 'token, code or state']),
        ...(await stored()),
      ]);
      const logs = world.logs.join('\n');
      const leaks: string[] = [];
      for (const [secret, kind] of secrets) {
        // A distinctive middle slice catches a secret even when a log line truncates or wraps it.
        const probe = secret.length > 40 ? secret.slice(8, 40) : secret;
        if (logs.includes(probe)) leaks.push(`${kind}: ${secret.slice(0, 6)}…`);
      }
      // And anything shaped like what the emulators issue, caught or not above: codes of the redirect flow,
      // id_tokens, tokens minted inside the Clerk emulator.
      for (const [kind, shape] of SHAPES) {
        const match = shape.exec(logs);
        if (match) leaks.push(`${kind}: ${match[0].slice(0, 6)}…`);
      }
      return leaks;
    },
  };
}
