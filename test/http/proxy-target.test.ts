import { describe, expect, it } from 'vitest';
import { proxyTarget } from '../../src/http/proxy-target.js';

describe('the proxy path map', () => {
  it.each([
    ['drive/v3/files?pageSize=10', 'https://www.googleapis.com/drive/v3/files?pageSize=10'],
    ['drive/drive/v3/files', 'https://www.googleapis.com/drive/v3/files'],
    ['calendar/v3/calendars/primary/events', 'https://www.googleapis.com/calendar/v3/calendars/primary/events'],
    [
      'calendar/v3/calendars/ada%40example.com/events',
      'https://www.googleapis.com/calendar/v3/calendars/ada%40example.com/events',
    ],
    [
      'people/v1/people/me/connections?personFields=names',
      'https://people.googleapis.com/v1/people/me/connections?personFields=names',
    ],
    ['gmail/v1/users/me/labels', 'https://gmail.googleapis.com/gmail/v1/users/me/labels'],
    ['gmail/gmail/v1/users/me/labels', 'https://gmail.googleapis.com/gmail/v1/users/me/labels'],
    [
      'gmail/v1/users/me/messages?q=from:ada@example.com',
      'https://gmail.googleapis.com/gmail/v1/users/me/messages?q=from:ada@example.com',
    ],
  ])('%s goes to %s', (rest, expected) => {
    expect(proxyTarget(rest).url.toString()).toBe(expected);
  });

  it('with GOOGLE_BASE_URL every service goes to that one origin', () => {
    expect(proxyTarget('people/v1/people/me/connections', 'http://127.0.0.1:3001').url.toString()).toBe(
      'http://127.0.0.1:3001/v1/people/me/connections',
    );
  });

  it.each([
    'evil/v1/x',
    'storage/v1/b',
    'drive',
    'drive/',
    'drive/../oauth2/v1/certs',
    'drive/v3/..%2f..%2ftoken',
    'drive/v3/%2e%2e/%2e%2e/token',
    'drive/v3/%252e%252e/token',
    'drive//evil.test/x',
    'drive/@evil.test/x',
    'drive/v3/files%5c..%5c..',
    'drive/v3\\..\\token',
    'drive/http://evil.test/',
    'people/token',
    'people/v1/../token',
    'drive/v3/files%00',
    'drive/v3/%zz',
  ])('%s is refused', (rest) => {
    expect(() => proxyTarget(rest)).toThrow(/proxy path is not allowed/);
  });
});
