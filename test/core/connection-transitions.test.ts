import { describe, expect, it } from 'vitest';
import {
  linkEvents,
  linked,
  needsReconnect,
  type RefreshedGrant,
  rebase,
  reconnectReason,
  reconnectScopes,
  refreshDecision,
  refreshed,
  securityEventDecision,
  validFor,
} from '../../src/core/connection-transitions.js';
import type { StoredConnection } from '../../src/core/ports.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const MIN = 60_000;
const HOUR = 3600_000;

function row(overrides: Partial<StoredConnection> = {}): StoredConnection {
  return {
    userId: 'user_1',
    status: 'active',
    googleSub: '111',
    googleEmail: 'ada@example.com',
    scopes: ['openid', 'email', 'https://www.googleapis.com/auth/drive.readonly'],
    refreshToken: 'v1.k.refresh',
    accessToken: 'v1.k.access',
    accessTokenExpiresAt: NOW + HOUR,
    refreshTokenExpiresAt: null,
    reconnectReason: null,
    lastRefreshAt: NOW - HOUR,
    lastError: null,
    version: 3,
    createdAt: NOW - 30 * 24 * HOUR,
    updatedAt: NOW - HOUR,
    riscKeys: { prefix: 'p', hash: 'h' },
    connectedAt: NOW - 24 * HOUR,
    ...overrides,
  };
}

describe('whether a held token is valid long enough', () => {
  it.each([
    ['an hour left, 5 minutes wanted', row(), 5 * MIN, true],
    ['exactly the minimum left', row({ accessTokenExpiresAt: NOW + 5 * MIN }), 5 * MIN, true],
    ['a millisecond short of the minimum', row({ accessTokenExpiresAt: NOW + 5 * MIN - 1 }), 5 * MIN, false],
    ['already expired', row({ accessTokenExpiresAt: NOW - 1 }), 0, false],
    ['no access token held', row({ accessToken: null }), 0, false],
    ['no expiry known', row({ accessTokenExpiresAt: null }), 0, false],
  ])('%s → %s', (_case, connection, minValidityMs, expected) => {
    expect(validFor(connection, minValidityMs, NOW)).toBe(expected);
  });
});

describe('what a refresh does with the row it reads (before or under the lock)', () => {
  const want = (overrides: { minValidityMs?: number; force?: boolean; seenVersion?: number } = {}) => ({
    minValidityMs: 5 * MIN,
    force: false,
    seenVersion: 3,
    ...overrides,
  });
  it.each([
    ['no row: the user disconnected', null, want(), 'missing'],
    [
      'a row marked needs_reconnect meanwhile: never spend a grant on it',
      row({ status: 'needs_reconnect' }),
      want(),
      'settled',
    ],
    ['an expiring token', row({ accessTokenExpiresAt: NOW + MIN }), want(), 'refresh'],
    ['a token another instance just refreshed', row({ version: 4 }), want(), 'settled'],
    ['a valid token, forced (after a 401), not refreshed by anyone else', row(), want({ force: true }), 'refresh'],
    [
      'a valid token, forced, but another instance refreshed it meanwhile',
      row({ version: 4 }),
      want({ force: true }),
      'settled',
    ],
    ['a token valid, but not for as long as this caller wants', row(), want({ minValidityMs: 2 * HOUR }), 'refresh'],
  ] as const)('%s → %s', (_case, connection, wanted, expected) => {
    expect(refreshDecision(connection, wanted, NOW)).toBe(expected);
  });
});

describe('why Google ended a grant (invalid_grant)', () => {
  it.each([
    [
      'a grant Google limits in time, at its expiry',
      row({ refreshTokenExpiresAt: NOW }),
      'Bad Request',
      'testing_app_expired',
    ],
    [
      'a time-limited grant within the hour before its recorded expiry',
      row({ refreshTokenExpiresAt: NOW + 59 * MIN }),
      undefined,
      'testing_app_expired',
    ],
    [
      'a time-limited grant with days left, revoked by the user',
      row({ refreshTokenExpiresAt: NOW + 3 * 24 * HOUR }),
      'Token has been expired or revoked.',
      'revoked',
    ],
    ['an unlimited grant, "revoked"', row(), 'Token has been revoked', 'revoked'],
    ['an unlimited grant, no description', row(), undefined, 'unknown'],
    ['an unlimited grant, another description', row(), 'Bad Request', 'unknown'],
  ] as const)('%s → %s', (_case, connection, description, expected) => {
    expect(reconnectReason(connection, description, NOW)).toBe(expected);
  });
});

