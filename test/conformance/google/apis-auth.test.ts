import { calendar_v3 } from '@googleapis/calendar';
import { drive_v3 } from '@googleapis/drive';
import { gmail_v1 } from '@googleapis/gmail';
import { people_v1 } from '@googleapis/people';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ApisWorld, AUTH, apiAuth, bareClient, startApis } from './apis-fixture.js';
import { failure } from './harness.js';

const ADA = 'ada@example.com';
const GRACE = 'grace@example.com';
const REALM = 'Bearer realm="https://accounts.google.com/"';
const INVALID_CREDENTIALS = {
  error: {
    code: 401,
    message:
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    errors: [
      {
        message: 'Invalid Credentials',
        domain: 'global',
        reason: 'authError',
        location: 'Authorization',
        locationType: 'header',
      },
    ],
    status: 'UNAUTHENTICATED',
  },
};
/** No retries: gaxios would otherwise retry a 429 three times with backoff. */
const NO_RETRY = { retry: false };

let world: ApisWorld;
let url: string;
beforeAll(async () => {
  world = await startApis();
  url = world.google.url;
});
afterAll(() => world.close());
beforeEach(async () => {
  // Lift every quota, including per-account ones, between tests.
  await fetch(`${url}/__emulator/ratelimit`, { method: 'DELETE' });
});

type ErrorBody = { error: { code: number; errors: { reason: string }[]; status: string; details?: unknown[] } };

