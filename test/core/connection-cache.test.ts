import { describe, expect, it } from 'vitest';
import { ConnectionCache } from '../../src/core/connection-cache.js';
import type { ConnectionChange, StoredConnection } from '../../src/core/ports.js';

/** A cache over a change feed the test speaks for. */
function cacheWithFeed(): { cache: ConnectionCache; hear: (change: ConnectionChange) => void } {
  let listener: (change: ConnectionChange) => void = () => {};
  const cache = new ConnectionCache(
    {
      watchConnections(l) {
        listener = l;
        return { live: true, ready: Promise.resolve(), close() {} };
      },
    },
    100,
  );
  return { cache, hear: (change) => listener(change) };
}

function row(userId: string, version: number): StoredConnection {
  return {
    userId,
    status: 'active',
    googleSub: 'sub',
    googleEmail: 'ada@example.com',
    scopes: [],
    refreshToken: null,
    accessToken: null,
    accessTokenExpiresAt: null,
    refreshTokenExpiresAt: null,
    reconnectReason: null,
    lastRefreshAt: null,
    lastError: null,
    version,
    createdAt: 0,
    updatedAt: 0,
  };
}

/** Fills `userId` with `read` as a read that started before `changes` were heard would, and says whether it stuck. */
function readRacing(userId: string, read: StoredConnection | null, changes: ConnectionChange[]): boolean {
  const { cache, hear } = cacheWithFeed();
  const generation = cache.generation;
  for (const change of changes) hear(change);
  cache.fill(userId, read, generation);
  return cache.get(userId) !== undefined;
}

describe('a read that raced with changes on the feed', () => {
  it('is cached when nothing changed meanwhile', () => {
    expect(readRacing('user_a', row('user_a', 3), [])).toBe(true);
  });

  it('is cached when the changes were to other users', () => {
    expect(readRacing('user_a', row('user_a', 3), [{ userId: 'user_b', version: 9 }])).toBe(true);
  });

  it('is cached when the change to its user is the version it read (its own write coming back)', () => {
    expect(readRacing('user_a', row('user_a', 3), [{ userId: 'user_a', version: 3 }])).toBe(true);
  });

  it('is not cached when its user changed to a later version', () => {
    expect(readRacing('user_a', row('user_a', 3), [{ userId: 'user_a', version: 4 }])).toBe(false);
  });

  it('is not cached when its user’s row was deleted or changed at an unknown version', () => {
    expect(readRacing('user_a', row('user_a', 3), [{ userId: 'user_a', version: null }])).toBe(false);
  });

  it('is not cached as "no row" once any change to that user was heard', () => {
    expect(readRacing('user_a', null, [{ userId: 'user_a', version: 1 }])).toBe(false);
  });

  it('is not cached after a change to every user (the feed reconnected)', () => {
    expect(readRacing('user_a', row('user_a', 3), [{ userId: null, version: null }])).toBe(false);
  });

  it('is not cached when more changes were heard than the cache remembers', () => {
    const others = Array.from({ length: 65 }, (_, i) => ({ userId: `user_${i}`, version: 1 }));
    expect(readRacing('user_a', row('user_a', 3), others)).toBe(false);
    expect(readRacing('user_a', row('user_a', 3), others.slice(1))).toBe(true);
  });
});