describe('the needs_reconnect row, built in one place', () => {
  it('a grant Google refused drops every token and records the failure', () => {
    const failure = { code: 'invalid_grant', message: 'Token has been expired or revoked.' };
    expect(needsReconnect(row(), { reason: 'revoked', at: NOW, failure })).toEqual({
      ...row(),
      status: 'needs_reconnect',
      reconnectReason: 'revoked',
      refreshToken: null,
      accessToken: null,
      accessTokenExpiresAt: null,
      riscKeys: null,
      lastError: { ...failure, at: NOW },
      updatedAt: NOW,
    });
  });

  it('a row that merely lacks a refresh token keeps what it holds (its access token is revoked on disconnect)', () => {
    const without = row({ refreshToken: null });
    expect(needsReconnect(without, { reason: 'unknown', at: NOW })).toEqual({
      ...without,
      status: 'needs_reconnect',
      reconnectReason: 'unknown',
      updatedAt: NOW,
    });
  });
});

describe('the row after a successful refresh', () => {
  const grant = (overrides: Partial<RefreshedGrant> = {}): RefreshedGrant => ({
    accessToken: 'v1.k.new-access',
    accessTokenExpiresAt: NOW + HOUR,
    refreshToken: null,
    issuedRefreshToken: false,
    refreshTokenExpiresAt: null,
    riscKeys: { prefix: 'p', hash: 'h' },
    scopes: null,
    ...overrides,
  });
  it.each([
    [
      'Google kept the refresh token and left scopes out',
      grant(),
      { refreshToken: 'v1.k.refresh', scopes: row().scopes },
    ],
    [
      'Google reported narrower scopes',
      grant({ scopes: ['openid'] }),
      { refreshToken: 'v1.k.refresh', scopes: ['openid'] },
    ],
    [
      'Google issued a new refresh token',
      grant({ refreshToken: 'v1.k.new-refresh', issuedRefreshToken: true }),
      { refreshToken: 'v1.k.new-refresh', scopes: row().scopes },
    ],
    [
      'the stored refresh token was re-encrypted under the new key',
      grant({ refreshToken: 'v2.k2.refresh' }),
      { refreshToken: 'v2.k2.refresh', scopes: row().scopes },
    ],
  ] as const)('%s', (_case, g, expected) => {
    const next = refreshed(row({ lastError: { code: 'x', message: 'y', at: NOW - MIN } }), g, NOW);
    expect(next).toMatchObject({
      ...expected,
      accessToken: 'v1.k.new-access',
      accessTokenExpiresAt: NOW + HOUR,
      lastRefreshAt: NOW,
      lastError: null,
      updatedAt: NOW,
      version: 3,
    });
  });

  const mine = { row: row({ accessTokenExpiresAt: NOW - 1 }), grant: grant(), at: NOW };
  it.each([
    ['the row is gone (a disconnect won)', null, 'missing'],
    [
      'relinked to another Google account: that link wins',
      row({ googleSub: '222', accessTokenExpiresAt: NOW - 1, version: 4 }),
      'keep',
    ],
    ['marked needs_reconnect meanwhile: that wins', row({ status: 'needs_reconnect', version: 4 }), 'keep'],
    ['another writer already refreshed it', row({ version: 4 }), 'keep'],
    [
      're-encrypted by a key rotation, still expired: the new token goes onto it',
      row({ refreshToken: 'v2.k2.refresh', accessTokenExpiresAt: NOW - 1, version: 4 }),
      'rebase',
    ],
  ] as const)('a row rewritten during the refresh, %s → %s', (_case, latest, kind) => {
    const step = rebase(latest, mine, 5 * MIN);
    expect(step.kind).toBe(kind);
    if (step.kind === 'rebase') {
      // The rotation's re-encrypted refresh token stays: Google issued none.
      expect(step.row).toMatchObject({ refreshToken: 'v2.k2.refresh', accessToken: 'v1.k.new-access', version: 4 });
    }
  });
});

