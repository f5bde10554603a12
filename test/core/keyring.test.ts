import { describe, expect, it } from 'vitest';
import { ConfigurationError, DecryptionError } from '../../src/core/errors.js';
import { Keyring } from '../../src/core/keyring.js';

const alice = { userId: 'user_alice', purpose: 'refresh_token' };

describe('Keyring', () => {
  it('round-trips a secret and never shows it in the ciphertext', () => {
    const keyring = Keyring.parse(Keyring.generate('k1'));
    const box = keyring.encrypt('1//0secret-refresh-token', alice);
    expect(box).not.toContain('secret');
    expect(box.startsWith('v1.k1.')).toBe(true);
    expect(keyring.decrypt(box, alice)).toBe('1//0secret-refresh-token');
  });

  it('encrypts the same secret differently every time (fresh IV)', () => {
    const keyring = Keyring.parse(Keyring.generate());
    expect(keyring.encrypt('x', alice)).not.toBe(keyring.encrypt('x', alice));
  });

  it('a ciphertext copied to another user does not decrypt', () => {
    const keyring = Keyring.parse(Keyring.generate());
    const box = keyring.encrypt('ya29.token', alice);
    expect(() => keyring.decrypt(box, { userId: 'user_bob', purpose: 'refresh_token' })).toThrow(DecryptionError);
  });

  it('a ciphertext moved to another purpose does not decrypt', () => {
    const keyring = Keyring.parse(Keyring.generate());
    const box = keyring.encrypt('ya29.token', alice);
    expect(() => keyring.decrypt(box, { userId: 'user_alice', purpose: 'access_token' })).toThrow(DecryptionError);
  });

  it('user id and purpose cannot be shuffled to forge the same binding', () => {
    const keyring = Keyring.parse(Keyring.generate());
    const box = keyring.encrypt('t', { userId: 'a|b', purpose: 'c' });
    expect(() => keyring.decrypt(box, { userId: 'b', purpose: 'c|a' })).toThrow(DecryptionError);
  });

  it('a tampered ciphertext is refused', () => {
    const keyring = Keyring.parse(Keyring.generate());
    const box = keyring.encrypt('ya29.token', alice);
    const [v, kid, iv, body] = box.split('.') as [string, string, string, string];
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => keyring.decrypt([v, kid, iv, flipped.toString('base64url')].join('.'), alice)).toThrow(
      DecryptionError,
    );
    expect(() => keyring.decrypt('garbage', alice)).toThrow(DecryptionError);
    expect(() => keyring.decrypt(`${v}.${kid}.${iv}.`, alice)).toThrow(DecryptionError);
  });

  it('rotation: a new first key encrypts, the old one still decrypts, and old ciphertexts are flagged for rewrite', () => {
    const oldSpec = Keyring.generate('old');
    const before = Keyring.parse(oldSpec);
    const box = before.encrypt('1//0refresh', alice);

    const rotated = Keyring.parse(`${Keyring.generate('new')},${oldSpec}`);
    expect(rotated.primaryKeyId).toBe('new');
    expect(rotated.decrypt(box, alice)).toBe('1//0refresh');
    expect(rotated.needsReencryption(box)).toBe(true);
    const rewritten = rotated.encrypt('1//0refresh', alice);
    expect(rewritten.split('.')[1]).toBe('new');
    expect(rotated.needsReencryption(rewritten)).toBe(false);

    // Once the old key is dropped, its ciphertexts are refused with a clear error.
    const newOnly = Keyring.parse(rotated.keyIds[0] === 'new' ? `${Keyring.generate('new')}` : '');
    expect(() => newOnly.decrypt(box, alice)).toThrow(/not in the keyring/);
  });

  it('refuses malformed specs without echoing key material', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    for (const bad of ['', 'nokid', `:${key}`, 'k1:short', `k1:${key},k1:${key}`, `bad kid:${key}`]) {
      let error: unknown;
      try {
        Keyring.parse(bad);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(String((error as Error).message)).not.toContain(key);
    }
    expect(Keyring.parse(`a:${key}, b:${Buffer.alloc(32, 1).toString('base64')}`).keyIds).toEqual(['a', 'b']);
  });
});
