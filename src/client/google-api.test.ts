import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Answer, WireBridge } from '../../test/client/wire-bridge.js';
import { createTokenbridgeClient } from './client.js';
import { TokenbridgeClientError } from './errors.js';

// googleApi: a Google API called through the bridge's proxy. Google's answers come back as they are; the bridge's
// refusals are the same results as getGoogleToken's, with the action that fixes them.

const AUTH = 'https://www.googleapis.com/auth/';
let bridge: WireBridge;

beforeEach(async () => {
  bridge = await new WireBridge().start();
});

afterEach(async () => {
  await bridge.stop();
});

const answering = (answer: Answer) => {
  bridge.answer(() => answer);
  return createTokenbridgeClient({ baseUrl: bridge.url, currentPath: () => '/here' });
};

describe('googleApi', () => {
  it('returns Google’s answer for a call through the proxy', async () => {
    const client = answering({ status: 200, body: { labels: [{ id: 'INBOX', name: 'INBOX' }] } });
    expect(await client.googleApi('gmail', 'gmail/v1/users/me/labels')).toEqual({
      ok: true,
      status: 200,
      body: { labels: [{ id: 'INBOX', name: 'INBOX' }] },
    });
    expect(bridge.requests[0]!.path).toBe('/api/google/proxy/gmail/gmail/v1/users/me/labels');
  });

  it('Google limiting the rate is a google_error with its status, reason and Retry-After', async () => {
    const client = answering({
      status: 429,
      headers: { 'retry-after': '7' },
      body: { error: { code: 429, message: 'Rate limit', errors: [{ reason: 'rateLimitExceeded' }] } },
    });
    expect(await client.googleApi('drive', 'drive/v3/files')).toEqual({
      ok: false,
      reason: 'google_error',
      status: 429,
      message: 'Rate limit',
      googleReason: 'rateLimitExceeded',
      retryAfterSeconds: 7,
    });
  });

  it('a scope the grant lacks is scopes_missing, with the connect URL for just that scope', async () => {
    const client = answering({
      status: 403,
      body: {
        error: {
          code: 'scopes_missing',
          message: 'missing',
          missing: [`${AUTH}gmail.readonly`],
          connectUrl: `${bridge.url}/connect/google?scope=${encodeURIComponent(`${AUTH}gmail.readonly`)}`,
        },
      },
    });
    const result = await client.googleApi('gmail', 'gmail/v1/users/me/labels');
    expect(result).toMatchObject({ ok: false, reason: 'scopes_missing', missing: [`${AUTH}gmail.readonly`] });
    expect(result.ok === false && 'connectUrl' in result && result.connectUrl).toContain('return_to=%2Fhere');
  });

  it('a dead grant is reconnect_required with its cause; no session is unauthenticated', async () => {
    const dead = answering({
      status: 409,
      body: { error: { code: 'reconnect_required', message: 'revoked', reason: 'revoked' } },
    });
    expect(await dead.googleApi('drive', 'drive/v3/files')).toMatchObject({
      ok: false,
      reason: 'reconnect_required',
      cause: 'revoked',
    });
    const signedOut = answering({ status: 401, body: { error: { code: 'unauthenticated', message: 'no' } } });
    expect(await signedOut.googleApi('drive', 'drive/v3/files')).toEqual({ ok: false, reason: 'unauthenticated' });
  });

  it('the bridge unable to reach Google throws upstream_unavailable with Retry-After', async () => {
    const client = answering({
      status: 503,
      headers: { 'retry-after': '30' },
      body: { error: { code: 'upstream_unavailable', message: 'Google is down' } },
    });
    const error = await client.googleApi('people', 'v1/people/me').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenbridgeClientError);
    expect(error).toMatchObject({ code: 'upstream_unavailable', status: 503, retryAfterSeconds: 30 });
  });
});
