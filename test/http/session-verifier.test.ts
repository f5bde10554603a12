import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { SessionVerifier } from '../../src/http/session-verifier.js';
import { FrozenClock } from '../support/frozen-clock.js';

const ORIGIN = 'http://localhost:4000';

/** A verifier remembering at most `cacheSize` tokens, and a signer of session tokens for it. */
async function verifierOf(cacheSize: number) {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const clock = new FrozenClock();
  const verifier = new SessionVerifier({
    jwtKey: await exportSPKI(publicKey),
    secretKey: 'sk_test_unused',
    authorizedParties: [ORIGIN],
    clock,
    cacheSize,
  });
  let n = 0;
  const sign = (expiresIn: number) => {
    const now = Math.floor(clock.now() / 1000);
    return new SignJWT({ sid: `sess_${++n}`, azp: ORIGIN })
      .setProtectedHeader({ alg: 'RS256', kid: 'ins_1' })
      .setSubject(`user_${n}`)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + expiresIn)
      .sign(privateKey);
  };
  return { verifier, clock, sign };
}

describe('the session verifier, full', () => {
  it('forgets expired tokens first, then the oldest live one, and keeps the rest answering from memory', async () => {
    const { verifier, clock, sign } = await verifierOf(3);
    const [a, b, c] = [await sign(10), await sign(600), await sign(600)];
    for (const token of [a, b, c]) await verifier.verify(token);
    expect([a, b, c].map((token) => verifier.recall(token)?.userId)).toEqual(['user_1', 'user_2', 'user_3']);

    // a has expired: the next token takes its place, b and c stay.
    clock.advance(20_000);
    const d = await sign(600);
    await verifier.verify(d);
    expect([b, c, d].map((token) => verifier.recall(token)?.userId)).toEqual(['user_2', 'user_3', 'user_4']);

    // Nothing expired: the oldest (b) goes.
    const e = await sign(600);
    await verifier.verify(e);
    expect(verifier.recall(b)).toBeUndefined();
    expect([c, d, e].map((token) => verifier.recall(token)?.userId)).toEqual(['user_3', 'user_4', 'user_5']);
    // A forgotten token is verified again, not refused.
    await expect(verifier.verify(b)).resolves.toMatchObject({ userId: 'user_2' });
  });
});
