import { afterAll, describe, expect, it } from 'vitest';
import { type ClerkEmulator, reuseClosedEmulatorKeys, startClerkEmulator } from '../../src/sandbox/clerk/index.js';
import { type GoogleEmulator, startGoogleEmulator } from '../../src/sandbox/google/index.js';

// `reuseClosedEmulatorKeys` (on for this suite, test/support/setup.ts): a closed emulator's RSA pairs go to the next
// one under new key ids, never to two open at once; off, every emulator makes its own.

interface Jwk {
  kid: string;
  n: string;
}

async function googleKeys(google: GoogleEmulator): Promise<Jwk[]> {
  return ((await (await fetch(`${google.url}/oauth2/v3/certs`)).json()) as { keys: Jwk[] }).keys;
}

async function clerkKey(clerk: ClerkEmulator): Promise<Jwk> {
  const response = await fetch(`${clerk.url}/v1/jwks`, { headers: { authorization: `Bearer ${clerk.secretKey}` } });
  return ((await response.json()) as { keys: Jwk[] }).keys[0]!;
}

/** Clerk's Google client; no call reaches it here. */
const CLERK = { google: { url: 'http://127.0.0.1:9', clientId: 'clerk', clientSecret: 'secret' } };

afterAll(() => reuseClosedEmulatorKeys(true));

describe('emulator RSA keys', () => {
  it('two emulators open at once never share a key; a closed one hands its keys on under new kids', async () => {
    reuseClosedEmulatorKeys(true);
    const first = await startGoogleEmulator({ clients: [] });
    const second = await startGoogleEmulator({ clients: [] });
    const firstKeys = await googleKeys(first);
    const secondKeys = await googleKeys(second);
    expect(firstKeys).toHaveLength(2);
    const moduli = new Set([...firstKeys, ...secondKeys].map((k) => k.n));
    expect(moduli.size).toBe(4);

    await first.close();
    const third = await startGoogleEmulator({ clients: [] });
    const thirdKeys = await googleKeys(third);
    expect(new Set(thirdKeys.map((k) => k.n))).toEqual(new Set(firstKeys.map((k) => k.n)));
    expect(thirdKeys.map((k) => k.kid).filter((kid) => firstKeys.some((k) => k.kid === kid))).toEqual([]);
    expect(thirdKeys.map((k) => k.n).filter((n) => secondKeys.some((k) => k.n === n))).toEqual([]);
    await Promise.all([second.close(), third.close()]);
  });

  it('the Clerk emulator hands its key on too; with reuse off each instance generates its own', async () => {
    reuseClosedEmulatorKeys(true);
    const a = await startClerkEmulator(CLERK);
    const aKey = await clerkKey(a);
    await a.close();
    const b = await startClerkEmulator(CLERK);
    const bKey = await clerkKey(b);
    expect(bKey.n).toBe(aKey.n);
    expect(bKey.kid).not.toBe(aKey.kid);
    await b.close();

    reuseClosedEmulatorKeys(false);
    const c = await startClerkEmulator(CLERK);
    const cKey = await clerkKey(c);
    await c.close();
    const d = await startClerkEmulator(CLERK);
    expect((await clerkKey(d)).n).not.toBe(cKey.n);
    await d.close();
  });
});
