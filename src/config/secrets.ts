import { Keyring } from '../core/keyring.js';
import { EnvError } from './env-error.js';

/** A named API key for the server-to-server route; the name is what the audit trail records. */
export interface ApiKey {
  name: string;
  key: string;
}

/** `TOKENBRIDGE_ENCRYPTION_KEYS`: a keyring `Keyring.parse` accepts; its messages never echo key material. */
export function encryptionKeys(raw: string, name: string): string {
  try {
    Keyring.parse(raw);
  } catch (error) {
    throw new EnvError(name, error instanceof Error ? error.message : 'invalid keyring.');
  }
  return raw;
}

/** `name:key,name2:key2`; a bare `key` gets the name `key1`, `key2`, … by position. Keys must be 24+ characters. */
export function apiKeys(raw: string, variable: string): ApiKey[] {
  const keys: ApiKey[] = [];
  for (const [index, entry] of raw.split(',').entries()) {
    const part = entry.trim();
    if (part === '') continue;
    const colon = part.indexOf(':');
    const name = colon === -1 ? `key${index + 1}` : part.slice(0, colon);
    const key = colon === -1 ? part : part.slice(colon + 1);
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
      throw new EnvError(variable, `entry ${index + 1} needs a name of letters, digits, "_", "." or "-".`);
    }
    if (key.length < 24 || /\s/.test(key)) {
      throw new EnvError(variable, `key "${name}" must be at least 24 characters without spaces.`);
    }
    if (keys.some((k) => k.name === name)) throw new EnvError(variable, `the name "${name}" appears twice.`);
    keys.push({ name, key });
  }
  return keys;
}

/** A bearer token of at least 24 characters without spaces (`TOKENBRIDGE_METRICS_TOKEN`). */
export function bearerToken(raw: string, name: string): string {
  if (raw.length < 24 || /\s/.test(raw)) throw new EnvError(name, 'must be at least 24 characters without spaces.');
  return raw;
}

/** Clerk's PEM public key; dashboards and .env files often flatten it onto one line with literal "\n". */
export function pemPublicKey(raw: string, name: string): string {
  const pem = raw.replace(/\\n/g, '\n');
  if (!/-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----/.test(pem)) {
    throw new EnvError(name, 'expected the PEM public key from the Clerk dashboard (-----BEGIN PUBLIC KEY-----).');
  }
  return pem;
}

/** Clerk's webhook signing secret, `whsec_<base64>` as its dashboard shows it. */
export function clerkSigningSecret(raw: string, name: string): string {
  if (!/^whsec_[A-Za-z0-9+/=]{16,}$/.test(raw)) {
    throw new EnvError(name, 'expected a signing secret of the form whsec_<base64>.');
  }
  return raw;
}

/** A Standard Webhooks secret the bridge signs with: `whsec_` and 24 to 64 bytes in base64. */
export function standardWebhooksSecret(raw: string, name: string): string {
  const key = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(raw)?.[1];
  const bytes = key === undefined ? 0 : Buffer.from(key, 'base64').length;
  if (bytes < 24 || bytes > 64) {
    throw new EnvError(
      name,
      'expected whsec_ followed by 24 to 64 bytes in base64 (Standard Webhooks), such as ' +
        "node -e \"console.log('whsec_' + crypto.randomBytes(32).toString('base64'))\".",
    );
  }
  return raw;
}
