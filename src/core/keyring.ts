import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigurationError, DecryptionError } from './errors.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
const KID = /^[A-Za-z0-9_-]{1,32}$/;

/** What a ciphertext is bound to: decrypting under any other user or purpose fails. */
export interface SecretContext {
  userId: string;
  /** What the secret is, e.g. `refresh_token`, `access_token`, `pkce_verifier`. */
  purpose: string;
}

/**
 * AES-256-GCM keys for secrets at rest. It encrypts with the first key and decrypts with any, so keys rotate by
 * prepending a new one and, once every row is rewritten, dropping the old one. Each ciphertext names its key and is
 * bound by associated data to its user and purpose.
 *
 * @example
 * const keyring = Keyring.parse(process.env.TOKENBRIDGE_ENCRYPTION_KEYS ?? Keyring.generate());
 * const box = keyring.encrypt('1//0abc', { userId: 'user_1', purpose: 'refresh_token' });
 * keyring.decrypt(box, { userId: 'user_1', purpose: 'refresh_token' }); // '1//0abc'
 */
export class Keyring {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly #primary: string;

  private constructor(keys: Map<string, Buffer>, primary: string) {
    this.#keys = keys;
    this.#primary = primary;
  }

  /** Parses `kid:base64key,kid2:base64key2`; the first key encrypts. Throws ConfigurationError, never echoing a key. */
  static parse(spec: string): Keyring {
    if (typeof spec !== 'string' || spec.trim() === '') {
      throw new ConfigurationError('The encryption keyring is empty; expected "kid:base64key,…".');
    }
    const keys = new Map<string, Buffer>();
    let primary: string | undefined;
    for (const [index, entry] of spec.split(',').entries()) {
      const part = entry.trim();
      const colon = part.indexOf(':');
      const kid = colon === -1 ? '' : part.slice(0, colon);
      if (!KID.test(kid)) {
        throw new ConfigurationError(
          `Keyring entry ${index + 1} needs a key id of 1-32 letters, digits, "_" or "-" before ":".`,
        );
      }
      const encoded = part.slice(colon + 1);
      const key = Buffer.from(encoded, 'base64');
      if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded) || key.length !== KEY_BYTES) {
        throw new ConfigurationError(`Keyring key "${kid}" must be ${KEY_BYTES} bytes, base64-encoded.`);
      }
      if (keys.has(kid)) throw new ConfigurationError(`Keyring key id "${kid}" appears twice.`);
      keys.set(kid, key);
      primary ??= kid;
    }
    return new Keyring(keys, primary!);
  }

  /** A new single-key keyring spec with a fresh random key, ready for `TOKENBRIDGE_ENCRYPTION_KEYS`. */
  static generate(kid = `k${Date.now().toString(36)}`): string {
    if (!KID.test(kid)) throw new ConfigurationError('A key id must be 1-32 letters, digits, "_" or "-".');
    return `${kid}:${randomBytes(KEY_BYTES).toString('base64')}`;
  }

  /** The id of the key that encrypts. */
  get primaryKeyId(): string {
    return this.#primary;
  }

  /** All key ids, the encrypting one first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** Encrypts `plaintext` with the first key, bound to `context`. Format: `v1.kid.iv.ciphertext+tag` (base64url). */
  encrypt(plaintext: string, context: SecretContext): string {
    const key = this.#keys.get(this.#primary)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(associatedData(this.#primary, context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, this.#primary, iv.toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Decrypts a value made by `encrypt` under the same context with any key of the ring. Throws DecryptionError. */
  decrypt(ciphertext: string, context: SecretContext): string {
    const parts = typeof ciphertext === 'string' ? ciphertext.split('.') : [];
    const [version, kid, ivText, bodyText] = parts;
    if (parts.length !== 4 || version !== VERSION || !kid || !ivText || !bodyText) {
      throw new DecryptionError('A stored secret is not in the expected format.');
    }
    const key = this.#keys.get(kid);
    if (!key)
      throw new DecryptionError(`A stored secret was encrypted with key "${kid}", which is not in the keyring.`);
    const iv = Buffer.from(ivText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    if (iv.length !== IV_BYTES || body.length < TAG_BYTES) {
      throw new DecryptionError('A stored secret is not in the expected format.');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(associatedData(kid, context));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      // GCM says only "unable to authenticate": tampering and a wrong user/purpose look the same, by design.
      throw new DecryptionError(
        'A stored secret failed authentication (tampered, or bound to another user or purpose).',
      );
    }
  }

  /** True when `ciphertext` was made with a key other than the current encrypting one (so it should be rewritten). */
  needsReencryption(ciphertext: string): boolean {
    return ciphertext.split('.')[1] !== this.#primary;
  }
}

function associatedData(kid: string, context: SecretContext): Buffer {
  // Length-prefixed fields, so no choice of user id can forge another (user, purpose) pair.
  const fields = [VERSION, kid, context.purpose, context.userId].map((f) => `${Buffer.byteLength(f)}:${f}`);
  return Buffer.from(`tokenbridge|${fields.join('|')}`, 'utf8');
}
