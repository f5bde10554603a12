import { type ClerkClient, createClerkClient } from '@clerk/backend';
import { isClerkAPIResponseError } from '@clerk/backend/errors';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ClerkWorld, failure, startWorld } from './harness.js';

let world: ClerkWorld;
let backend: ClerkClient;
beforeAll(async () => {
  world = await startWorld();
  backend = world.backend;
});
afterAll(() => world.close());
beforeEach(() => world.clerk.control.reset());

async function raw(path: string, init: RequestInit & { secret?: string | null } = {}) {
  const { secret, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (secret !== null) headers.set('authorization', `Bearer ${secret ?? world.clerk.secretKey}`);
  return fetch(`${world.clerk.url}${path}`, { ...rest, headers });
}

describe('users through @clerk/backend', () => {
  it('creates a user whose prefixed ids, verified email and ms timestamps survive a round trip', async () => {
    const before = world.clock.now();
    const created = await backend.users.createUser({
      emailAddress: ['Ada@Example.com'],
      firstName: 'Ada',
      lastName: 'Lovelace',
      publicMetadata: { plan: 'pro' },
    });
    expect(created.id).toMatch(/^user_[0-9A-Za-z]{27}$/);
    expect(created.primaryEmailAddress?.emailAddress).toBe('ada@example.com');
    expect(created.primaryEmailAddress?.id).toMatch(/^idn_/);
    expect(created.primaryEmailAddress?.verification?.status).toBe('verified');
    expect(created.createdAt).toBe(before);
    expect(created.publicMetadata).toEqual({ plan: 'pro' });
    expect(created.externalAccounts).toEqual([]);
    expect(created.raw?.object).toBe('user');

    const fetched = await backend.users.getUser(created.id);
    expect(fetched.fullName).toBe('Ada Lovelace');
    expect(fetched.emailAddresses.map((e) => e.emailAddress)).toEqual(['ada@example.com']);
  });

  it('lists users newest first with a total count, filters by email, and deletes', async () => {
    const first = await backend.users.createUser({ emailAddress: ['one@example.com'] });
    world.clock.advance(1000);
    const second = await backend.users.createUser({ emailAddress: ['two@example.com'] });

    const all = await backend.users.getUserList();
    expect(all.totalCount).toBe(2);
    expect(all.data.map((u) => u.id)).toEqual([second.id, first.id]);
    const byEmail = await backend.users.getUserList({ emailAddress: ['one@example.com'] });
    expect(byEmail.data.map((u) => u.id)).toEqual([first.id]);
    const paged = await backend.users.getUserList({ limit: 1, offset: 1 });
    expect(paged.data.map((u) => u.id)).toEqual([first.id]);

    const deleted = await backend.users.deleteUser(first.id);
    expect(deleted).toMatchObject({ object: 'user', id: first.id, deleted: true });
    const gone = await failure(backend.users.getUser(first.id));
    expect(isClerkAPIResponseError(gone) && gone.status).toBe(404);
  });

  it('deep-merges metadata with updateUserMetadata (null removes a key) and replaces it with replaceUserMetadata', async () => {
    const user = await backend.users.createUser({
      emailAddress: ['meta@example.com'],
      privateMetadata: { google: { connected: true, scopes: ['a'] }, plan: 'free' },
    });
    const merged = await backend.users.updateUserMetadata(user.id, {
      privateMetadata: { google: { scopes: ['a', 'b'] }, plan: null },
    });
    expect(merged.privateMetadata).toEqual({ google: { connected: true, scopes: ['a', 'b'] } });
    const replaced = await backend.users.replaceUserMetadata(user.id, { privateMetadata: { fresh: 1 } });
    expect(replaced.privateMetadata).toEqual({ fresh: 1 });
  });

  it('refuses a second user with the same email address with form_identifier_exists', async () => {
    await backend.users.createUser({ emailAddress: ['dup@example.com'] });
    const error = await failure(backend.users.createUser({ emailAddress: ['DUP@example.com'] }));
    expect(isClerkAPIResponseError(error)).toBe(true);
    if (!isClerkAPIResponseError(error)) return;
    expect(error.status).toBe(422);
    expect(error.errors[0]?.code).toBe('form_identifier_exists');
    expect(error.errors[0]?.meta?.paramName).toBe('email_address');
  });
});

describe('sessions through @clerk/backend', () => {
  it('creates a session, reads it back, mints a token and revokes it', async () => {
    const user = await backend.users.createUser({ emailAddress: ['s@example.com'] });
    const session = await backend.sessions.createSession({ userId: user.id });
    expect(session.id).toMatch(/^sess_/);
    expect(session.userId).toBe(user.id);
    expect(session.status).toBe('active');
    expect(session.clientId).toMatch(/^client_/);

    const token = await backend.sessions.getToken(session.id);
    expect(token.jwt.split('.')).toHaveLength(3);

    const revoked = await backend.sessions.revokeSession(session.id);
    expect(revoked.status).toBe('revoked');
    expect((await backend.sessions.getSession(session.id)).status).toBe('revoked');
    const refused = await failure(backend.sessions.getToken(session.id));
    expect(isClerkAPIResponseError(refused) && refused.status).toBe(422);

    const listed = await backend.sessions.getSessionList({ userId: user.id });
    expect(listed.totalCount).toBe(1);
    expect(listed.data[0]?.id).toBe(session.id);
  });

  it('answers 404 resource_not_found for an unknown session, with a trace id', async () => {
    const error = await failure(backend.sessions.getSession('sess_doesnotexist'));
    expect(isClerkAPIResponseError(error)).toBe(true);
    if (!isClerkAPIResponseError(error)) return;
    expect(error.status).toBe(404);
    expect(error.errors[0]?.code).toBe('resource_not_found');
    expect(error.clerkTraceId).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('authentication and the wire', () => {
  it('answers a wrong secret key with 401 as a ClerkAPIResponseError', async () => {
    const stranger = createClerkClient({ secretKey: 'sk_test_wrong', apiUrl: world.clerk.url });
    const error = await failure(stranger.users.getUserList());
    expect(isClerkAPIResponseError(error)).toBe(true);
    if (!isClerkAPIResponseError(error)) return;
    expect(error.status).toBe(401);
    expect(error.errors[0]?.code).toBe('clerk_key_invalid');
    expect(error.clerkTraceId).not.toBe('');
  });

  it('answers a missing Authorization header with 401 too', async () => {
    const response = await raw('/v1/users', { secret: null });
    expect(response.status).toBe(401);
    expect((await response.json()).errors[0].code).toBe('authorization_header_missing');
  });

  it('serves exactly application/json, the content type the SDK insists on', async () => {
    const ok = await raw('/v1/users');
    expect(ok.headers.get('content-type')).toBe('application/json');
    const notFound = await raw('/v1/nothing-here');
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('content-type')).toBe('application/json');
  });

  it('serves the signing key at /v1/jwks for the secret key only', async () => {
    const keys = await backend.jwks.getJwks();
    expect(keys.keys?.[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect((await raw('/v1/jwks', { secret: 'sk_test_nope' })).status).toBe(401);
  });
});

describe('bad input gets Clerk’s error body, never a crash', () => {
  const cases: Array<[string, string, RequestInit]> = [
    [
      'malformed JSON',
      '/v1/users',
      { method: 'POST', body: '{"email_address": [', headers: { 'content-type': 'application/json' } },
    ],
    [
      'a JSON array body',
      '/v1/users',
      { method: 'POST', body: '[1,2]', headers: { 'content-type': 'application/json' } },
    ],
    [
      'an unknown parameter',
      '/v1/users',
      { method: 'POST', body: '{"favourite_colour":"red"}', headers: { 'content-type': 'application/json' } },
    ],
    [
      'an invalid email',
      '/v1/users',
      { method: 'POST', body: '{"email_address":["not-an-email"]}', headers: { 'content-type': 'application/json' } },
    ],
    [
      'a wrong type',
      '/v1/users',
      { method: 'POST', body: '{"email_address":"a@b.co"}', headers: { 'content-type': 'application/json' } },
    ],
    [
      'no user_id for a session',
      '/v1/sessions',
      { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } },
    ],
    [
      'a user_id that is a number',
      '/v1/sessions',
      { method: 'POST', body: '{"user_id":42}', headers: { 'content-type': 'application/json' } },
    ],
    [
      'a silly token lifetime',
      '/v1/sessions/sess_x/tokens',
      { method: 'POST', body: '{"expires_in_seconds":"soon"}', headers: { 'content-type': 'application/json' } },
    ],
    ['a text body', '/v1/users', { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' } }],
    ['a negative limit', '/v1/users?limit=-4', { method: 'GET' }],
    ['an unknown provider', '/v1/users/user_x/oauth_access_tokens/google', { method: 'GET' }],
    ['listing sessions with no filter', '/v1/sessions', { method: 'GET' }],
  ];
  it.each(cases)('%s → 4xx with errors[] and clerk_trace_id', async (_name, path, init) => {
    const response = await raw(path, init);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = await response.json();
    expect(body.errors[0]).toEqual(
      expect.objectContaining({
        code: expect.any(String),
        message: expect.any(String),
        long_message: expect.any(String),
      }),
    );
    expect(body.clerk_trace_id).toEqual(expect.any(String));
  });

  it('names the offending parameter in a 422', async () => {
    const error = await failure(backend.users.createUser({ emailAddress: ['x@example.com'], password: 'short' }));
    expect(isClerkAPIResponseError(error)).toBe(true);
    if (!isClerkAPIResponseError(error)) return;
    expect(error.status).toBe(422);
    expect(error.errors[0]?.meta?.paramName).toBe('password');
  });
});

describe('the development instance rate limit', () => {
  it('refuses the 101st request within 10 s with 429 and Retry-After, then lets calls through when the window rolls', async () => {
    world.clerk.control.setRateLimit({ requests: 100, windowSeconds: 10 });
    for (let i = 0; i < 100; i++) {
      const response = await raw('/v1/users?limit=1');
      expect(response.status).toBe(200);
    }
    world.clock.advance(4000);
    const error = await failure(backend.users.getUserList({ limit: 1 }));
    expect(isClerkAPIResponseError(error)).toBe(true);
    if (!isClerkAPIResponseError(error)) return;
    expect(error.status).toBe(429);
    expect(error.errors[0]?.code).toBe('too_many_requests');
    expect(error.retryAfter).toBe(6);

    const jwks = await raw('/v1/jwks');
    expect(jwks.status).toBe(200);

    world.clock.advance(6000);
    expect((await raw('/v1/users?limit=1')).status).toBe(200);
  });

  it('can be switched off', async () => {
    world.clerk.control.setRateLimit({ requests: 1, windowSeconds: 10 });
    expect((await raw('/v1/users')).status).toBe(200);
    expect((await raw('/v1/users')).status).toBe(429);
    world.clerk.control.setRateLimit(false);
    expect((await raw('/v1/users')).status).toBe(200);
  });
});

describe('injected faults', () => {
  it('answer in Clerk’s shape, so reliability tests see what a real outage looks like', async () => {
    world.clerk.control.injectFault({ endpoint: '/v1/users*', status: 503, times: 1 });
    const error = await failure(backend.users.getUserList());
    expect(isClerkAPIResponseError(error)).toBe(true);
    if (!isClerkAPIResponseError(error)) return;
    expect(error.status).toBe(503);
    expect(error.errors[0]?.code).toBe('internal_clerk_error');
    expect((await backend.users.getUserList()).totalCount).toBe(0);
  });

  it('can inject a 429 with Retry-After', async () => {
    world.clerk.control.injectFault({ endpoint: '/v1/users', status: 429, retryAfterSeconds: 7 });
    const error = await failure(backend.users.getUserList());
    expect(isClerkAPIResponseError(error) && error.retryAfter).toBe(7);
  });
});
