import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../src/core/errors.js';
import { returnLocation, safeReturnTo } from '../../src/core/return-to.js';
import { DOT_SEGMENT_PAYLOADS } from '../security/return-to-payloads.js';

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

  it.each(DOT_SEGMENT_PAYLOADS)(
    'refuses the dot-segment path %j that a browser would turn into //evil.test',
    (evil) => {
      expect(() => safeReturnTo(evil)).toThrow(InvalidRequestError);
    },
  );

  it('refuses control characters and tabs anywhere, raw or encoded', () => {
    for (const evil of ['/a\tb', '/a?x=\n', '/a#\r', '/a%09b', '/a?x=%0A', '/a%00', '/a%7F', '/a%250D']) {
      expect(() => safeReturnTo(evil), JSON.stringify(evil)).toThrow(InvalidRequestError);
    }
  });

  it('returns the path as the browser will read it, so what is stored is what is followed', () => {
    expect(safeReturnTo('/files/a b?q=1 2')).toBe('/files/a%20b?q=1%202');
    expect(safeReturnTo('/settings/integrations?tab=google')).toBe('/settings/integrations?tab=google');
    expect(safeReturnTo('/caf\u00e9')).toBe('/caf%C3%A9');
  });

  it('keeps dots that are not whole segments', () => {
    expect(safeReturnTo('/files/report.v2.pdf')).toBe('/files/report.v2.pdf');
    expect(safeReturnTo('/.well-known/x')).toBe('/.well-known/x');
    expect(safeReturnTo('/a/...')).toBe('/a/...');
  });
});

describe('returnLocation', () => {
  it('adds the outcome marker, keeping the path’s own query and fragment', () => {
    expect(returnLocation('/settings?tab=google#top', 'connected')).toBe(
      '/settings?tab=google&google_connect=connected#top',
    );
  });

  it.each([...DOT_SEGMENT_PAYLOADS, '//evil.test', 'https://evil.test', '/\\evil.test'])(
    'sends %j back to / on this origin instead',
    (evil) => {
      const location = returnLocation(evil, 'access_denied');
      expect(location).toBe('/?google_connect=access_denied');
    },
  );

  it('a bridge mounted under a path sends nothing and anything unsafe to its own home there', () => {
    expect(safeReturnTo(undefined, '/tokenbridge/')).toBe('/tokenbridge/');
    expect(safeReturnTo('/settings', '/tokenbridge/')).toBe('/settings');
    expect(returnLocation('//evil.test', 'access_denied', '/tokenbridge/')).toBe(
      '/tokenbridge/?google_connect=access_denied',
    );
    expect(returnLocation('/settings', 'connected', '/tokenbridge/')).toBe('/settings?google_connect=connected');
  });
});
