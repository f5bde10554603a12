import { createHash, KeyObject, randomBytes } from 'node:crypto';
import { exportJWK, importJWK, type JWK, type JWTPayload, SignJWT } from 'jose';
import { newRsaKeyPair, type RsaKeyPair, releaseRsaKeyPair } from '../kit/rsa-keys.js';
import { selfSignedCertificate } from './x509.js';

/** One RS256 signing key with the id Google-style JWKS publish it under. */
interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
  pem: string;
}

/** A signing key as a saved state holds it: the private JWK and its certificate. */
export interface SavedKey {
  kid: string;
  privateJwk: JWK;
  pem: string;
}

/**
 * The emulator's id_token signing keys. Like Google it publishes two keys and signs with the first; a fresh pair is
 * made on each start, so tokens from one emulator run never verify against another.
 */
export class SigningKeys {
  /** `generated`: the pairs made for this run, handed back on {@link SigningKeys.release}. */
  private constructor(
    private readonly keys: SigningKey[],
    private readonly generated: RsaKeyPair[] = [],
  ) {}

  /** Generates the key pair(s), with certificates valid around `now`. */
  static async generate(now: Date, count = 2): Promise<SigningKeys> {
    const pairs = await Promise.all(Array.from({ length: count }, () => newRsaKeyPair()));
    const keys: SigningKey[] = [];
    for (const { privateKey, publicKey } of pairs) {
      // Google's kids are 40 hex characters.
      const kid = randomBytes(20).toString('hex');
      const jwk = { ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig', kid };
      const pem = selfSignedCertificate({
        publicKey: KeyObject.from(publicKey),
        privateKey: KeyObject.from(privateKey),
        // Google's certificates name a random service-account-like subject; any CN does.
        commonName: `${kid.slice(0, 12)}.securetoken.system.gserviceaccount.com`,
        now,
      });
      keys.push({ kid, privateKey, jwk, pem });
    }
    return new SigningKeys(keys, pairs);
  }

  /** The keys as a state file keeps them, so id_tokens signed before a restart verify after it. */
  async export(): Promise<SavedKey[]> {
    return Promise.all(
      this.keys.map(async (k) => ({ kid: k.kid, privateJwk: await exportJWK(k.privateKey), pem: k.pem })),
    );
  }

  /** Keys saved by {@link SigningKeys.export}. */
  static async restore(saved: SavedKey[]): Promise<SigningKeys> {
    const keys = await Promise.all(
      saved.map(async ({ kid, privateJwk, pem }) => {
        const privateKey = (await importJWK({ ...privateJwk, alg: 'RS256' }, 'RS256', {
          extractable: true,
        })) as CryptoKey;
        const jwk: JWK = { kty: 'RSA', n: privateJwk.n, e: privateJwk.e, alg: 'RS256', use: 'sig', kid };
        return { kid, privateKey, jwk, pem };
      }),
    );
    return new SigningKeys(keys);
  }

  /** Hands the generated pairs back as the emulator closes (see `reuseClosedEmulatorKeys`). */
  release(): void {
    for (const pair of this.generated.splice(0)) releaseRsaKeyPair(pair);
  }

  /** The JWKS document of `/oauth2/v3/certs`. */
  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => ({ ...k.jwk })) };
  }

  /** The `{kid: PEM certificate}` map of `/oauth2/v1/certs`. */
  pemMap(): Record<string, string> {
    return Object.fromEntries(this.keys.map((k) => [k.kid, k.pem]));
  }

  /** Signs an id_token with the current key. */
  async sign(payload: JWTPayload): Promise<string> {
    const key = this.keys[0]!;
    return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
  }
}

/** OIDC `at_hash`: the left half of the SHA-256 of the access token, base64url. */
export function accessTokenHash(accessToken: string): string {
  const digest = createHash('sha256').update(accessToken).digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
