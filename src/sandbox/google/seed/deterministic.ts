import { createHash } from 'node:crypto';

// Ids and values derived from fixed inputs, so every call lays out the same world.

/** mulberry32: tiny, fast, and good enough to shuffle fixtures reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function digest(...parts: string[]): Buffer {
  return createHash('sha256').update(parts.join('\u0000')).digest();
}

/** A Drive-like id: 33 characters of base64url, starting with `1` as modern Drive ids do. */
export function driveId(...parts: string[]): string {
  return (
    '1' +
    digest('drive', ...parts)
      .toString('base64url')
      .slice(0, 32)
  );
}

export function hexId(length: number, ...parts: string[]): string {
  return digest(...parts)
    .toString('hex')
    .slice(0, length);
}

export function digits(length: number, ...parts: string[]): string {
  const bytes = digest(...parts);
  let out = '';
  for (let i = 0; out.length < length; i++) out += String(bytes[i % bytes.length]! % 10);
  return out;
}

/** Calendar event ids use base32hex (a–v, 0–9). */
export function eventId(...parts: string[]): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  const bytes = digest('event', ...parts);
  let out = '';
  for (let i = 0; i < 26; i++) out += alphabet[bytes[i]! % 32];
  return out;
}

export function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

export function avatar(initials: string, background: string): string {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">` +
    `<circle cx="48" cy="48" r="48" fill="${background}"/>` +
    `<text x="48" y="60" font-family="Arial,sans-serif" font-size="36" fill="#fff" text-anchor="middle">${initials}</text>` +
    `</svg>`;
  return 'data:image/svg+xml;base64,' + Buffer.from(svg).toString('base64');
}
