import { randomBytes } from 'node:crypto';
import { exportJWK, type JWK, type JWTPayload, SignJWT } from 'jose';
import { newRsaKeyPair, type RsaKeyPair, releaseRsaKeyPair } from '../../kit/rsa-keys.js';

interface KeyPair {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
  pair: RsaKeyPair;
}

/**
 * The key Security Event Tokens are signed with: RS256, with a kid of its own so a receiver can only verify SETs
 * with keys from the RISC configuration's `jwks_uri`. Generated on first use, so emulator start-up pays nothing
 * when RISC is not exercised; a fresh key per run, like the id_token keys.
 */
export class RiscSigningKey {
  private pair: Promise<KeyPair> | undefined;

  private load(): Promise<KeyPair> {
    this.pair ??= (async () => {
      const pair = await newRsaKeyPair();
      const kid = `risc-${randomBytes(16).toString('hex')}`;
      const jwk = { ...(await exportJWK(pair.publicKey)), alg: 'RS256', use: 'sig', kid };
      return { kid, privateKey: pair.privateKey, jwk, pair };
    })();
    return this.pair;
  }

  /** Hands the pair back as the emulator closes, if one was made (see `reuseClosedEmulatorKeys`). */
  async release(): Promise<void> {
    const made = this.pair;
    this.pair = undefined;
    if (made !== undefined) releaseRsaKeyPair((await made).pair);
  }

  /** The JWKS served at the configuration's `jwks_uri`. */
  async jwks(): Promise<{ keys: JWK[] }> {
    return { keys: [{ ...(await this.load()).jwk }] };
  }

  /** Signs a SET with the RISC key. */
  async sign(payload: JWTPayload): Promise<string> {
    const { kid, privateKey } = await this.load();
    // RFC 8417 §2.3: explicit typing keeps a SET from being mistaken for an id_token or an access token.
    return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid, typ: 'secevent+jwt' }).sign(privateKey);
  }
}
