import { describe, expect, it } from 'vitest';
import { EnvError } from './env-error.js';
import { httpUrl, originList } from './url.js';

const ORIGIN = { path: false, query: false };
const ENDPOINT = { path: true, query: true };

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof EnvError) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

describe('one URL check for every URL in the configuration', () => {
  it('an origin is returned bare, without the trailing slash', () => {
    expect(httpUrl('PUBLIC_URL', 'https://bridge.example.com/', ORIGIN)).toBe('https://bridge.example.com');
    expect(httpUrl('PUBLIC_URL', 'http://127.0.0.1:3000', ORIGIN)).toBe('http://127.0.0.1:3000');
  });

  it.each([
    ['not a url', /absolute http\(s\) URL/],
    ['ftp://example.com', /http\(s\) URL/],
    ['https://user:pw@example.com', /credentials/],
    ['https://example.com/#x', /fragment/],
    ['https://example.com/?a=1', /query/],
    ['https://example.com/path', /without a path/],
  ])('refuses %s as an origin, naming the variable', (raw, words) => {
    const message = refusal(() => httpUrl('CLERK_API_URL', raw, ORIGIN));
    expect(message).toMatch(/^CLERK_API_URL: /);
    expect(message).toMatch(words);
  });

  it('keeps a path, and a query where one is allowed, but never credentials or a fragment', () => {
    expect(httpUrl('TOKENBRIDGE_WEBHOOK_URL', 'https://app.example.com/hooks?x=1', ENDPOINT)).toBe(
      'https://app.example.com/hooks?x=1',
    );
    expect(
      refusal(() => httpUrl('GOOGLE_REDIRECT_URI', 'https://a.example/cb?x=1', { path: true, query: false })),
    ).toMatch(/query/);
    expect(refusal(() => httpUrl('TOKENBRIDGE_WEBHOOK_URL', 'https://u:p@a.example/hooks', ENDPOINT))).toMatch(
      /credentials/,
    );
    expect(refusal(() => httpUrl('TOKENBRIDGE_WEBHOOK_URL', 'https://a.example/hooks#x', ENDPOINT))).toMatch(
      /fragment/,
    );
  });

  it('an origin list is split on commas, blanks skipped, each entry checked as an origin', () => {
    expect(originList('TOKENBRIDGE_CORS_ORIGINS', 'https://a.example, ,https://b.example/')).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    expect(refusal(() => originList('TOKENBRIDGE_CORS_ORIGINS', 'https://a.example,https://b.example/x'))).toMatch(
      /^TOKENBRIDGE_CORS_ORIGINS: expected an origin without a path/,
    );
  });
});
