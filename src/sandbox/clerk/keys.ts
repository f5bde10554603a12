import { type CryptoKey, exportJWK, exportSPKI, importJWK, type JWK } from 'jose';
import { newRsaKeyPair, type RsaKeyPair, releaseRsaKeyPair } from '../kit/rsa-keys.js';

/** The instance's session-token signing key, its JWKS entry and its PEM (what `CLERK_JWT_KEY` holds). */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
  pem: string;
  /** The pair when it was generated for this run (not restored), handed back by {@link releaseSigningKey}. */
  generated?: RsaKeyPair;
}

/**
 * Generates the RS256 key pair of an instance. 2048 bits with e=65537 on purpose: `@clerk/backend` turns a
 * `jwtKey` PEM into a JWK by stripping that exact SPKI prefix, so any other size would fail there.
 */
export async function generateSigningKey(kid: string): Promise<SigningKey> {
  const pair = await newRsaKeyPair();
  const jwk = await exportJWK(pair.publicKey);
  return {
    kid,
    privateKey: pair.privateKey,
    jwk: { use: 'sig', kty: 'RSA', kid, alg: 'RS256', n: jwk.n, e: jwk.e },
    pem: await exportSPKI(pair.publicKey),
    generated: pair,
  };
}

/** Hands a generated key's pair back as the instance closes (see `reuseClosedEmulatorKeys`). */
export function releaseSigningKey(key: SigningKey): void {
  if (key.generated !== undefined) releaseRsaKeyPair(key.generated);
  delete key.generated;
}

/** A signing key as a saved state holds it: its kid and private JWK (the public half is derived from it). */
export interface SavedSigningKey {
  kid: string;
  privateJwk: JWK;
}

/** The key's private JWK, for an emulator that keeps its state across restarts. */
export async function exportSigningKey(key: SigningKey): Promise<SavedSigningKey> {
  return { kid: key.kid, privateJwk: await exportJWK(key.privateKey) };
}

/** A key saved by {@link exportSigningKey}, so session tokens signed before a restart still verify after it. */
export async function importSigningKey(saved: SavedSigningKey): Promise<SigningKey> {
  const { kid, privateJwk } = saved;
  const privateKey = (await importJWK({ ...privateJwk, alg: 'RS256' }, 'RS256', { extractable: true })) as CryptoKey;
  const publicKey = (await importJWK({ kty: 'RSA', n: privateJwk.n, e: privateJwk.e, alg: 'RS256' }, 'RS256', {
    extractable: true,
  })) as CryptoKey;
  return {
    kid,
    privateKey,
    jwk: { use: 'sig', kty: 'RSA', kid, alg: 'RS256', n: privateJwk.n, e: privateJwk.e },
    pem: await exportSPKI(publicKey),
  };
}

/** `pk_test_` + base64(`host$`): how clerk-js and `@clerk/backend` find the Frontend API. */
export function publishableKeyFor(frontendApiHost: string): string {
  return `pk_test_${Buffer.from(`${frontendApiHost}$`).toString('base64')}`;
}

/** The Frontend API host inside a publishable key, or undefined when the key is malformed. */
export function frontendApiOf(publishableKey: string): string | undefined {
  const match = /^pk_(test|live)_([A-Za-z0-9+/=_-]+)$/.exec(publishableKey);
  if (match === null) return undefined;
  const decoded = Buffer.from(match[2] ?? '', 'base64').toString('utf8');
  return decoded.endsWith('$') ? decoded.slice(0, -1) : undefined;
}
