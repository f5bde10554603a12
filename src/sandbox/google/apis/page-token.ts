import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Opaque, signed page tokens. A token carries the offset of the next page and a fingerprint of the query that
 * produced it, sealed with a key that lives only in this emulator instance: a forged, truncated or replayed-on-
 * another-query token is refused instead of silently paging through the wrong list.
 */
export class PageTokens {
  constructor(private readonly key: Buffer = randomBytes(32)) {}

  /** A token for the page starting at `offset` of the list that `scope` identifies. */
  issue(scope: string, offset: number): string {
    const payload = Buffer.from(JSON.stringify({ o: offset, s: this.fingerprint(scope) })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The offset a token stands for, or `null` when it is not one this instance issued for `scope`. */
  read(scope: string, token: string): number | null {
    const [payload, signature, ...rest] = token.split('.');
    if (!payload || !signature || rest.length > 0 || token.length > 512) return null;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const data: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      if (typeof data !== 'object' || data === null) return null;
      const { o, s } = data as { o?: unknown; s?: unknown };
      if (typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0 || s !== this.fingerprint(scope)) return null;
      return o;
    } catch {
      return null;
    }
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url').slice(0, 22);
  }

  private fingerprint(scope: string): string {
    return createHmac('sha256', this.key)
      .update('scope\u0000' + scope)
      .digest('base64url')
      .slice(0, 12);
  }
}

/** Cuts one page out of `items`, returning the token of the next page only when there is one. */
export function paginate<T>(
  items: readonly T[],
  offset: number,
  size: number,
  nextToken: (offset: number) => string,
): { page: T[]; nextPageToken?: string } {
  const page = items.slice(offset, offset + size);
  const next = offset + size;
  return next < items.length ? { page, nextPageToken: nextToken(next) } : { page };
}
