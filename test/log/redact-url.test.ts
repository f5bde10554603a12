import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/log/redact-url.js';

describe('URLs in log lines', () => {
  it.each([
    ['/?__clerk_db_jwt=dvb_abc123secret', '/?__clerk_db_jwt=[redacted]'],
    ['/?__session=eyJhbGciOi.x.y', '/?__session=[redacted]'],
    [
      '/?__clerk_handshake=eyJh.x.y&__clerk_handshake_nonce=n1',
      '/?__clerk_handshake=[redacted]&__clerk_handshake_nonce=[redacted]',
    ],
    ['/api/x?oauth_token=ya29.a0secret', '/api/x?oauth_token=[redacted]'],
    ['/api/x?someday_a_new_secret=s3cr3t', '/api/x?someday_a_new_secret=[redacted]'],
  ])('masks the value of %s, a parameter not on the allow-list', (url, logged) => {
    expect(redactUrl(url)).toBe(logged);
  });

  it('shows the allow-listed parameters (scope, …) as they are', () => {
    expect(redactUrl('/connect/google?scope=drive.readonly&scope=gmail.readonly&return_to=%2Fsettings')).toBe(
      '/connect/google?scope=drive.readonly&scope=gmail.readonly&return_to=[redacted]',
    );
    expect(redactUrl('/oauth/google/callback?error=access_denied&state=abc')).toBe(
      '/oauth/google/callback?error=access_denied&state=[redacted]',
    );
  });

  it('masks a parameter name that may itself be a secret, and a bare value without a name', () => {
    expect(redactUrl(`/?${'x'.repeat(40)}=1`)).toBe('/?[redacted]=[redacted]');
    expect(redactUrl('/?eyJhbGciOiJSUzI1NiJ9.e30.sig')).toBe('/?[redacted]');
    expect(redactUrl('/?a%3Db=1')).toBe('/?[redacted]=[redacted]');
  });

  it('keeps the path and drops a fragment', () => {
    expect(redactUrl('/api/google-token')).toBe('/api/google-token');
    expect(redactUrl('/x?scope=a#__session=s')).toBe('/x?scope=a');
  });
});
