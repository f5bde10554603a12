import { describe, expect, it } from 'vitest';
import { InvalidScopeError } from '../../src/core/errors.js';
import { coversScopes, missingScopes, normaliseScopes, parseGrantedScopes } from '../../src/core/scopes.js';

const A = 'https://www.googleapis.com/auth/';

describe('normaliseScopes', () => {
  it('expands short names to full URLs, keeps openid/email/profile bare, de-duplicates and sorts', () => {
    expect(normaliseScopes(['drive.readonly', 'email', `${A}drive.readonly`, 'openid', 'profile'])).toEqual([
      'email',
      `${A}drive.readonly`,
      'openid',
      'profile',
    ]);
    expect(normaliseScopes(['contacts.readonly gmail.readonly', 'calendar.readonly'])).toEqual([
      `${A}calendar.readonly`,
      `${A}contacts.readonly`,
      `${A}gmail.readonly`,
    ]);
  });

  it('accepts any Google scope URL and the full Gmail scope', () => {
    expect(normaliseScopes([`${A}youtube.readonly`, 'https://mail.google.com/'])).toEqual([
      'https://mail.google.com/',
      `${A}youtube.readonly`,
    ]);
  });

  it('refuses unknown names and foreign URLs with invalid_scope', () => {
    for (const bad of [
      'drive.everything',
      'https://evil.test/auth/drive',
      'http://www.googleapis.com/auth/drive',
      `${A}`,
      'DRIVE',
    ]) {
      expect(() => normaliseScopes([bad])).toThrow(InvalidScopeError);
    }
    try {
      normaliseScopes(['nope']);
    } catch (error) {
      expect((error as InvalidScopeError).code).toBe('invalid_scope');
    }
  });

  it('refuses input that is not a list of strings', () => {
    expect(() => normaliseScopes('drive' as never)).toThrow(InvalidScopeError);
    expect(() => normaliseScopes([42] as never)).toThrow(InvalidScopeError);
  });

  it('an empty request is no scopes', () => {
    expect(normaliseScopes([])).toEqual([]);
    expect(normaliseScopes(['  '])).toEqual([]);
  });
});

describe('scope coverage', () => {
  it('email and userinfo.email stand for each other, as do profile and userinfo.profile', () => {
    expect(coversScopes([`${A}userinfo.email`], ['email'])).toBe(true);
    expect(coversScopes(['email'], [`${A}userinfo.email`])).toBe(true);
    expect(coversScopes([`${A}userinfo.profile`], ['profile'])).toBe(true);
    expect(coversScopes(['email'], ['profile'])).toBe(false);
  });

  it('broader scopes cover narrower ones, exactly', () => {
    expect(coversScopes([`${A}drive`], [`${A}drive.readonly`, `${A}drive.metadata.readonly`, `${A}drive.file`])).toBe(
      true,
    );
    expect(coversScopes([`${A}drive`], [`${A}drive.appdata`])).toBe(false);
    expect(coversScopes([`${A}drive.file`], [`${A}drive.readonly`])).toBe(false);
    expect(coversScopes([`${A}drive.readonly`], [`${A}drive`])).toBe(false);
    expect(coversScopes([`${A}contacts`], [`${A}contacts.readonly`])).toBe(true);
    expect(coversScopes(['https://mail.google.com/'], [`${A}gmail.metadata`, `${A}gmail.send`])).toBe(true);
    expect(coversScopes([`${A}gmail.metadata`], [`${A}gmail.readonly`])).toBe(false);
    expect(coversScopes([`${A}calendar`], [`${A}calendar.events.readonly`])).toBe(true);
  });

  it('lists exactly the missing scopes', () => {
    expect(
      missingScopes([`${A}drive.readonly`, 'openid'], [`${A}drive.readonly`, `${A}gmail.readonly`, 'email']),
    ).toEqual([`${A}gmail.readonly`, 'email']);
  });

  it('parses what Google grants as-is', () => {
    expect(parseGrantedScopes(`openid  ${A}userinfo.email email openid`)).toEqual([
      'email',
      `${A}userinfo.email`,
      'openid',
    ]);
    expect(parseGrantedScopes(undefined)).toEqual([]);
  });
});
