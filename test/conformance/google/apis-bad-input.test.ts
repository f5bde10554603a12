import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApisWorld, AUTH, startApis } from './apis-fixture.js';

let world: ApisWorld;
let token: string;
beforeAll(async () => {
  world = await startApis();
  const client = await world.connect('ada@example.com', [
    'openid',
    'email',
    'profile',
    AUTH + 'drive.readonly',
    AUTH + 'contacts.readonly',
    AUTH + 'gmail.readonly',
    AUTH + 'calendar.readonly',
  ]);
  token = client.credentials.access_token!;
});
afterAll(() => world.close());

/** Errors of Google's front end (credentials, scopes, quota), which carry `status` for every API. */
function fromFrontEnd(error: { code: number; errors: unknown[] } | undefined): boolean {
  const reason = (error?.errors[0] as { reason?: string } | undefined)?.reason;
  return error?.code === 401 || error?.code === 429 || reason === 'insufficientPermissions';
}

/** Calls a path with the token and checks the answer is a success or a Google-shaped 4xx, never a 5xx. */
async function probe(path: string): Promise<number> {
  const res = await fetch(world.google.url + path, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status, path).toBeLessThan(500);
  expect(res.headers.get('content-type'), path).toBe('application/json; charset=UTF-8');
  const body = (await res.json()) as { error?: { code: number; message: string; errors: unknown[]; status: string } };
  if (res.status >= 400) {
    expect(body.error, path).toEqual({
      code: res.status,
      message: expect.any(String),
      errors: expect.any(Array),
      // Drive's own errors carry no `status`; the front end's (401, 403 scopes, 429) and other APIs' do.
      ...(path.startsWith('/drive/') && !fromFrontEnd(body.error) ? {} : { status: expect.any(String) }),
      ...(body.error?.['details' as never] ? { details: expect.any(Array) } : {}),
    });
  }
  return res.status;
}

const ENDPOINTS: Record<string, string[]> = {
  '/drive/v3/files': ['pageSize', 'pageToken', 'q', 'orderBy', 'fields', 'spaces', 'corpora'],
  '/drive/v3/files/root': ['fields'],
  '/drive/v3/about': ['fields'],
  '/v1/people/me/connections': ['personFields', 'pageSize', 'pageToken', 'sortOrder', 'syncToken', 'requestSyncToken'],
  '/v1/people/me': ['personFields'],
  '/gmail/v1/users/me/labels': ['fields'],
  '/gmail/v1/users/me/messages': ['maxResults', 'pageToken', 'labelIds', 'q', 'includeSpamTrash'],
  '/gmail/v1/users/me/profile': ['fields'],
  '/calendar/v3/users/me/calendarList': ['maxResults', 'pageToken', 'minAccessRole', 'showHidden', 'syncToken'],
  '/calendar/v3/calendars/primary/events': [
    'timeMin',
    'timeMax',
    'singleEvents',
    'orderBy',
    'maxResults',
    'pageToken',
    'timeZone',
    'q',
    'syncToken',
    'showDeleted',
  ],
};

describe('bad input to the APIs', () => {
  it('answers hand-picked hostile values with Google’s 4xx error shape', async () => {
    const cases = [
      '/drive/v3/files?pageSize=abc',
      '/drive/v3/files?pageSize=99999999999999999999',
      '/drive/v3/files?q=%00%27',
      '/drive/v3/files?q=((((((((((',
      "/drive/v3/files?q=name%20contains%20'a'%20and%20and",
      '/drive/v3/files?fields=(((',
      '/drive/v3/files?fields=files(id,)',
      '/drive/v3/files?orderBy=name%20sideways',
      '/drive/v3/files?spaces=mars',
      '/drive/v3/files/%20?fields=id',
      '/v1/people/me/connections?personFields=names&pageSize=-1',
      '/v1/people/me/connections?personFields=names&sortOrder=RANDOM',
      '/v1/people/me/connections?personFields=,,,',
      '/v1/people/other/connections?personFields=names',
      '/v1/people/c%20drop?personFields=names',
      '/gmail/v1/users/me/messages?maxResults=1e9',
      '/gmail/v1/users/me/messages?includeSpamTrash=perhaps',
      '/gmail/v1/users/me/labels/NOPE',
      '/gmail/v1/users/someone%40else.test/profile',
      '/calendar/v3/calendars/primary/events?timeMin=2026-13-45T99:99:99Z',
      '/calendar/v3/calendars/primary/events?singleEvents=maybe',
      '/calendar/v3/calendars/primary/events?orderBy=colour',
      '/calendar/v3/calendars/primary/events?syncToken=forged',
      '/calendar/v3/users/someone/calendarList',
      '/calendar/v3/users/me/calendarList?minAccessRole=god',
    ];
    for (const path of cases) expect(await probe(path), path).toBeGreaterThanOrEqual(400);
    // A path that is not valid UTF-8 is refused by the router before any API sees it; it must still be a 4xx.
    for (const path of ['/gmail/v1/users/me/messages/%FF%FF', '/calendar/v3/calendars/%E0%A4%A/events']) {
      const res = await fetch(world.google.url + path, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, path).toBe(400);
    }
  });

  it('never answers a 5xx to arbitrary values of any parameter', async () => {
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.integer().map(String),
      fc.constantFrom('', ' ', "'", '"', '\\', '(', ')', 'true', 'null', '-1', '0', '1e999', '%', 'é', '\u0000'),
    );
    const call = fc.record({
      endpoint: fc.constantFrom(...Object.keys(ENDPOINTS)),
      pick: fc.nat(),
      value,
      repeat: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(call, async ({ endpoint, pick, value: v, repeat }) => {
        const params = ENDPOINTS[endpoint]!;
        const name = params[pick % params.length]!;
        const query = new URLSearchParams();
        query.append(name, v);
        if (repeat) query.append(name, v);
        // personFields is required; add a valid one unless it is the parameter under test.
        if (endpoint.startsWith('/v1/people') && name !== 'personFields') query.append('personFields', 'names');
        await probe(`${endpoint}?${query}`);
      }),
      { numRuns: 150, seed: 20260115 },
    );
  });
});