describe('bearer checks', () => {
  it('answers a call without credentials with 401 "Login Required" and the Bearer realm', async () => {
    const res = await fetch(`${url}/drive/v3/files`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(REALM);
    expect(res.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    const body = (await res.json()) as ErrorBody;
    expect(body.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED', errors: [{ reason: 'required' }] });
  });

  it('answers an unknown token with Google’s exact 401 body on every API', async () => {
    const auth = apiAuth(bareClient('ya29.not-a-real-token'));
    const rootUrl = url + '/';
    const calls: (() => Promise<unknown>)[] = [
      () => new drive_v3.Drive({ rootUrl, auth }).files.list({}),
      () =>
        new people_v1.People({ rootUrl, auth }).people.connections.list({
          resourceName: 'people/me',
          personFields: 'names',
        }),
      () => new gmail_v1.Gmail({ rootUrl, auth }).users.labels.list({ userId: 'me' }),
      () => new calendar_v3.Calendar({ rootUrl, auth }).events.list({ calendarId: 'primary' }),
    ];
    for (const call of calls) {
      const err = await failure(call);
      expect(err.status).toBe(401);
      expect(err.data).toEqual(INVALID_CREDENTIALS);
    }
    const raw = await fetch(`${url}/gmail/v1/users/me/labels`, { headers: { authorization: 'Bearer ya29.nope' } });
    expect(raw.headers.get('www-authenticate')).toMatch(/^Bearer realm="https:\/\/accounts\.google\.com\/"/);
    const basic = await fetch(`${url}/gmail/v1/users/me/labels`, { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    expect(basic.status).toBe(401);
  });

  it('accepts the token in the access_token query parameter, as Google does', async () => {
    const client = await world.connect(ADA, [AUTH + 'gmail.readonly']);
    const res = await fetch(`${url}/gmail/v1/users/me/profile?access_token=${client.credentials.access_token}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { emailAddress: string }).emailAddress).toBe(ADA);
  });

  it('refuses a token once it is revoked, and once it has expired on the emulator’s clock', async () => {
    const revoked = await world.connect(ADA, [AUTH + 'drive.readonly']);
    const drive = new drive_v3.Drive({
      rootUrl: url + '/',
      auth: apiAuth(bareClient(revoked.credentials.access_token!)),
    });
    expect((await drive.files.list({ pageSize: 1 })).status).toBe(200);
    await revoked.revokeToken(revoked.credentials.access_token!);
    expect((await failure(() => drive.files.list({ pageSize: 1 }))).data).toEqual(INVALID_CREDENTIALS);

    const expiring = await world.connect(GRACE, [AUTH + 'drive.readonly']);
    const drive2 = new drive_v3.Drive({
      rootUrl: url + '/',
      auth: apiAuth(bareClient(expiring.credentials.access_token!)),
    });
    expect((await drive2.files.list({ pageSize: 1 })).status).toBe(200);
    world.google.control.advanceClock(3600);
    expect((await failure(() => drive2.files.list({ pageSize: 1 }))).data).toEqual(INVALID_CREDENTIALS);
  });
});

describe('browser callers', () => {
  it('answers CORS preflights and echoes the origin, as Google’s front end does', async () => {
    const preflight = await fetch(`${url}/drive/v3/files?pageSize=1`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization,x-goog-api-client',
      },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization,x-goog-api-client');
    const client = await world.connect(ADA, [AUTH + 'drive.readonly']);
    const res = await fetch(`${url}/drive/v3/files?pageSize=1`, {
      headers: { origin: 'http://localhost:5173', authorization: `Bearer ${client.credentials.access_token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });
});

describe('scope checks', () => {
  it('answers a token without an accepted scope with 403 ACCESS_TOKEN_SCOPE_INSUFFICIENT naming service and method', async () => {
    const auth = apiAuth(await world.connect(ADA, ['openid', 'email', AUTH + 'contacts.readonly']));
    const rootUrl = url + '/';
    const cases: [() => Promise<unknown>, string, string][] = [
      [
        () => new drive_v3.Drive({ rootUrl, auth }).files.list({}),
        'drive.googleapis.com',
        'google.apps.drive.v3.DriveFiles.List',
      ],
      [
        () => new gmail_v1.Gmail({ rootUrl, auth }).users.messages.list({ userId: 'me' }),
        'gmail.googleapis.com',
        'caribou.api.proto.MailboxService.ListMessages',
      ],
      [
        () => new calendar_v3.Calendar({ rootUrl, auth }).calendarList.list({}),
        'calendar-json.googleapis.com',
        'calendar.v3.CalendarList.List',
      ],
    ];
    for (const [call, service, method] of cases) {
      const err = await failure(call);
      expect(err.status).toBe(403);
      expect(err.message).toBe('Request had insufficient authentication scopes.');
      expect(err.data).toEqual({
        error: {
          code: 403,
          message: 'Request had insufficient authentication scopes.',
          errors: [{ message: 'Insufficient Permission', domain: 'global', reason: 'insufficientPermissions' }],
          status: 'PERMISSION_DENIED',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
              domain: 'googleapis.com',
              metadata: { service, method },
            },
          ],
        },
      });
    }
    // The same token does reach the API its scope is for.
    const people = new people_v1.People({ rootUrl, auth });
    expect((await people.people.connections.list({ resourceName: 'people/me', personFields: 'names' })).status).toBe(
      200,
    );
  });

  it('lets each API accept exactly its own scopes: gmail.labels reads labels but not messages', async () => {
    const auth = apiAuth(await world.connect(ADA, [AUTH + 'gmail.labels']));
    const gmail = new gmail_v1.Gmail({ rootUrl: url + '/', auth });
    expect((await gmail.users.labels.list({ userId: 'me' })).status).toBe(200);
    expect((await failure(() => gmail.users.messages.list({ userId: 'me' }))).status).toBe(403);
  });
});

describe('per-user rate limit', () => {
  it('answers 429 RESOURCE_EXHAUSTED with Retry-After once the budget is spent, and recovers when the window passes', async () => {
    const drive = new drive_v3.Drive({
      rootUrl: url + '/',
      auth: apiAuth(await world.connect(ADA, [AUTH + 'drive.readonly'])),
    });
    const graceDrive = new drive_v3.Drive({
      rootUrl: url + '/',
      auth: apiAuth(await world.connect(GRACE, [AUTH + 'drive.readonly'])),
    });
    world.google.control.setRateLimit({ requestsPerMinute: 2 }, { email: ADA });
    await drive.files.list({ pageSize: 1 }, NO_RETRY);
    await drive.files.list({ pageSize: 1 }, NO_RETRY);
    let retryAfter: string | null = null;
    try {
      await drive.files.list({ pageSize: 1 }, NO_RETRY);
      expect.unreachable('the third call should be over quota');
    } catch (error) {
      const e = error as { status: number; response: { data: ErrorBody; headers: Headers } };
      expect(e.status).toBe(429);
      expect(e.response.data.error).toMatchObject({
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        errors: [{ reason: 'rateLimitExceeded', domain: 'usageLimits' }],
      });
      retryAfter = e.response.headers.get('retry-after');
    }
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    // Another user has their own budget.
    expect((await graceDrive.files.list({ pageSize: 1 }, NO_RETRY)).status).toBe(200);
    world.google.control.advanceClock(Number(retryAfter));
    // A minute later the window has turned over (the access token, good for an hour, still is).
    expect((await drive.files.list({ pageSize: 1 }, NO_RETRY)).status).toBe(200);
  });

  it('is configurable over HTTP at /__emulator/ratelimit, for everyone, and can be lifted', async () => {
    const gmail = new gmail_v1.Gmail({
      rootUrl: url + '/',
      auth: apiAuth(await world.connect(GRACE, [AUTH + 'gmail.readonly'])),
    });
    const set = await fetch(`${url}/__emulator/ratelimit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ perWindow: 1, windowSeconds: 30 }),
    });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ default: { perWindow: 1, windowSeconds: 30 }, users: {} });
    await gmail.users.labels.list({ userId: 'me' }, NO_RETRY);
    expect((await failure(() => gmail.users.labels.list({ userId: 'me' }, NO_RETRY))).status).toBe(429);
    const lifted = await fetch(`${url}/__emulator/ratelimit`, { method: 'DELETE' });
    expect(await lifted.json()).toEqual({ default: null, users: {} });
    expect((await gmail.users.labels.list({ userId: 'me' }, NO_RETRY)).status).toBe(200);

    for (const body of [
      '{',
      JSON.stringify({ perWindow: -1, windowSeconds: 1 }),
      JSON.stringify({ requestsPerMinute: 1, account: 'nobody@x' }),
    ]) {
      const bad = await fetch(`${url}/__emulator/ratelimit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(bad.status, body).toBe(400);
      expect(((await bad.json()) as ErrorBody).error.code).toBe(400);
    }
  });
});