describe('what a Google security event does to one row', () => {
  const targeted = (c: StoredConnection) => c.googleSub === '111';
  const connectedAtSeconds = Math.floor((NOW - 24 * HOUR) / 1000);
  it.each([
    ['no row any more', null, connectedAtSeconds + 10, 'unchanged'],
    ['relinked to another account since the lookup', row({ googleSub: '222' }), connectedAtSeconds + 10, 'unchanged'],
    ['issued a second before the last connect: about the old grant', row(), connectedAtSeconds - 1, 'stale'],
    ['issued the same second as the connect: acted on', row(), connectedAtSeconds, 'mark'],
    ['a live grant', row(), connectedAtSeconds + 10, 'mark'],
    [
      'already marked with its tokens dropped',
      row({ status: 'needs_reconnect', refreshToken: null, accessToken: null }),
      connectedAtSeconds + 10,
      'unchanged',
    ],
    [
      'a row from before connectedAt was recorded: createdAt counts',
      row({ connectedAt: null }),
      Math.floor(row().createdAt / 1000) - 1,
      'stale',
    ],
  ] as const)('%s → %s', (_case, connection, issuedAtSeconds, expected) => {
    expect(securityEventDecision(connection, { issuedAtSeconds }, targeted)).toBe(expected);
  });
});

describe('the row a completed OAuth flow writes', () => {
  const grant = {
    googleSub: '111',
    googleEmail: 'ada@example.com',
    scopes: [] as string[],
    accessToken: 'v1.k.linked-access',
    accessTokenExpiresAt: NOW + HOUR,
    refreshToken: null as string | null,
    refreshTokenExpiresAt: null,
    riscKeys: null,
  };
  it.each([
    [
      'a first link',
      null,
      grant,
      { kind: 'created', replaced: false },
      { refreshToken: null, scopes: [], createdAt: NOW },
    ],
    [
      'the same account again, no new refresh token: the stored one and its scopes stay',
      row(),
      grant,
      { kind: 'updated', replaced: false },
      { refreshToken: 'v1.k.refresh', scopes: row().scopes, createdAt: row().createdAt },
    ],
    [
      'the same account after its grant died: recovered, nothing old kept',
      row({ status: 'needs_reconnect', refreshToken: null }),
      { ...grant, refreshToken: 'v1.k.fresh', scopes: ['openid'] },
      { kind: 'recovered', replaced: false },
      { refreshToken: 'v1.k.fresh', scopes: ['openid'], createdAt: row().createdAt },
    ],
    [
      'another Google account: the link is replaced',
      row(),
      { ...grant, googleSub: '222', refreshToken: 'v1.k.other' },
      { kind: 'created', replaced: true },
      { refreshToken: 'v1.k.other', googleSub: '222', createdAt: NOW },
    ],
  ] as const)('%s', (_case, previous, g, link, expected) => {
    const result = linked(previous, 'user_1', g, NOW);
    expect({ kind: result.kind, replaced: result.replaced }).toEqual(link);
    expect(result.row).toMatchObject({ ...expected, status: 'active', connectedAt: NOW, lastError: null });
    expect(result.row.version).toBe(previous?.version ?? 0);
  });

  it('announces a replaced account as deleted before the new one is created', () => {
    const view = {} as never;
    expect(linkEvents('user_1', { kind: 'created', replaced: true }, view).map((e) => e.type)).toEqual([
      'connection.deleted',
      'connection.created',
    ]);
    expect(linkEvents('user_1', { kind: 'recovered', replaced: false }, view).map((e) => e.type)).toEqual([
      'connection.recovered',
    ]);
  });
});

describe('the scopes a reconnect asks for', () => {
  it.each([
    [
      'what the dead grant held plus what is asked now, without the identity scopes',
      ['openid', 'email', 'a'],
      ['b'],
      ['a', 'b'],
    ],
    ['no duplicates, sorted', ['b', 'a'], ['a'], ['a', 'b']],
    ['nothing held, nothing asked', [], [], []],
  ])('%s', (_case, previous, requested, expected) => {
    expect(reconnectScopes(previous, requested)).toEqual(expected);
  });
});
