import { type CryptoKey, generateKeyPair } from 'jose';

/** An RS256 key pair, extractable so a state file can keep it. */
export interface RsaKeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

/** Pairs of closed emulators, waiting for the next one this process starts. */
const spare: RsaKeyPair[] = [];
let reusing = false;

/**
 * Lets the emulators this process starts take the RS256 key pairs of the ones it has closed (under new key ids)
 * instead of generating their own. A 2048-bit RSA key costs about 200 ms of CPU on a small machine, and a test suite
 * that starts emulators per test spends minutes on them. Two emulators open at the same time never share a pair, and
 * a restarted emulator's kids differ, so its earlier tokens still fail lookup by kid; a verifier given only a PEM
 * (Clerk's `jwtKey`) could accept a closed instance's token, which is why this is off unless a test suite turns it on.
 */
export function reuseClosedEmulatorKeys(on = true): void {
  reusing = on;
  if (!on) spare.length = 0;
}

/** A pair for a new emulator: a closed emulator's when {@link reuseClosedEmulatorKeys} is on, else a new one. */
export async function newRsaKeyPair(): Promise<RsaKeyPair> {
  return spare.pop() ?? generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
}

/** Called by an emulator as it closes, for the pairs it generated (never those restored from a state file). */
export function releaseRsaKeyPair(pair: RsaKeyPair): void {
  if (reusing) spare.push(pair);
}
