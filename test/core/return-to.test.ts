import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../src/core/errors.js';
import { safeReturnTo } from '../../src/core/return-to.js';

describe('safeReturnTo', () => {
  it('keeps same-origin relative paths and defaults to /', () => {
    expect(safeReturnTo('/settings?tab=google#top')).toBe('/settings?tab=google#top');
    expect(safeReturnTo(undefined)).toBe('/');
    expect(safeReturnTo('')).toBe('/');
  });

  it('refuses every open-redirect trick', () => {
    for (const evil of [
      '//evil.test',
      'https://evil.test',
      '/\\evil.test',
      '\\\\evil.test',
      '/%2F/evil.test',
      '/%2f%2fevil.test',
      '%2F%2Fevil.test',
      '/%5Cevil.test',
      'javascript:alert(1)',
      ' /x',
      '/\tevil',
      'evil.test',
      '/%252F%252Fevil.test',
    ]) {
      expect(() => safeReturnTo(evil), evil).toThrow(InvalidRequestError);
    }
  });
});
